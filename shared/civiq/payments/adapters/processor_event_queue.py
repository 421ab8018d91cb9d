"""The processor-event queue on SQS: each verified webhook body, read by
functions/processor_events."""

from __future__ import annotations

from typing import Any


class SqsProcessorEventQueue:
    def __init__(self, sqs_client: Any, queue_url: str) -> None:
        self._sqs = sqs_client
        self._url = queue_url

    def send(self, raw_event: bytes) -> None:
        self._sqs.send_message(QueueUrl=self._url, MessageBody=raw_event.decode())
