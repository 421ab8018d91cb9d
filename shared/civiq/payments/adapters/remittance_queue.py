"""The remittance queue on SQS: one message per chunk of a file's lines, read by
functions/remittances."""

from __future__ import annotations

from typing import Any

from civiq.payments.schemas.remittances import ChunkMessage


class SqsRemittanceQueue:
    def __init__(self, sqs_client: Any, queue_url: str) -> None:
        self._sqs = sqs_client
        self._url = queue_url

    def send(self, remittance_id: str, first_line: int, last_line: int) -> None:
        message = ChunkMessage(
            remittance_id=remittance_id, first_line=first_line, last_line=last_line
        )
        self._sqs.send_message(QueueUrl=self._url, MessageBody=message.model_dump_json())
