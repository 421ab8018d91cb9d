"""Write-offs: two entry points over :func:`civiq.collections.wiring.write_off_tasks`.

- ``reinstatements`` (SQS consumer of PaymentPosted, WriteOffPaymentQueue fed by
  PaymentPostedRule): a payment that leaves an account with write-offs in credit reinstates the
  written-off arrears, once per payment; one that leaves a small balance on an account no longer
  served, long past due, has it written off. Failed records are reported back (partial batch
  failures) and land in the dead-letter queue after the queue's maxReceiveCount.
- ``small_balances`` (scheduled daily): the small balances of accounts no longer served, long
  enough past due, written off.
"""

from __future__ import annotations

from dataclasses import asdict
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from civiq.collections.config import CollectionSettings
from civiq.collections.wiring import WriteOffTasks, write_off_tasks
from civiq.core.events import DomainEvent
from civiq.payments.schemas.events import PaymentPostedV1
from civiq.platform.sqs import process_domain_events

logger = Logger(service="civiq-write-offs")
STOP_BEFORE_MS = 60_000  # the daily run stops a minute before Lambda's limit
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def tasks() -> WriteOffTasks:
    return write_off_tasks(CollectionSettings())


def _follow(event: DomainEvent) -> None:
    posted = PaymentPostedV1.model_validate(event.detail)
    account_id, payment_id, cid = posted.account_id, posted.payment_id, event.correlation_id
    amount = tasks().reinstate(account_id, payment_id, cid)
    if amount:
        logger.info(
            "written-off arrears reinstated",
            extra={"account_id": account_id, "amount": str(amount)},
        )
    if tasks().small_balances.after_payment(account_id, payment_id, posted.balance_after, cid):
        logger.info("small balance left by a payment written off", extra={"account_id": account_id})


@logger.inject_lambda_context(clear_state=True)
def reinstatements(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_domain_events(event, context, _follow, logger)


@logger.inject_lambda_context(clear_state=True)
def small_balances(event: dict[str, Any], context: Any) -> dict[str, Any]:
    cid = str(event.get("id", "scheduled"))
    logger.set_correlation_id(cid)
    more_time = lambda: context.get_remaining_time_in_millis() > STOP_BEFORE_MS  # noqa: E731
    result = asdict(tasks().small_balances(cid, more_time))
    logger.info("small balances written off", extra=result)
    return result
