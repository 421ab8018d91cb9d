"""SQS consumer: charge the new-account fee of each account opened (AccountOpened), when the
fee catalogue has one in effect on the day it opened.

The charge is guarded by ``fee:new-account:<account id>``, so a redelivered event charges
nothing twice.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger

from civiq.core.events import DomainEvent
from civiq.core.settings import CommonSettings
from civiq.ledger.services.fees import ChargeOpeningFee
from civiq.payments.wiring import charge_opening_fee
from civiq.platform.sqs import process_domain_events

logger = Logger(service="civiq-fee-charger")


@cache
def charge() -> ChargeOpeningFee:
    return charge_opening_fee(CommonSettings())


def _charge(event: DomainEvent) -> None:
    charged = charge()(event)
    account_id = event.detail["account_id"]
    if charged is None:
        logger.debug("no new-account fee is configured", extra={"account_id": account_id})
    elif not charged.new:
        logger.info("new-account fee already charged", extra={"account_id": account_id})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_domain_events(event, context, _charge, logger)
