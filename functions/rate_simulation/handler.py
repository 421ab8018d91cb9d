"""SQS consumer of the rate-simulation queue: run each asked-for simulation over the city.

A message names a job; the worker reads every billed account's year page by page as the
simulator consumes it, writes the exports (CSV, XLSX, a PDF in English and in French) under
``rate-simulations/`` and marks the job done with its report. A run that fails marks the job
failed with its reason and fails its record alone (``batchItemFailures``): SQS redelivers it
and, after maxReceiveCount, dead-letters it into the staff work queue, whose retry sends it
back. A message for a job already done changes nothing.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

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


@cache
def run_rate_simulation() -> RunRateSimulation:
    return wiring.run_rate_simulation(DocumentSettings())


def _simulate(message: SimulationMessage) -> None:
    logger.set_correlation_id(message.simulation_id)
    simulation = run_rate_simulation()(message.simulation_id)
    report = simulation.report
    logger.info(
        "rate simulation done",
        extra={
            "simulation_id": simulation.simulation_id,
            "accounts": report.accounts if report else None,
            "unrated": len(report.unrated) if report else None,
        },
    )


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_messages(event, context, SimulationMessage.model_validate_json, _simulate)
