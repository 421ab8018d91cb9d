"""The scoring queue on SQS: one message per chunk of accounts to score, read by
functions/risk_scoring (``score_accounts``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from civiq.collections.domain.risk_scores import ScoringChunk
from civiq.collections.schemas.risk_scores import ScoringChunkMessage

MAX_BATCH_ENTRIES = 10  # SendMessageBatch's limit


class SqsScoringQueue:
    def __init__(self, sqs_client: Any, queue_url: str) -> None:
        self._sqs = sqs_client
        self._url = queue_url

    def send(self, chunks: Sequence[ScoringChunk]) -> None:
        for start in range(0, len(chunks), MAX_BATCH_ENTRIES):
            batch = chunks[start : start + MAX_BATCH_ENTRIES]
            response = self._sqs.send_message_batch(
                QueueUrl=self._url,
                Entries=[
                    {"Id": str(n), "MessageBody": ScoringChunkMessage.of(c).model_dump_json()}
                    for n, c in enumerate(batch)
                ],
            )
            if response.get("Failed"):
                raise ConnectionError(f"{len(response['Failed'])} scoring chunk(s) not sent")
