"""Scheduled daily (EventBridge), after midnight: each collection agency's referrals and recalls
of the day that ended, as a CSV file in S3 for the agency (see
civiq.collections.services.agency_files).

The day comes from the scheduled event's time, so the work queue's retry of a failed run (the
same event) assembles the same day; ``{"day": "YYYY-MM-DD"}`` names one. A run short of time
stops between files and invokes this function again, asynchronously, for the same day.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from civiq.collections import wiring
from civiq.collections.services.agency_files import AssembleAgencyFiles
from civiq.core.settings import DocumentSettings
from civiq.platform.daily_runs import continue_later, day_of, time_left

logger = Logger(service="civiq-agency-files")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def settings() -> DocumentSettings:
    return DocumentSettings()


@cache
def assemble() -> AssembleAgencyFiles:
    return wiring.assemble_agency_files(settings())


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    day = day_of(event, assemble().day_for)
    cid = str(event.get("id") or f"agency-files-{day.isoformat()}")
    logger.set_correlation_id(cid)

    assembly = assemble()(day, time_left(context), cid)
    result = {
        "day": day.isoformat(),
        "done": assembly.done,
        "files": [f.key for f in assembly.files],
    }
    if not assembly.done:  # the rest in a new invocation, with a full time budget
        continue_later(settings(), context, day, cid)
    logger.info(
        "agency files assembled" if assembly.done else "agency files continued", extra=result
    )
    return result
