"""SQS consumer: one append-only audit record per domain event."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger

from civiq.core.events import DomainEvent
from civiq.core.record_audit import RecordAudit
from civiq.core.settings import CommonSettings
from civiq.platform import runtime
from civiq.platform.sqs import process_domain_events

logger = Logger(service="civiq-audit-writer")


@cache
def record_audit() -> RecordAudit:
    return runtime.record_audit(CommonSettings())


def _record(event: DomainEvent) -> None:
    if not record_audit()(event):
        logger.info("audit entry already recorded (redelivery)")


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_domain_events(event, context, _record, logger)
