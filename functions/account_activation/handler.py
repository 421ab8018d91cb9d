"""Scheduled daily: activate pending accounts whose services have started."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from civiq.accounts.services.activate_accounts import ActivateAccounts
from civiq.accounts.wiring import activate_accounts
from civiq.core.settings import CommonSettings

logger = Logger(service="civiq-account-activation")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def activate() -> ActivateAccounts:
    return activate_accounts(CommonSettings())


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    return {"activated": activate()(correlation_id=str(event.get("id", "scheduled")))}
