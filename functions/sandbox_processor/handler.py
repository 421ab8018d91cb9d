"""The sandbox payment processor (local stack and staging only): answers each charge the
sandbox gateway queued with a signed event posted to the webhook endpoint, as a real
processor does. A refused or failed delivery fails its record, and SQS delivers it again."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from civiq.core.clock import SystemClock
from civiq.payments.adapters.sandbox_gateway import deliver, sandbox_event
from civiq.payments.config import SandboxProcessorSettings

logger = Logger(service="civiq-sandbox-processor")


@cache
def settings() -> SandboxProcessorSettings:
    return SandboxProcessorSettings()


def _charge(record: SQSRecord) -> None:
    now = SystemClock().now()
    body = sandbox_event(json.loads(record.body), now)
    status = deliver(settings().sandbox_webhook_url, body, settings().signing_secret(), now)
    logger.info("sandbox event delivered", extra={"status": status})


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    processor = BatchProcessor(event_type=EventType.SQS)
    return dict(
        process_partial_response(
            event=event, record_handler=_charge, processor=processor, context=context
        )
    )
