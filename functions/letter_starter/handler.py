"""SQS consumer: start the welcome-letter workflow for each AccountOpened event.

The execution name is derived from the account, so a redelivered event finds the execution
already there and starts nothing twice.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger

from civiq.core.events import DomainEvent
from civiq.notices.config import LetterStarterSettings
from civiq.platform import aws
from civiq.platform.sqs import process_domain_events

logger = Logger(service="civiq-letter-starter")


@cache
def settings() -> LetterStarterSettings:
    return LetterStarterSettings()


def _start(event: DomainEvent) -> None:
    config = settings()
    sfn = aws.client("stepfunctions", config.aws_region, config.aws_endpoint_url)
    account_id = event.detail["account_id"]
    try:
        sfn.start_execution(
            stateMachineArn=config.welcome_letter_state_machine_arn,
            name=f"welcome-{account_id}",
            input=json.dumps({"account_id": account_id, "correlation_id": event.correlation_id}),
        )
    except sfn.exceptions.ExecutionAlreadyExists:
        logger.info("welcome letter workflow already started", extra={"account_id": account_id})


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_domain_events(event, context, _start, logger)
