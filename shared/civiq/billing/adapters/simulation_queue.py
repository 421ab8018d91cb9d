"""The rate-simulation queue on SQS: one message per job, read by functions/rate_simulation."""

from __future__ import annotations

from typing import Any

from civiq.billing.schemas.simulations import SimulationMessage


class SqsSimulationQueue:
    def __init__(self, sqs_client: Any, queue_url: str) -> None:
        self._sqs = sqs_client
        self._url = queue_url

    def send(self, simulation_id: str) -> None:
        body = SimulationMessage(simulation_id=simulation_id).model_dump_json()
        self._sqs.send_message(QueueUrl=self._url, MessageBody=body)
