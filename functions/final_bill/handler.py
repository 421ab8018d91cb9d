"""The final bills of a move-out or a sale, produced inside its workflow (a Step Functions task).

The workflow passes the final bills its record step asked for (FinalBillRequested payloads) and
waits: the account settles only once its final bill is issued. A bill that cannot be produced
raises its domain error by name (FinalBillBlocked, InvalidInput, NotFound...), so the step fails
and the workflow's failure handler puts it in the staff work queue with the reason.

Idempotent: the final read is recorded once per meter and date, the final-read fee once per move
or transfer, and an account has one final statement, so a retried step (or a rerun from the work
queue) bills and charges nothing twice.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from pydantic import BaseModel, Field

# WeasyPrint loads during the Lambda init, not at the first render (the wiring imports it late)
import civiq.platform.pdf  # noqa: F401
from civiq.accounts.domain.moves import FinalReading
from civiq.accounts.schemas.workflow_events import FinalBillRequestedV1
from civiq.billing import wiring
from civiq.billing.services.final_bills import ProduceFinalBill
from civiq.core.settings import DocumentSettings

logger = Logger(service="civiq-final-bill")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


class FinalBillsTask(BaseModel):
    correlation_id: str = Field(min_length=1)
    final_bills: list[FinalBillRequestedV1]


@cache
def produce_final_bill() -> ProduceFinalBill:
    return wiring.produce_final_bill(DocumentSettings())


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    task = FinalBillsTask.model_validate(event)
    logger.set_correlation_id(task.correlation_id)
    statements = []
    for request in task.final_bills:
        reading = FinalReading.from_payload(request.final_reading.model_dump(mode="json"))
        outcome = produce_final_bill()(
            request.account_id, reading, request.reference_id, task.correlation_id
        )
        logger.info(
            "final bill",
            extra={
                "account_id": request.account_id,
                "outcome": outcome.outcome,
                "reason": outcome.reason,
            },
        )
        statements.append(
            {
                "account_id": outcome.account_id,
                "outcome": outcome.outcome.value,
                "reason": outcome.reason,
                "statement_id": outcome.statement_id,
            }
        )
    return {"statements": statements}
