"""The collection KPIs' daily fold, run by the hourly aging upkeep: at its first run of the day,
the portfolio's aging at the end of the day before (its month's, until a later day replaces it)
and what the items of each due date whose 60 days just ended still owe, read from the aging
cells and added to the months once (a later run, a rerun or a retry the same day adds
nothing; a day the upkeep did not run is caught up by the next)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from civiq.collections.domain.kpis import day_fold
from civiq.collections.ports import AgingCells, CollectionKpis
from civiq.ledger.domain.receivable_cells import TYPE_FAMILY


@dataclass(frozen=True)
class KpisFolded:
    day: date
    due_dates: int  # due dates whose owed on day 61 was added (0: the day was folded before)


@dataclass(frozen=True)
class FoldCollectionKpis:
    cells: AgingCells
    kpis: CollectionKpis
    today: Callable[[], date]

    def __call__(self) -> KpisFolded:
        day = self.today()
        through = self.kpis.kept().folded_through
        if through is not None and through >= day:
            return KpisFolded(day, 0)
        fold = day_fold(day, through, self.cells.cells(TYPE_FAMILY))
        if not self.kpis.fold(through, fold):
            return KpisFolded(day, 0)  # another upkeep folded it meanwhile
        return KpisFolded(day, len(fold.owed_at_60))
