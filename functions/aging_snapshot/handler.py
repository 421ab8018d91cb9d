"""Scheduled hourly (EventBridge): the aging cells written since the last run folded into the
summaries reports read; at the first run of the day, the day's receivables aging, for the
portfolio and for each filter value alone, kept once so reports show the trend (a later run, a
rerun or a retry the same day keeps nothing more); then the collection KPIs' daily fold (the
month's aging, and what the items whose 60 days just ended still owe), once a day too."""

from __future__ import annotations

from dataclasses import asdict
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from civiq.collections.services.aging_snapshot import TakeAgingSnapshot
from civiq.collections.services.kpi_fold import FoldCollectionKpis
from civiq.collections.wiring import fold_collection_kpis, take_aging_snapshot
from civiq.core.settings import CommonSettings

logger = Logger(service="civiq-aging-snapshot")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def snapshot() -> TakeAgingSnapshot:
    return take_aging_snapshot(CommonSettings())


@cache
def kpi_fold() -> FoldCollectionKpis:
    return fold_collection_kpis(CommonSettings())


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    logger.set_correlation_id(str(event.get("id", "scheduled")))
    taken = asdict(snapshot()())
    taken["taken_on"] = taken["taken_on"].isoformat()
    taken["kpi_due_dates_folded"] = kpi_fold()().due_dates
    logger.info("aging snapshot taken", extra=taken)
    return taken
