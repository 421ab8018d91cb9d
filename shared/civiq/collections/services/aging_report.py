"""The aging report: the receivables in each bucket on a day, compared with the snapshots of
the day before and of a month before.

It reads the aging cells of the filter's routes and customer classes (a constant number of
requests, whatever the number of open items) and buckets them on the day asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from civiq.collections.domain.aging import Aging, AgingFilter, aging_of
from civiq.collections.domain.aging_snapshots import Comparison, compared_days
from civiq.collections.ports import AgingCells, AgingSnapshots


@dataclass(frozen=True)
class AgingView:
    filters: AgingFilter
    aging: Aging
    comparisons: tuple[Comparison, ...]  # those a snapshot was found for


@dataclass(frozen=True)
class AgingReport:
    cells: AgingCells
    snapshots: AgingSnapshots
    today: Callable[[], date]  # the municipal date

    def __call__(self, filters: AgingFilter, as_of: date | None = None) -> AgingView:
        """The aging on ``as_of`` (default: today)."""
        day = as_of or self.today()
        accounts = filters.accounts
        read = self.cells.cells(accounts.family, accounts.group_prefix, filters.revenue.figures())
        cells = [cell for cell in read if accounts.holds_cell(cell[0])]
        return AgingView(
            filters, aging_of(cells, filters.revenue, day), self._compared(filters, day)
        )

    def _compared(self, filters: AgingFilter, day: date) -> tuple[Comparison, ...]:
        compared = []
        for label, when in compared_days(day):
            snapshot = self.snapshots.on_or_before(when)
            figures = snapshot.of(filters) if snapshot else None
            if figures is not None:
                compared.append(Comparison(label, figures))
        return tuple(compared)
