"""The day's aging, kept once a day so a report shows how it moved.

A snapshot keeps the aging of its day for the whole portfolio and for each value of each filter
alone (each route, customer class, department, service and revenue type found in the cells),
keyed as a filter names it (``""``, ``route=R12``, ``department=fees``). A report compares its
figures with the snapshot of the day before and of the same day a month before (the nearest
earlier snapshot when that day has none), when its filter is one a snapshot keeps (none, or
one dimension alone).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from civiq.collections.domain.aging import SEVERAL, Aging, AgingFilter, aging_of
from civiq.collections.domain.dunning import customer_class_of
from civiq.ledger.domain.receivable_cells import (
    Cell,
    Dimension,
    RevenueSelection,
    counted_values,
)

DIMENSION_NAMES = {
    Dimension.DEPARTMENT: "department",
    Dimension.SERVICE: "service",
    Dimension.REVENUE_TYPE: "revenue_type",
}


@dataclass(frozen=True, slots=True)
class AgingSnapshot:
    taken_on: date
    figures: Mapping[str, Aging]  # by what a filter narrows by ("": nothing)

    def of(self, filters: AgingFilter) -> Aging | None:
        """Its figures for ``filters`` (nothing owed, when the day had none of that value);
        None when it keeps no figures for them (a filter of several dimensions)."""
        narrowed_by = filters.narrowed_by
        if narrowed_by == SEVERAL:
            return None
        return self.figures.get(narrowed_by or "", Aging(self.taken_on, {}))


def snapshot_of(
    taken_on: date, type_cells: Iterable[Cell], route_cells: Iterable[Cell]
) -> AgingSnapshot:
    """The day's snapshot from every cell of the two families (by property type; by route and
    property type)."""
    by_type = list(type_cells)
    by_route = list(route_cells)
    everything = RevenueSelection()
    figures = {"": aging_of(by_type, everything, taken_on)}
    for customer_class in sorted({customer_class_of(key.group) for key, _ in by_type}):
        mine = [(k, f) for k, f in by_type if customer_class_of(k.group) == customer_class]
        figures[f"customer_class={customer_class}"] = aging_of(mine, everything, taken_on)
    for route in sorted({key.group.rpartition("#")[0] for key, _ in by_route}):
        mine = [(k, f) for k, f in by_route if k.group.rpartition("#")[0] == route]
        figures[f"route={route}"] = aging_of(mine, everything, taken_on)
    for dimension, value in sorted(counted_values(f for _, f in by_type)):
        name = DIMENSION_NAMES[dimension]
        selection = RevenueSelection(**{name: value})
        figures[f"{name}={value}"] = aging_of(by_type, selection, taken_on)
    return AgingSnapshot(taken_on, figures)


@dataclass(frozen=True, slots=True)
class Comparison:
    """A report's figures as a snapshot had them: ``label`` says which (``yesterday``,
    ``last-month``)."""

    label: str
    aging: Aging


def compared_days(as_of: date) -> tuple[tuple[str, date], ...]:
    """The days a report on ``as_of`` is compared with: the day before, and the same day a
    month before (the month's last day when it is shorter)."""
    return (("yesterday", as_of - timedelta(days=1)), ("last-month", a_month_before(as_of)))


def a_month_before(day: date) -> date:
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
