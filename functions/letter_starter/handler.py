"""SQS consumer: start the welcome-letter workflow for each AccountOpened event.

The execution name is derived from the account, so a redelivered event finds the execution
already there and starts nothing twice.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger

from civiq.core.events import DomainEvent
from civiq.notices.config import LetterStarterSettings
from civiq.notices.wiring import welcome_letter_workflow
from civiq.platform.sqs import process_domain_events
from civiq.platform.stepfunctions import StepFunctionsWorkflow

logger = Logger(service="civiq-letter-starter")


@cache
def workflow() -> StepFunctionsWorkflow:
    return welcome_letter_workflow(LetterStarterSettings())


def _start(event: DomainEvent) -> None:
    account_id = event.detail["account_id"]
    payload = {"account_id": account_id, "correlation_id": event.correlation_id}
    if not workflow().start(f"welcome-{account_id}", payload):
        logger.info("welcome letter workflow already started", extra={"account_id": account_id})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_domain_events(event, context, _start, logger)
