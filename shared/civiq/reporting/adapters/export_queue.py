"""The export queue on SQS: one message per export, read by functions/report_export."""

from __future__ import annotations

from typing import Any

from civiq.reporting.schemas.dashboard import ExportMessage


class SqsExportQueue:
    def __init__(self, sqs_client: Any, queue_url: str) -> None:
        self._sqs = sqs_client
        self._url = queue_url

    def send(self, export_id: str) -> None:
        self._sqs.send_message(
            QueueUrl=self._url, MessageBody=ExportMessage(export_id=export_id).model_dump_json()
        )
