"""Scheduled daily (EventBridge), after the print file's cut-off: the day's letters rendered into
PDF parts and a manifest in S3 for the mail house (see civiq.notices.services.assemble_print_file).

The day comes from the scheduled event's time, so the work queue's retry of a failed run (the
same event) assembles the same day; ``{"day": "YYYY-MM-DD"}`` names one. A day too big for one
invocation stops between parts and invokes this function again, asynchronously, for the same
day: each invocation makes progress, and a complete file is never assembled again.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

# WeasyPrint loads during the Lambda init, not at the first render (the wiring imports it late)
import civiq.platform.pdf  # noqa: F401
from civiq.notices import wiring
from civiq.notices.config import PrintFileSettings
from civiq.notices.services.assemble_print_file import AssemblePrintFile
from civiq.platform.runtime import client

logger = Logger(service="civiq-print-file")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def settings() -> PrintFileSettings:
    return PrintFileSettings()


@cache
def assemble() -> AssemblePrintFile:
    return wiring.assemble_print_file(settings())


def day_of(event: dict[str, Any]) -> date:
    if "day" in event:
        return date.fromisoformat(event["day"])
    return assemble().day_for(datetime.fromisoformat(event["time"].replace("Z", "+00:00")))


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    day = day_of(event)
    cid = str(event.get("id") or f"print-file-{day.isoformat()}")
    logger.set_correlation_id(cid)

    def time_left() -> timedelta:
        return timedelta(milliseconds=context.get_remaining_time_in_millis())

    assembly = assemble()(day, time_left, cid)
    file = assembly.file
    result = {
        "day": day.isoformat(),
        "done": assembly.done,
        "letters": file.letters if file else 0,
        "pages": file.pages if file else 0,
        "parts": len(file.parts) if file else 0,
    }
    if not assembly.done:  # the rest in a new invocation, with a full time budget
        client(settings(), "lambda").invoke(
            FunctionName=context.invoked_function_arn,
            InvocationType="Event",
            Payload=json.dumps({"day": day.isoformat(), "id": cid}),
        )
    logger.info("print file assembled" if assembly.done else "print file continued", extra=result)
    return result
