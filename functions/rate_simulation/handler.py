"""SQS consumer of the rate-simulation queue: run each asked-for simulation over the city, a
meter-reading route at a time.

A message names a part of a job (the request's, the job alone: its first part, which queues the
others on this same queue). The worker reads the route's billed accounts' years page by page as
the simulator consumes them and keeps them under ``rate-simulations/<id>/parts/``; the part that
completes the job merges them, writes the exports (CSV, XLSX, a PDF in English and in French)
under ``rate-simulations/`` and marks the job done with its report. A part that fails marks the
job failed with its reason and fails its record alone (``batchItemFailures``): SQS redelivers it
and, after maxReceiveCount, dead-letters it into the staff work queue, whose retry sends it
back. A message for a job already done changes nothing.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from pydantic import Field

# The writers (XlsxWriter, WeasyPrint) load during the Lambda init, not at the first job
import civiq.billing.adapters.simulation_documents
import civiq.platform.pdf  # noqa: F401
from civiq.billing import wiring
from civiq.billing.schemas.simulations import SimulationMessage
from civiq.billing.services.simulation_jobs import RunRateSimulation
from civiq.core.settings import DocumentSettings
from civiq.platform.sqs import process_messages

logger = Logger(service="civiq-rate-simulation")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


class RateSimulationSettings(DocumentSettings):
    rate_simulation_queue_url: str = Field(min_length=10)  # where a job's other parts go


@cache
def run_rate_simulation() -> RunRateSimulation:
    settings = RateSimulationSettings()
    return wiring.run_rate_simulation(
        settings, rate_simulation_queue_url=settings.rate_simulation_queue_url
    )


def _simulate(message: SimulationMessage) -> None:
    logger.set_correlation_id(message.simulation_id)
    simulation = run_rate_simulation()(message.simulation_id, message.part)
    report = simulation.report
    logger.info(
        "rate simulation done" if report else "rate simulation part done",
        extra={
            "simulation_id": simulation.simulation_id,
            "part": message.part,
            "accounts": report.accounts if report else None,
            "unrated": len(report.unrated) if report else None,
        },
    )


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_messages(event, context, SimulationMessage.model_validate_json, _simulate)
