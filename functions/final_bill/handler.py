"""SQS consumer: a final bill (rated, rendered, announced) for each FinalBillRequested event.

Idempotent: the final read is recorded once per meter and date, and an account has one
statement per period, so a redelivered request bills nothing twice.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.adapters.dynamodb_properties import DynamoPropertyRepository
from civiq.accounts.adapters.dynamodb_workflows import DynamoBalances
from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.moves import FinalReading
from civiq.accounts.schemas.workflow_events import FinalBillRequestedV1
from civiq.accounts.services.recording import Recorder
from civiq.billing.adapters.dynamodb import DynamoCycles, DynamoStatements
from civiq.billing.services.billing import BillAccount
from civiq.billing.services.final_bills import ProduceFinalBill
from civiq.billing.services.issue_statements import IssueStatements, Letterhead
from civiq.core.clock import SystemClock
from civiq.core.events import DomainEvent
from civiq.core.ids import UlidGenerator
from civiq.core.publishing import PublishEvents
from civiq.core.settings import DocumentSettings
from civiq.metering.adapters.dynamodb import DynamoMetering
from civiq.metering.services.readings import RecordEstimate, RecordReading
from civiq.platform import aws
from civiq.platform.dynamodb.outbox import DynamoOutbox
from civiq.platform.dynamodb.table import configure_models
from civiq.platform.eventbridge import EventBridgePublisher
from civiq.platform.pdf import WeasyPrintRenderer, default_templates_dir
from civiq.platform.s3 import S3DocumentStore
from civiq.platform.sqs import process_domain_events
from civiq.rates.adapters.dynamodb import DynamoRateSchedules

logger = Logger(service="civiq-final-bill")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def produce_final_bill() -> ProduceFinalBill:
    settings = DocumentSettings()
    configure_models(settings.table_name, settings.aws_region, settings.aws_endpoint_url)
    region, endpoint = settings.aws_region, settings.aws_endpoint_url
    publisher = EventBridgePublisher(
        aws.client("events", region, endpoint), settings.event_bus_name
    )
    events = PublishEvents(DynamoOutbox(), publisher)
    clock, ids = SystemClock(), UlidGenerator()
    recorder = Recorder(clock, ids, ZoneInfo(settings.municipal_time_zone))
    metering, accounts, statements = DynamoMetering(), DynamoAccountRepository(), DynamoStatements()
    bill_account = BillAccount(
        accounts,
        DynamoPropertyRepository(),
        metering,
        metering,
        statements,
        DynamoBalances(),
        RecordEstimate(metering, metering, metering, recorder),
        clock,
        ids,
    )
    issue = IssueStatements(
        statements,
        WeasyPrintRenderer(settings.templates_dir or default_templates_dir()),
        S3DocumentStore(aws.client("s3", region, endpoint), settings.documents_bucket),
        events,
        Letterhead(
            settings.municipality_name,
            settings.portal_url,
            AccountNumberScheme(settings.account_number_prefix, settings.account_number_width),
        ),
        clock,
        ids,
    )
    return ProduceFinalBill(
        accounts,
        metering,
        RecordReading(metering, metering, metering, events, recorder),
        DynamoCycles(),
        DynamoRateSchedules(),
        bill_account,
        issue,
        recorder,
    )


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


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_domain_events(event, context, _bill, logger)
