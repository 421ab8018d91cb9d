"""A rate change simulated on the bills actually issued: what council sees before it votes.

Every account's billed periods of the last year (each as it was rated: its days, volume, meter
size, property type, cart size, services) are rated again under the current rates and under the
draft, both applied to the whole year (:func:`spanning`), so the two differ only by the rates.
The report gives:

- revenue (charges before tax) by charge type and by customer class, current beside draft;
- the distribution of bill changes: one change per account, its year's bills (taxes included)
  under the draft less under the current rates, in dollars and in percent (of the current
  bills; accounts billed nothing now have no percent): median, 90th percentile and the largest;
- typical bills: the accounts at the 10th, 50th and 90th percentile of the year's volume (low,
  median and high users), their year's bills side by side.

Percentiles are nearest-rank: the smallest value with at least p% of the values at or below it,
so each is a value some account really has. An account the draft (or the current rates) cannot
rate (a meter size it has no price for) is listed as unrated and counted in neither.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from civiq.core.errors import DomainError
from civiq.rates.domain.charges import RatedBill
from civiq.rates.domain.rates import RateSchedule, RateVersion
from civiq.rates.domain.rating import RatingInput, rate

ZERO = Decimal(0)
HUNDRED = Decimal(100)
PERCENT_PLACES = Decimal("0.1")
TYPICAL_USERS = (("low", 10), ("median", 50), ("high", 90))  # percentiles of the year's volume


def spanning(schedule: RateSchedule, version: RateVersion) -> RateSchedule:
    """``schedule`` with ``version``'s rates alone, in effect on every day: a year's periods all
    rated under the same rates."""
    return replace(
        schedule, versions=(replace(version, effective_from=date.min, effective_to=None),)
    )


@dataclass(frozen=True, slots=True)
class AccountYear:
    """One account's billed periods of the simulated year, each as it was rated."""

    account_id: str
    customer_class: str  # its property type
    periods: Sequence[RatingInput]

    @property
    def volume(self) -> Decimal:
        return sum((period.volume for period in self.periods), ZERO)


def percent_change(current: Decimal, draft: Decimal) -> Decimal | None:
    """``draft`` against ``current`` as a percent of ``current``, to 0.1 (None: nothing now)."""
    if not current:
        return None
    return ((draft - current) * HUNDRED / current).quantize(PERCENT_PLACES)


class CurrentAndDraft:
    """A figure under the current rates and under the draft, and how it changes."""

    __slots__ = ()
    current: Decimal
    draft: Decimal

    @property
    def change(self) -> Decimal:
        return self.draft - self.current

    @property
    def change_percent(self) -> Decimal | None:
        return percent_change(self.current, self.draft)


@dataclass(frozen=True, slots=True)
class Rerated(CurrentAndDraft):
    """One account's year of bills (taxes included) under the current and the draft rates."""

    account_id: str
    customer_class: str
    bills: int
    volume: Decimal
    current: Decimal
    draft: Decimal


@dataclass(frozen=True, slots=True)
class Revenue(CurrentAndDraft):
    """What one charge type or customer class brings in (before tax), current and draft."""

    name: str
    current: Decimal
    draft: Decimal


@dataclass(frozen=True, slots=True)
class ChangeStatistics:
    """Median, 90th percentile and largest of the accounts' changes (None: no account)."""

    median: Decimal | None
    percentile_90: Decimal | None
    largest: Decimal | None
    largest_account_id: str | None


@dataclass(frozen=True, slots=True)
class TypicalBill:
    label: str  # low, median, high
    percentile: int  # of the year's volume
    account: Rerated


@dataclass(frozen=True, slots=True)
class Unrated:
    account_id: str
    reason: str  # the rating error's code and field


@dataclass(frozen=True)
class SimulationReport:
    accounts: int  # rated under both
    bills: int
    by_charge_type: Sequence[Revenue]  # in order of first appearance
    by_customer_class: Sequence[Revenue]  # by name
    taxes: Revenue
    revenue: Revenue  # all charges before tax
    dollars: ChangeStatistics
    percent: ChangeStatistics  # of accounts billed something now
    typical: Sequence[TypicalBill]
    unrated: Sequence[Unrated]


def percentile(ordered: Sequence[Decimal], p: int) -> Decimal:
    """The nearest-rank ``p``th percentile of ``ordered`` (ascending, not empty)."""
    return ordered[_rank(len(ordered), p)]


def _rank(count: int, p: int) -> int:
    """The index of the nearest-rank ``p``th percentile among ``count`` ordered values."""
    return max(math.ceil(p * count / 100), 1) - 1


def statistics(changes: Sequence[tuple[Decimal, str]]) -> ChangeStatistics:
    """Of (change, account id) pairs: the largest is the greatest increase (or the smallest
    decrease when every bill goes down), the first account listed among equals."""
    if not changes:
        return ChangeStatistics(None, None, None, None)
    ordered = sorted(change for change, _ in changes)
    largest, account_id = max(changes, key=lambda pair: pair[0])
    return ChangeStatistics(percentile(ordered, 50), percentile(ordered, 90), largest, account_id)


