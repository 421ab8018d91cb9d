"""The read-reminder queue on SQS: one message per route of a cycle period (or its rest), read by
functions/alerts (``remind_route``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from civiq.notices.domain.alerts import RouteReminder
from civiq.notices.schemas.tasks import RouteReminderMessage

MAX_BATCH_ENTRIES = 10  # SendMessageBatch's limit


class SqsReminderQueue:
    def __init__(self, sqs_client: Any, queue_url: str) -> None:
        self._sqs = sqs_client
        self._url = queue_url

    def send(self, tasks: Sequence[RouteReminder]) -> None:
        for start in range(0, len(tasks), MAX_BATCH_ENTRIES):
            chunk = tasks[start : start + MAX_BATCH_ENTRIES]
            response = self._sqs.send_message_batch(
                QueueUrl=self._url,
                Entries=[
                    {
                        "Id": str(index),
                        "MessageBody": RouteReminderMessage.of(task).model_dump_json(),
                    }
                    for index, task in enumerate(chunk)
                ],
            )
            if response.get("Failed"):
                raise ConnectionError(f"{len(response['Failed'])} reminder task(s) not sent")
