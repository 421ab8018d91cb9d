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

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.adapters.dynamodb_customers import DynamoCustomerRepository
from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.billing.adapters.dynamodb import DynamoStatements
from civiq.core.events import DomainEvent
from civiq.core.publishing import PublishEvents
from civiq.core.settings import DocumentSettings
from civiq.notices.adapters.dynamodb import DynamoNotificationLog
from civiq.notices.adapters.receipts import CatalogReceiptWording, S3ReceiptDocuments
from civiq.notices.services.receipts import IssueReceipt
from civiq.payments.schemas.events import PaymentPostedV1
from civiq.platform import aws
from civiq.platform.catalogs import Catalogs
from civiq.platform.dynamodb.outbox import DynamoOutbox
from civiq.platform.dynamodb.table import configure_models
from civiq.platform.eventbridge import EventBridgePublisher
from civiq.platform.pdf import WeasyPrintRenderer, default_templates_dir
from civiq.platform.sqs import process_domain_events

logger = Logger(service="civiq-receipts")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def issue_receipt() -> IssueReceipt:
    settings = DocumentSettings()
    configure_models(settings.table_name, settings.aws_region, settings.aws_endpoint_url)
    region, endpoint = settings.aws_region, settings.aws_endpoint_url
    templates = settings.templates_dir or default_templates_dir()
    publisher = EventBridgePublisher(
        aws.client("events", region, endpoint), settings.event_bus_name
    )
    return IssueReceipt(
        accounts=DynamoAccountRepository(),
        customers=DynamoCustomerRepository(),
        statements=DynamoStatements(),
        renderer=WeasyPrintRenderer(templates),
        documents=S3ReceiptDocuments(aws.client("s3", region, endpoint), settings.documents_bucket),
        wording=CatalogReceiptWording(Catalogs(templates), settings.municipality_name),
        notifications=DynamoNotificationLog(),
        events=PublishEvents(DynamoOutbox(), publisher),
        numbering=AccountNumberScheme(
            settings.account_number_prefix, settings.account_number_width
        ),
        municipality_name=settings.municipality_name,
    )


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


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_domain_events(event, context, _issue, logger)
