"""Collection cases: three entry points over :func:`civiq.collections.wiring.case_tasks`.

- ``handler`` (the CollectionCase state machine's task, ``advance_case``): the case taken up
  its ladder as far as the day allows; answers when its execution waits until next, or that it
  ends.
- ``payments`` (SQS consumer of PaymentPosted, CasePaymentQueue fed by a rule): the paying
  account's case re-anchored, or closed and its execution stopped when nothing worth following
  is past due. Failed records are reported back (partial batch failures) and land in the
  dead-letter queue after the queue's maxReceiveCount.
- ``open_cases`` (scheduled daily): a case for each account owing on a bill that fell past due.

A domain error leaves as the Lambda error type (the state machine retries CaseMoved and
LedgerMoved, and records anything else in the staff work queue).
"""

from __future__ import annotations

from dataclasses import asdict
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from civiq.collections.config import CollectionSettings
from civiq.collections.schemas.cases import AdvanceCaseTask, CaseStepOutput
from civiq.collections.wiring import CaseTasks, case_tasks
from civiq.core.events import DomainEvent
from civiq.payments.schemas.events import PaymentPostedV1
from civiq.platform.sqs import process_domain_events

logger = Logger(service="civiq-collection-cases")
STOP_BEFORE_MS = 60_000  # the daily opening stops a minute before Lambda's limit
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def tasks() -> CaseTasks:
    return case_tasks(CollectionSettings())


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    task = AdvanceCaseTask.model_validate(event)
    logger.set_correlation_id(task.execution)
    step = tasks().advance(
        task.case_id, task.account_id, task.execution, task.woke_for, task.execution
    )
    output = CaseStepOutput.of(step)
    logger.info("case advanced", extra=output.model_dump(mode="json"))
    return output.model_dump(mode="json")


def _follow(event: DomainEvent) -> None:
    posted = PaymentPostedV1.model_validate(event.detail)
    case = tasks().follow_payment(posted.account_id, event.correlation_id)
    if case is not None:
        logger.info(
            "case followed a payment",
            extra={"case_id": case.case_id, "status": case.status, "past_due": str(case.past_due)},
        )


@logger.inject_lambda_context(clear_state=True)
def payments(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_domain_events(event, context, _follow, logger)


@logger.inject_lambda_context(clear_state=True)
def open_cases(event: dict[str, Any], context: Any) -> dict[str, Any]:
    cid = str(event.get("id", "scheduled"))
    logger.set_correlation_id(cid)
    more_time = lambda: context.get_remaining_time_in_millis() > STOP_BEFORE_MS  # noqa: E731
    result = asdict(tasks().open_delinquent(cid, more_time))
    logger.info("cases opened", extra=result)
    return result
