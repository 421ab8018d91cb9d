"""The municipality's calendar: service dates, due dates and billing periods are local dates.

A billing period is kept as the reads that bound it: from its opening read's day (the previous
period's end, exclusive) to its closing read's day (inclusive). What people are shown (runs,
statements, the ledger, exports) is the first day it covers, :func:`period_first_day`.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from civiq.core.ports import Clock

MUNICIPAL_TIME_ZONE = ZoneInfo("America/Toronto")  # the default; each deployment sets its own


def local_today(clock: Clock, time_zone: ZoneInfo = MUNICIPAL_TIME_ZONE) -> date:
    return clock.now().astimezone(time_zone).date()


def period_first_day(period_start: date) -> date:
    """The first day a period starting (exclusive) at ``period_start`` covers: the day after
    its opening read. The one definition every view of a period shows."""
    return period_start + timedelta(days=1)
