"""Meter readings: what a read says about use, and an estimate when a read is missing.

Use is compared per day, so periods of different lengths compare fairly. A read whose daily use
is far above (possible leak, misread) or below (stopped meter) the account's own history is
flagged for staff review before it bills. A missing read is estimated from the same period last
year when there is one, else from the average daily use of recent periods; an estimate is marked
on the statement and trued up by the next actual read (the next actual read's consumption is
measured from the last *actual* read, so the estimated volume is billed once, then corrected).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from civiq.metering.domain.meters import VOLUME_PLACES

HIGH_FACTOR = Decimal(3)  # above 3x the usual daily use: review (possible leak)
LOW_FACTOR = Decimal("0.2")  # below a fifth of it: review (stopped meter?)
MIN_HISTORY = 2  # periods of history needed before high/low is judged
SAME_PERIOD_SLACK = timedelta(days=20)  # how far last year's period may be shifted


class UseFlag(StrEnum):
    HIGH = "high"
    LOW = "low"


class EstimateBasis(StrEnum):
    SAME_PERIOD_LAST_YEAR = "same-period-last-year"
    AVERAGE_DAILY_USE = "average-daily-use"


@dataclass(frozen=True, slots=True)
class Period:
    """Consumption billed between two reads: ``start`` exclusive, ``end`` inclusive."""

    start: date
    end: date
    volume: Decimal

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("a period ends after it starts")

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def daily(self) -> Decimal:
        return self.volume / self.days


@dataclass(frozen=True, slots=True)
class Estimate:
    volume: Decimal
    basis: EstimateBasis


def usual_daily_use(history: Sequence[Period]) -> Decimal | None:
    """The median daily use of past periods (robust to one leak or one estimate)."""
    if len(history) < MIN_HISTORY:
        return None
    ordered = sorted(p.daily for p in history)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def judge(period: Period, history: Sequence[Period]) -> UseFlag | None:
    """HIGH or LOW against the account's own history; None when normal or history is short."""
    usual = usual_daily_use(history)
    if usual is None or usual == 0:
        return None
    if period.daily > usual * HIGH_FACTOR:
        return UseFlag.HIGH
    if period.daily < usual * LOW_FACTOR:
        return UseFlag.LOW
    return None


def estimate(start: date, end: date, history: Sequence[Period]) -> Estimate | None:
    """An estimate for ``start``..``end``; None when there is no history at all."""
    days = Decimal((end - start).days)
    year_ago = [
        p
        for p in history
        if abs(p.start - _year_before(start)) <= SAME_PERIOD_SLACK
        and abs(p.end - _year_before(end)) <= SAME_PERIOD_SLACK
    ]
    if year_ago:
        basis, daily = EstimateBasis.SAME_PERIOD_LAST_YEAR, year_ago[0].daily
    elif history:
        total_days = sum(p.days for p in history)
        daily = sum((p.volume for p in history), Decimal(0)) / total_days
        basis = EstimateBasis.AVERAGE_DAILY_USE
    else:
        return None
    return Estimate((daily * days).quantize(VOLUME_PLACES, ROUND_HALF_UP), basis)


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)
