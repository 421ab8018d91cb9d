"""Scheduled daily: start each billing cycle's latest period once its reads are in."""

from __future__ import annotations

from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from civiq.accounts.services.recording import Recorder
from civiq.billing.adapters.dynamodb import DynamoCycles, DynamoRuns
from civiq.billing.config import BillingSchedulerSettings
from civiq.billing.services.cycles import ScheduleRuns, StartRun
from civiq.core.clock import SystemClock
from civiq.core.ids import UlidGenerator
from civiq.platform import aws
from civiq.platform.dynamodb.table import configure_models
from civiq.platform.stepfunctions import StepFunctionsWorkflow

logger = Logger(service="civiq-billing-scheduler")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def schedule_runs() -> ScheduleRuns:
    settings = BillingSchedulerSettings()
    configure_models(settings.table_name, settings.aws_region, settings.aws_endpoint_url)
    client = aws.client("stepfunctions", settings.aws_region, settings.aws_endpoint_url)
    recorder = Recorder(SystemClock(), UlidGenerator(), ZoneInfo(settings.municipal_time_zone))
    cycles = DynamoCycles()
    workflow = StepFunctionsWorkflow(client, settings.billing_cycle_state_machine_arn)
    return ScheduleRuns(cycles, StartRun(cycles, DynamoRuns(), workflow, recorder))


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, list[str]]:
    runs = schedule_runs()()
    logger.info("billing runs started", extra={"runs": [r.run_id for r in runs]})
    return {"runs": [r.run_id for r in runs]}
