"""Step Functions task: render a batch's new statements (en/fr PDF), store and announce them."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.billing.adapters.dynamodb import DynamoStatements
from civiq.billing.domain.cycles import AccountOutcome, Outcome
from civiq.billing.schemas.tasks import IssueStatementsTask
from civiq.billing.services.issue_statements import IssueStatements, Letterhead
from civiq.core.clock import SystemClock
from civiq.core.ids import UlidGenerator
from civiq.core.publishing import PublishEvents
from civiq.core.settings import DocumentSettings
from civiq.platform import aws
from civiq.platform.dynamodb.outbox import DynamoOutbox
from civiq.platform.dynamodb.table import configure_models
from civiq.platform.eventbridge import EventBridgePublisher
from civiq.platform.pdf import WeasyPrintRenderer, default_templates_dir
from civiq.platform.s3 import S3DocumentStore

logger = Logger(service="civiq-statement-renderer")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def issue_statements() -> IssueStatements:
    settings = DocumentSettings()
    configure_models(settings.table_name, settings.aws_region, settings.aws_endpoint_url)
    region, endpoint = settings.aws_region, settings.aws_endpoint_url
    publisher = EventBridgePublisher(
        aws.client("events", region, endpoint), settings.event_bus_name
    )
    return IssueStatements(
        statements=DynamoStatements(),
        renderer=WeasyPrintRenderer(settings.templates_dir or default_templates_dir()),
        documents=S3DocumentStore(aws.client("s3", region, endpoint), settings.documents_bucket),
        events=PublishEvents(DynamoOutbox(), publisher),
        letterhead=Letterhead(
            settings.municipality_name,
            settings.portal_url,
            AccountNumberScheme(settings.account_number_prefix, settings.account_number_width),
        ),
        clock=SystemClock(),
        ids=UlidGenerator(),
    )


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    task = IssueStatementsTask.model_validate(event)
    logger.set_correlation_id(task.run_id)
    billed = [
        AccountOutcome(b.account_id, Outcome.BILLED, None, b.statement_id) for b in task.billed
    ]
    issued = issue_statements()(billed)
    logger.info("statements issued", extra={"run_id": task.run_id, "issued": issued})
    return {"issued": issued}
