"""The municipality's calendar: service dates, due dates and billing periods are local dates."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from civiq.core.ports import Clock

MUNICIPAL_TIME_ZONE = ZoneInfo("America/Toronto")  # the default; each deployment sets its own


def local_today(clock: Clock, time_zone: ZoneInfo = MUNICIPAL_TIME_ZONE) -> date:
    return clock.now().astimezone(time_zone).date()
