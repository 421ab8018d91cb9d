"""Scheduled daily (EventBridge), after midnight: each collection agency's referrals and recalls
of the day that ended, as a CSV file in S3 for the agency (see
civiq.collections.services.agency_files).

The day comes from the scheduled event's time, so the work queue's retry of a failed run (the
same event) assembles the same day; ``{"day": "YYYY-MM-DD"}`` names one. A run short of time
stops between files and invokes this function again, asynchronously, for the same day.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from civiq.collections import wiring
from civiq.collections.services.agency_files import AssembleAgencyFiles
from civiq.core.settings import DocumentSettings
from civiq.platform.runtime import client

logger = Logger(service="civiq-agency-files")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def settings() -> DocumentSettings:
    return DocumentSettings()


@cache
def assemble() -> AssembleAgencyFiles:
    return wiring.assemble_agency_files(settings())


def day_of(event: dict[str, Any]) -> date:
    if "day" in event:
        return date.fromisoformat(event["day"])
    return assemble().day_for(datetime.fromisoformat(event["time"].replace("Z", "+00:00")))


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    day = day_of(event)
    cid = str(event.get("id") or f"agency-files-{day.isoformat()}")
    logger.set_correlation_id(cid)

    def time_left() -> timedelta:
        return timedelta(milliseconds=context.get_remaining_time_in_millis())

    assembly = assemble()(day, time_left, cid)
    result = {
        "day": day.isoformat(),
        "done": assembly.done,
        "files": [f.key for f in assembly.files],
    }
    if not assembly.done:  # the rest in a new invocation, with a full time budget
        client(settings(), "lambda").invoke(
            FunctionName=context.invoked_function_arn,
            InvocationType="Event",
            Payload=json.dumps({"day": day.isoformat(), "id": cid}),
        )
    logger.info(
        "agency files assembled" if assembly.done else "agency files continued", extra=result
    )
    return result
