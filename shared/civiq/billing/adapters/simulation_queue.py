"""The rate-simulation queue on SQS: a message per part of a job, read by
functions/rate_simulation (the first part's names the job alone)."""

from __future__ import annotations

from typing import Any

from civiq.billing.schemas.simulations import SimulationMessage


class SqsSimulationQueue:
    def __init__(self, sqs_client: Any, queue_url: str) -> None:
        self._sqs = sqs_client
        self._url = queue_url

    def send(self, simulation_id: str, part: int = 0) -> None:
        message = SimulationMessage(simulation_id=simulation_id, part=part)
        body = message.model_dump_json(exclude_defaults=True)
        self._sqs.send_message(QueueUrl=self._url, MessageBody=body)
