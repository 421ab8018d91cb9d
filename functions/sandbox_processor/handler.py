"""The sandbox payment processor (local stack and staging only): answers each charge the
sandbox gateway queued with a signed event posted to the webhook endpoint, as a real
processor does. A refused or failed delivery fails its record, and SQS delivers it again."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger

from civiq.core.clock import SystemClock
from civiq.payments.adapters.sandbox_gateway import deliver, sandbox_event
from civiq.payments.config import SandboxProcessorSettings
from civiq.platform.secrets import Secret, secret
from civiq.platform.sqs import process_messages

logger = Logger(service="civiq-sandbox-processor")


@cache
def settings() -> SandboxProcessorSettings:
    return SandboxProcessorSettings()


def webhook_secret() -> Secret:
    """The webhook's secret: each event is signed with its current version."""
    config = settings()
    return secret(config.webhook_secret_id, config.aws_region, config.aws_endpoint_url)


def _request(body: str) -> dict[str, Any]:
    """A charge or refund the sandbox gateway queued (its JSON, as the gateway wrote it)."""
    request: dict[str, Any] = json.loads(body)
    return request


def _charge(request: dict[str, Any]) -> None:
    now = SystemClock().now()
    body = sandbox_event(request, now)
    status = deliver(settings().sandbox_webhook_url, body, webhook_secret().current(), now)
    logger.info("sandbox event delivered", extra={"status": status})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_messages(event, context, _request, _charge)
