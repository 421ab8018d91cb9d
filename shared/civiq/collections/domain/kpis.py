"""Collection KPIs for the treasurer: the collection rate at 60 days, DSO, the aging trend and
what each dunning stage recovers, all from counters kept as things happen (never a scan).

- **Collection rate at 60 days** of a due month: of what the items due that month were billed
  (by postings no later than 60 days after their due date: the ledger's ``due60`` counters,
  :mod:`civiq.ledger.domain.billed`), the share no longer owed on their 61st day (paid or
  credited within 60 days): ``(billed - owed on day 61) / billed``. What they still owe on day
  61 is read from the aging cells by the first hourly upkeep of that day (:func:`day_fold`). A
  month is *pending* until its last day's 60 days are folded, *incomplete* when some of its due
  dates were never folded (before the KPIs were kept).
- **DSO** (days sales outstanding) at a month's end: ``receivables outstanding at month end /
  billed in the 90 days up to it x 90``, the receivables being everything owed (the credits of
  accounts in credit not netted), billed as the ledger's daily counters say. The current month's
  is as of yesterday.
- **Aging trend**: the aging buckets at each month's end (and yesterday, for this month), kept by
  the same upkeep from the aging cells, aged on that day.
- **Recovery per stage**: for each stage code, the cases that reached it, what was past due when
  they did, and what of that is recovered: what was past due at the stage less what the case has
  past due now (or had when it closed), never below nothing: ``min(P, max(0, P - now))``. A new
  bill falling past due after the stage offsets what was paid since (the recovery is net); a
  case whose arrears went on the tax roll keeps the recovery it had before
  (:func:`recovered_against`).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from civiq.collections.domain.aging import Aging, aging_of
from civiq.collections.domain.dunning import Case, CaseEnd, StepKind
from civiq.core.money import Money
from civiq.ledger.domain.billed import (
    COLLECTION_DAYS,
    DUE_BILLED,
    billed_between,
    month_of,
)
from civiq.ledger.domain.receivable_cells import OWED, Cell, RevenueSelection

ZERO = Decimal(0)
DSO_DAYS = 90  # DSO's window: what was billed in the 90 days up to the day
FOLD_AFTER = COLLECTION_DAYS + 1  # a due date's owed is read on its 61st day
CATCH_UP_DAYS = 366  # an upkeep catches up the due dates of at most this many days before it
RATE_PLACES = Decimal("0.0001")
DAY_PLACES = Decimal("0.1")
MAX_MONTHS = 24
DEFAULT_MONTHS = 12


def _dollars(cents: int) -> Decimal:
    return Money.from_cents(cents).amount


def first_of(month: str) -> date:
    year, number = month.split("-")
    return date(int(year), int(number), 1)


def last_of(month: str) -> date:
    start = first_of(month)
    return start.replace(day=calendar.monthrange(start.year, start.month)[1])


def months_ending(day: date, count: int) -> list[str]:
    """The ``count`` months up to ``day``'s, oldest first."""
    months, year, number = [], day.year, day.month
    for _ in range(count):
        months.append(f"{year:04d}-{number:02d}")
        year, number = (year, number - 1) if number > 1 else (year - 1, 12)
    return months[::-1]


# ------------------------------------------------------------------ the daily fold


@dataclass(frozen=True, slots=True)
class DayFold:
    """What the upkeep of ``day`` adds to the KPIs: the portfolio's aging at the end of the day
    before (its month's, until a later day replaces it), and what the items of each due date
    whose 60 days ended since the last fold still owe, in cents."""

    day: date
    aging: Aging
    owed_at_60: Mapping[date, int]


def due_dates_to_fold(folded_through: date | None, day: date) -> list[date]:
    """The due dates whose 61st day came after the last fold (``folded_through``) up to
    ``day``: the day's one, and those of days the upkeep did not run (of the CATCH_UP_DAYS
    before ``day`` at most)."""
    last = day - timedelta(days=FOLD_AFTER)
    if folded_through is None:
        return [last]
    first = max(folded_through - timedelta(days=FOLD_AFTER - 1), day - timedelta(CATCH_UP_DAYS))
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def day_fold(day: date, folded_through: date | None, type_cells: Sequence[Cell]) -> DayFold:
    """The fold of ``day`` from every cell of the property-type family (the whole portfolio)."""
    owed: dict[date, int] = {}
    for key, figures in type_cells:
        if key.due_on is not None:
            owed[key.due_on] = owed.get(key.due_on, 0) + figures.get(OWED, 0)
    return DayFold(
        day,
        aging_of(type_cells, RevenueSelection(), day - timedelta(days=1)),
        {due: owed.get(due, 0) for due in due_dates_to_fold(folded_through, day)},
    )