@dataclass(slots=True)
class _Totals:
    """Revenue added up as bills are rated: [current, draft] by name."""

    by_name: dict[str, list[Decimal]]

    def add(self, name: str, side: int, amount: Decimal) -> None:
        self.by_name.setdefault(name, [ZERO, ZERO])[side] += amount

    def rows(self, names: Iterable[str]) -> list[Revenue]:
        return [Revenue(name, *self.by_name[name]) for name in names]


@dataclass(frozen=True)
class SimulationPart:
    """Some of the accounts simulated (a route's): their rows and their revenue added up, what
    :func:`merge` needs to report on the whole city as if it were simulated in one pass."""

    rerated: Sequence[Rerated]  # in the order the accounts came
    unrated: Sequence[Unrated]
    by_charge_type: Sequence[Revenue]  # in order of first appearance
    by_customer_class: Sequence[Revenue]
    taxes: Revenue


def simulate(
    current: RateSchedule, draft: RateSchedule, years: Iterable[AccountYear]
) -> SimulationReport:
    """Each account's year rated under ``current`` and ``draft`` (schedules covering every
    period: see :func:`spanning`), added up into the report."""
    return merge([simulate_part(current, draft, years)])


def simulate_part(
    current: RateSchedule, draft: RateSchedule, years: Iterable[AccountYear]
) -> SimulationPart:
    """Some accounts' years rated under ``current`` and ``draft``, not yet a report."""
    by_type = _Totals({})
    by_class = _Totals({})
    taxes = [ZERO, ZERO]
    rerated: list[Rerated] = []
    unrated: list[Unrated] = []
    for year in years:
        try:
            bills = [
                [rate(schedule, period) for period in year.periods] for schedule in (current, draft)
            ]
        except DomainError as error:
            reason = f"{error.code}:{error.field}" if error.field else error.code
            unrated.append(Unrated(year.account_id, reason))
            continue
        for side, side_bills in enumerate(bills):
            for bill in side_bills:
                _add(bill, side, year.customer_class, by_type, by_class, taxes)
        rerated.append(
            Rerated(
                year.account_id,
                year.customer_class,
                len(year.periods),
                year.volume,
                sum((bill.total for bill in bills[0]), ZERO),
                sum((bill.total for bill in bills[1]), ZERO),
            )
        )
    return SimulationPart(
        rerated=rerated,
        unrated=unrated,
        by_charge_type=by_type.rows(by_type.by_name),
        by_customer_class=by_class.rows(by_class.by_name),
        taxes=Revenue("taxes", *taxes),
    )


def merge(parts: Iterable[SimulationPart]) -> SimulationReport:
    """The report on ``parts`` taken in order, each read once: the same figures as simulating
    their accounts in one pass (revenue is added up exactly; the accounts keep their order, so
    ties among equal changes and volumes fall the same way). Only each account's row is kept
    until the end: the percentiles need them all."""
    by_type = _Totals({})
    by_class = _Totals({})
    taxes = [ZERO, ZERO]
    rerated: list[Rerated] = []
    unrated: list[Unrated] = []
    for part in parts:
        for totals, rows in ((by_type, part.by_charge_type), (by_class, part.by_customer_class)):
            for row in rows:
                totals.add(row.name, 0, row.current)
                totals.add(row.name, 1, row.draft)
        taxes = [taxes[0] + part.taxes.current, taxes[1] + part.taxes.draft]
        rerated.extend(part.rerated)
        unrated.extend(part.unrated)
    class_revenue = by_class.rows(sorted(by_class.by_name))
    return SimulationReport(
        accounts=len(rerated),
        bills=sum(r.bills for r in rerated),
        by_charge_type=by_type.rows(by_type.by_name),
        by_customer_class=class_revenue,
        taxes=Revenue("taxes", *taxes),
        revenue=Revenue(
            "revenue",
            sum((row.current for row in class_revenue), ZERO),
            sum((row.draft for row in class_revenue), ZERO),
        ),
        dollars=statistics([(r.change, r.account_id) for r in rerated]),
        percent=statistics(
            [(p, r.account_id) for r in rerated if (p := r.change_percent) is not None]
        ),
        typical=typical_bills(rerated),
        unrated=unrated,
    )


def _add(
    bill: RatedBill,
    side: int,
    customer_class: str,
    by_type: _Totals,
    by_class: _Totals,
    taxes: list[Decimal],
) -> None:
    for line in bill.lines:  # a schedule's own charge type (fire protection) on its own row
        name = str(line.charge_type) if line.category is None else line.category.code
        by_type.add(name, side, line.amount)
    by_class.add(customer_class, side, bill.subtotal)
    taxes[side] += bill.tax_total


def typical_bills(rerated: Sequence[Rerated]) -> list[TypicalBill]:
    """The low, median and high users: the accounts at the nearest-rank percentiles of the
    year's volume (ties in the order the accounts came)."""
    if not rerated:
        return []
    by_volume = sorted(rerated, key=lambda r: r.volume)
    return [
        TypicalBill(label, p, by_volume[_rank(len(by_volume), p)]) for label, p in TYPICAL_USERS
    ]
