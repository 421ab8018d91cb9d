"""Scheduled daily (EventBridge): the payment arrangements in force whose next payment's grace
ended are checked against what the account paid since each was made: kept ones are checked again
past their next payment's grace, missed ones are broken (the holder notified, the account's
collection case resumed), paid ones completed (each end recorded once, with its history entry,
so a rerun or a retry changes nothing)."""

from __future__ import annotations

from dataclasses import asdict
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from civiq.collections.config import CollectionSettings
from civiq.collections.services.arrangement_check import CheckArrangements
from civiq.collections.wiring import check_arrangements

logger = Logger(service="civiq-arrangement-check")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def check() -> CheckArrangements:
    return check_arrangements(CollectionSettings())


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    cid = str(event.get("id", "scheduled"))
    logger.set_correlation_id(cid)
    result = asdict(check()(cid))
    logger.info("arrangements checked", extra=result)
    return result