@dataclass(frozen=True, slots=True)
class KpiMonth:
    """What the upkeep kept of a month: the aging at its end (the latest fold's, for the current
    month), and of its due dates folded, how many and what they still owed on day 61."""

    month: str
    aging: Aging | None = None
    owed_at_60: int = 0  # cents
    days_folded: int = 0


def month_changes(fold: DayFold) -> dict[str, KpiMonth]:
    """How ``fold`` moves the months: the aging set on its month, owed and days added to the
    due months (``aging`` None: left as it is)."""
    months: dict[str, KpiMonth] = {}
    for due, cents in sorted(fold.owed_at_60.items()):
        month = month_of(due)
        was = months.get(month, KpiMonth(month))
        months[month] = KpiMonth(month, None, was.owed_at_60 + cents, was.days_folded + 1)
    aged = month_of(fold.aging.as_of)
    was = months.get(aged, KpiMonth(aged))
    months[aged] = KpiMonth(aged, fold.aging, was.owed_at_60, was.days_folded)
    return months


# ------------------------------------------------------------------ stages


@dataclass(frozen=True, slots=True)
class StageFigures:
    """Cases that reached a stage, what was past due when they did, and what of it is
    recovered (cents)."""

    reached: int = 0
    past_due: int = 0
    recovered: int = 0

    def __add__(self, other: StageFigures) -> StageFigures:
        return StageFigures(
            self.reached + other.reached,
            self.past_due + other.past_due,
            self.recovered + other.recovered,
        )

    def __sub__(self, other: StageFigures) -> StageFigures:
        return StageFigures(
            self.reached - other.reached,
            self.past_due - other.past_due,
            self.recovered - other.recovered,
        )

    def __bool__(self) -> bool:
        return bool(self.reached or self.past_due or self.recovered)


def _cents(amount: Decimal) -> int:
    return Money(amount).to_cents()


RECOVERING_ENDS = frozenset({None, CaseEnd.PAID, CaseEnd.BELOW_MINIMUM})


def recovered_against(case: Case) -> Decimal:
    """What a case's recovery is measured against: what it has past due now (or had when it
    was paid, or fell below the first stage's minimum); a case that ended otherwise (its
    arrears moved to the tax roll) as its last step before that end recorded it, so arrears
    moved elsewhere are never counted as recovered."""
    if case.ended in RECOVERING_ENDS or len(case.steps) < 2:
        return case.past_due
    return case.steps[-2].past_due


def stage_figures(case: Case) -> dict[str, StageFigures]:
    """What one case counts for in each stage it reached."""
    now = _cents(recovered_against(case))
    figures: dict[str, StageFigures] = {}
    for step in case.steps:
        if step.kind is StepKind.ADVANCED and step.stage is not None:
            at_stage = _cents(step.past_due)
            recovered = min(at_stage, max(0, at_stage - now))
            figures[step.stage] = figures.get(step.stage, StageFigures()) + StageFigures(
                1, at_stage, recovered
            )
    return figures


def stage_figures_change(before: Case | None, after: Case) -> dict[str, StageFigures]:
    """How a case's change (``before`` None: opened) moves each stage's figures."""
    was = stage_figures(before) if before is not None else {}
    now = stage_figures(after)
    moved = {code: now.get(code, StageFigures()) - was.get(code, StageFigures()) for code in now}
    moved.update({code: StageFigures() - f for code, f in was.items() if code not in now})
    return {code: f for code, f in moved.items() if f}


def stage_totals(cases: Iterable[Case]) -> dict[str, StageFigures]:
    """Every case's figures added up: what the counters must hold."""
    totals: dict[str, StageFigures] = {}
    for case in cases:
        for code, figures in stage_figures(case).items():
            totals[code] = totals.get(code, StageFigures()) + figures
    return totals


# ------------------------------------------------------------------ the report


