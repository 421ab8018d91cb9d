"""Scheduled daily (EventBridge), after the print file's cut-off: the day's letters rendered into
PDF parts and a manifest in S3 for the mail house (see civiq.notices.services.assemble_print_file).

The day comes from the scheduled event's time, so the work queue's retry of a failed run (the
same event) assembles the same day; ``{"day": "YYYY-MM-DD"}`` names one. A day too big for one
invocation stops between parts and invokes this function again, asynchronously, for the same
day: each invocation makes progress, and a complete file is never assembled again.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

# WeasyPrint loads during the Lambda init, not at the first render (the wiring imports it late)
import civiq.platform.pdf  # noqa: F401
from civiq.notices import wiring
from civiq.notices.config import PrintFileSettings
from civiq.notices.services.assemble_print_file import AssemblePrintFile
from civiq.platform.daily_runs import continue_later, day_of, time_left

logger = Logger(service="civiq-print-file")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def settings() -> PrintFileSettings:
    return PrintFileSettings()


@cache
def assemble() -> AssemblePrintFile:
    return wiring.assemble_print_file(settings())


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    day = day_of(event, assemble().day_for)
    cid = str(event.get("id") or f"print-file-{day.isoformat()}")
    logger.set_correlation_id(cid)

    assembly = assemble()(day, time_left(context), cid)
    file = assembly.file
    result = {
        "day": day.isoformat(),
        "done": assembly.done,
        "letters": file.letters if file else 0,
        "pages": file.pages if file else 0,
        "parts": len(file.parts) if file else 0,
    }
    if not assembly.done:  # the rest in a new invocation, with a full time budget
        continue_later(settings(), context, day, cid)
    logger.info("print file assembled" if assembly.done else "print file continued", extra=result)
    return result
