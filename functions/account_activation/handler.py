"""Scheduled daily: activate pending accounts whose services have started."""

from __future__ import annotations

from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.adapters.dynamodb_changes import DynamoChanges
from civiq.accounts.services.activate_accounts import ActivateAccounts
from civiq.accounts.services.recording import Recorder
from civiq.core.clock import SystemClock
from civiq.core.ids import UlidGenerator
from civiq.core.settings import CommonSettings
from civiq.platform.dynamodb.table import configure_models

logger = Logger(service="civiq-account-activation")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def activate() -> ActivateAccounts:
    settings = CommonSettings()
    configure_models(settings.table_name, settings.aws_region, settings.aws_endpoint_url)
    recorder = Recorder(SystemClock(), UlidGenerator(), ZoneInfo(settings.municipal_time_zone))
    return ActivateAccounts(DynamoAccountRepository(), DynamoChanges(), recorder)


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    return {"activated": activate()(correlation_id=str(event.get("id", "scheduled")))}
