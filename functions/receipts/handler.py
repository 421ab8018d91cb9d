"""SQS consumer of PaymentPosted (PaymentReceiptQueue, fed by a rule): each posted payment's
receipt, a PDF in the account's language stored in S3 and a NotificationRequested message to the
holder, once per payment however often the event is delivered. Failed records are reported back
(partial batch failures) and land in the dead-letter queue after the queue's maxReceiveCount.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

# WeasyPrint loads during the Lambda init, not at the first render (the wiring imports it late)
import civiq.platform.pdf  # noqa: F401
from civiq.core.events import DomainEvent
from civiq.core.settings import DocumentSettings
from civiq.notices import wiring
from civiq.notices.services.receipts import IssueReceipt
from civiq.payments.schemas.events import PaymentPostedV1
from civiq.platform.sqs import process_domain_events

logger = Logger(service="civiq-receipts")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def issue_receipt() -> IssueReceipt:
    return wiring.issue_receipt(DocumentSettings())


def _issue(event: DomainEvent) -> None:
    posted = PaymentPostedV1.model_validate(event.detail)
    issued = issue_receipt()(posted.to_domain(event.occurred_at, event.correlation_id))
    logger.info(
        "receipt issued",
        extra={
            "payment_id": posted.payment_id,
            "account_id": posted.account_id,
            "key": issued.key,
            "rendered": issued.rendered,
            "notification_requested": issued.requested,
        },
    )


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_domain_events(event, context, _issue, logger)
