"""SQS consumer of StatementIssued: charge autopay accounts through the payment gateway.

The gateway shipped is the sandbox (a real processor's adapter implements the same port,
civiq.payments.ports.PaymentGateway); its answer comes back through the signed webhook. Charging
is idempotent on the statement (the gateway's idempotency key), so a redelivered event asks for
the same charge.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from civiq.core.events import DomainEvent
from civiq.payments.config import AutopaySettings
from civiq.payments.services.autopay import ChargeAutopay
from civiq.payments.wiring import charge_autopay
from civiq.platform.sqs import process_domain_events

logger = Logger(service="civiq-autopay")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def charge() -> ChargeAutopay:
    return charge_autopay(AutopaySettings())


def _issued(event: DomainEvent) -> None:
    payment_id = charge()(event)
    logger.info("autopay", extra={"charged": payment_id})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_domain_events(event, context, _issued, logger)
