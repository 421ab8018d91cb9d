"""SQS consumer: one append-only audit record per domain event."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger

from civiq.adapters.dynamodb.audit import DynamoAuditLog
from civiq.adapters.dynamodb.models import configure_models
from civiq.adapters.sqs import process_domain_events
from civiq.config import CommonSettings
from civiq.domain.events import DomainEvent
from civiq.services.record_audit import RecordAudit

logger = Logger(service="civiq-audit-writer")


@cache
def record_audit() -> RecordAudit:
    settings = CommonSettings()
    configure_models(settings.table_name, settings.aws_region, settings.aws_endpoint_url)
    return RecordAudit(DynamoAuditLog())


def _record(event: DomainEvent) -> None:
    if not record_audit()(event):
        logger.info("audit entry already recorded (redelivery)")


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_domain_events(event, context, _record, logger)
