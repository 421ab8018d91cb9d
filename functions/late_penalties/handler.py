"""Scheduled daily (EventBridge): late-payment penalties on the statements past due.

Each penalty is posted once per statement, guarded by ``penalty:<statement id>``, so a rerun,
EventBridge's retry of a failed invocation, or two runs overlapping never charge a statement
twice. A very large town may not be done within Lambda's 15 minutes: the job works through the
open-statement lists at once (one thread each) and, once less than ``STOP_BEFORE_MS`` of the
invocation's time is left, stops cleanly after the posting in hand (``complete: false`` in the
result and a warning in the log). The next day's run lists the rest again, skipping in one
batch read per page what was penalized before, and carries on.
"""

from __future__ import annotations

from dataclasses import asdict
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from civiq.payments.config import PenaltySettings
from civiq.payments.services.late_penalties import ApplyLatePenalties
from civiq.payments.wiring import apply_late_penalties

STOP_BEFORE_MS = 60_000  # a posting takes milliseconds; a minute leaves room for the last ones

logger = Logger(service="civiq-late-penalties")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def apply_penalties() -> ApplyLatePenalties:
    return apply_late_penalties(PenaltySettings())


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    cid = str(event.get("id", "scheduled"))
    logger.set_correlation_id(cid)
    run = apply_penalties()(
        cid, more_time=lambda: context.get_remaining_time_in_millis() > STOP_BEFORE_MS
    )
    result = asdict(run)
    if run.complete:
        logger.info("late penalties applied", extra=result)
    else:
        logger.warning("late penalties stopped for time; the next run carries on", extra=result)
    return result
