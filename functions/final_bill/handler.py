"""SQS consumer: a final bill (rated, rendered, announced) for each FinalBillRequested event.

Idempotent: the final read is recorded once per meter and date, and an account has one
statement per period, so a redelivered request bills nothing twice.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

# WeasyPrint loads during the Lambda init, not at the first render (the wiring imports it late)
import civiq.platform.pdf  # noqa: F401
from civiq.accounts.domain.moves import FinalReading
from civiq.accounts.schemas.workflow_events import FinalBillRequestedV1
from civiq.billing import wiring
from civiq.billing.services.final_bills import ProduceFinalBill
from civiq.core.events import DomainEvent
from civiq.core.settings import DocumentSettings
from civiq.platform.sqs import process_domain_events

logger = Logger(service="civiq-final-bill")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def produce_final_bill() -> ProduceFinalBill:
    return wiring.produce_final_bill(DocumentSettings())


def _bill(event: DomainEvent) -> None:
    request = FinalBillRequestedV1.model_validate(event.detail)
    reading = FinalReading.from_payload(request.final_reading.model_dump(mode="json"))
    outcome = produce_final_bill()(request.account_id, reading, event.correlation_id)
    logger.info(
        "final bill",
        extra={
            "account_id": request.account_id,
            "outcome": outcome.outcome,
            "reason": outcome.reason,
        },
    )


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_domain_events(event, context, _bill, logger)
