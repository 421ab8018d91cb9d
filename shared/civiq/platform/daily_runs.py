"""What a scheduled daily function that assembles one day's file shares (the print file, the
agencies' files): the day it works on, its time budget, and its continuation.

The day comes from the scheduled event's time, so the work queue's retry of a failed run (the
same event) works on the same day; ``{"day": "YYYY-MM-DD"}`` names one. A run short of time
invokes the same function again, asynchronously, for the same day and correlation id: each
invocation gets a full time budget and makes progress.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from civiq.core.settings import CommonSettings
from civiq.platform.runtime import client


def day_of(event: dict[str, Any], day_for: Callable[[datetime], date]) -> date:
    """The day the event names, else the day ``day_for`` makes of its scheduled time."""
    if "day" in event:
        return date.fromisoformat(event["day"])
    return day_for(datetime.fromisoformat(event["time"].replace("Z", "+00:00")))


def time_left(context: Any) -> Callable[[], timedelta]:
    """What the invocation has left, asked each time."""
    return lambda: timedelta(milliseconds=context.get_remaining_time_in_millis())


def continue_later(settings: CommonSettings, context: Any, day: date, cid: str) -> None:
    """Invoke this function again, asynchronously, for the rest of ``day``."""
    client(settings, "lambda").invoke(
        FunctionName=context.invoked_function_arn,
        InvocationType="Event",
        Payload=json.dumps({"day": day.isoformat(), "id": cid}),
    )