class RateStatus(StrEnum):
    MEASURED = "measured"
    PENDING = "pending"  # its due dates' 60 days are not all over (and folded) yet
    INCOMPLETE = "incomplete"  # some of its due dates were never folded


@dataclass(frozen=True, slots=True)
class CollectionRate:
    status: RateStatus
    billed: Decimal
    collected: Decimal | None  # billed less owed on day 61 (None: pending, incomplete)
    rate: Decimal | None  # collected / billed, 4 places (None: pending, incomplete, nothing billed)


def collection_rate(
    month: str, billed_cents: int, kept: KpiMonth | None, folded_through: date | None
) -> CollectionRate:
    """The rate of the items due in ``month`` (``folded_through``: the last upkeep day
    folded)."""
    billed = _dollars(billed_cents)
    end = last_of(month)
    folded_up_to = None if folded_through is None else folded_through - timedelta(FOLD_AFTER)
    if folded_up_to is None or folded_up_to < end:
        return CollectionRate(RateStatus.PENDING, billed, None, None)
    if kept is None or kept.days_folded < end.day:
        return CollectionRate(RateStatus.INCOMPLETE, billed, None, None)
    collected = max(ZERO, billed - _dollars(kept.owed_at_60))
    rate = (
        min(Decimal(1), collected / billed).quantize(RATE_PLACES, ROUND_HALF_UP)
        if billed > 0
        else None
    )
    return CollectionRate(RateStatus.MEASURED, billed, collected, rate)


@dataclass(frozen=True, slots=True)
class Dso:
    as_of: date | None  # the day the receivables are of (None: no aging kept for the month)
    receivables: Decimal | None
    billed_90_days: Decimal | None
    days: Decimal | None  # receivables / billed_90_days x 90, 1 place


def dso(aging: Aging | None, billed: Mapping[tuple[str, str], int]) -> Dso:
    """DSO on the day ``aging`` is of."""
    if aging is None:
        return Dso(None, None, None, None)
    day = aging.as_of
    receivables = aging.total.amount
    window = _dollars(billed_between(billed, day - timedelta(days=DSO_DAYS - 1), day))
    days = (
        (receivables / window * DSO_DAYS).quantize(DAY_PLACES, ROUND_HALF_UP)
        if window > 0
        else None
    )
    return Dso(day, receivables, window, days)


@dataclass(frozen=True, slots=True)
class MonthKpis:
    month: str
    collection_rate: CollectionRate  # of the items due that month
    dso: Dso  # at its end (as of yesterday, for the current month)
    aging: Aging | None  # at its end (yesterday's, for the current month)


@dataclass(frozen=True, slots=True)
class StageRecovery:
    stage: str
    reached: int
    past_due: Decimal
    recovered: Decimal
    rate: Decimal | None  # recovered / past_due, 4 places


@dataclass(frozen=True, slots=True)
class Kpis:
    as_of: date
    months: tuple[MonthKpis, ...]  # oldest first
    stages: tuple[StageRecovery, ...]  # by most cases reached


def billed_months(today: date, count: int) -> tuple[str, str]:
    """The first and last month of the billed counters a report of ``count`` months reads:
    three more before the first (DSO's 90 days)."""
    shown = months_ending(today, count + 3)
    return shown[0], shown[-1]


def kpis_of(
    today: date,
    count: int,
    billed: Mapping[tuple[str, str], int],
    kept: Mapping[str, KpiMonth],
    folded_through: date | None,
    stages: Mapping[str, StageFigures],
) -> Kpis:
    """The KPIs of the ``count`` months up to ``today``'s."""
    months = tuple(
        MonthKpis(
            month,
            collection_rate(
                month, billed.get((month, DUE_BILLED), 0), kept.get(month), folded_through
            ),
            dso(kept[month].aging if month in kept else None, billed),
            kept[month].aging if month in kept else None,
        )
        for month in months_ending(today, count)
    )
    recoveries = tuple(
        StageRecovery(
            code,
            f.reached,
            _dollars(f.past_due),
            _dollars(f.recovered),
            (Decimal(f.recovered) / f.past_due).quantize(RATE_PLACES, ROUND_HALF_UP)
            if f.past_due > 0
            else None,
        )
        for code, f in sorted(stages.items(), key=lambda kv: (-kv[1].reached, kv[0]))
        if f.reached > 0
    )
    return Kpis(today, months, recoveries)
