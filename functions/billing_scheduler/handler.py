"""Scheduled daily: start each billing cycle's latest period once its reads are in."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from civiq.billing import wiring
from civiq.billing.config import BillingSchedulerSettings
from civiq.billing.services.cycles import ScheduleRuns

logger = Logger(service="civiq-billing-scheduler")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def schedule_runs() -> ScheduleRuns:
    return wiring.schedule_runs(BillingSchedulerSettings())


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, list[str]]:
    runs = schedule_runs()()
    logger.info("billing runs started", extra={"runs": [r.run_id for r in runs]})
    return {"runs": [r.run_id for r in runs]}
