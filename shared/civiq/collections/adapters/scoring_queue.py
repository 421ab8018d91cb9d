"""The scoring queue on SQS: one message per chunk of accounts to score, read by
functions/risk_scoring (``score``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from civiq.collections.domain.risk_scores import ScoringChunk
from civiq.collections.schemas.risk_scores import ScoringChunkMessage
from civiq.platform.sqs import send_messages


class SqsScoringQueue:
    def __init__(self, sqs_client: Any, queue_url: str) -> None:
        self._sqs = sqs_client
        self._url = queue_url

    def send(self, chunks: Sequence[ScoringChunk]) -> None:
        bodies = [ScoringChunkMessage.of(c).model_dump_json() for c in chunks]
        send_messages(self._sqs, self._url, bodies)
