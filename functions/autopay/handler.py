"""SQS consumer of StatementIssued: charge autopay accounts through the payment gateway.

The gateway shipped is the sandbox (a real processor's adapter implements the same port,
civiq.payment_ports.PaymentGateway); its answer comes back through the signed webhook. Charging
is idempotent on the statement (the gateway's idempotency key), so a redelivered event asks for
the same charge.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.adapters.dynamodb_workflows import DynamoMilestones
from civiq.core.clock import SystemClock
from civiq.core.events import DomainEvent
from civiq.core.ids import UlidGenerator
from civiq.payments.adapters.dynamodb_payments import DynamoLedger
from civiq.payments.adapters.sandbox_gateway import SandboxGateway
from civiq.payments.config import AutopaySettings
from civiq.payments.services.autopay import ChargeAutopay
from civiq.platform import aws
from civiq.platform.dynamodb.table import configure_models
from civiq.platform.sqs import process_domain_events

logger = Logger(service="civiq-autopay")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def charge() -> ChargeAutopay:
    settings = AutopaySettings()
    configure_models(settings.table_name, settings.aws_region, settings.aws_endpoint_url)
    sqs = aws.client("sqs", settings.aws_region, settings.aws_endpoint_url)
    return ChargeAutopay(
        DynamoAccountRepository(),
        DynamoLedger(),
        SandboxGateway(sqs, settings.sandbox_processor_queue_url),
        DynamoMilestones(),
        SystemClock(),
        UlidGenerator(),
    )


def _issued(event: DomainEvent) -> None:
    payment_id = charge()(event)
    logger.info("autopay", extra={"charged": payment_id})


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_domain_events(event, context, _issued, logger)
