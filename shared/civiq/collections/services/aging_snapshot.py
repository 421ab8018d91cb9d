"""The aging's upkeep, run every hour: the cells written since the last run folded into the
summaries (so a report reads an hour's cells, not every due date's), and, at the first run of
the day, the day's aging for the portfolio and for each filter value alone, kept once per day
(a later run, a rerun or a retry keeps nothing more)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from civiq.collections.domain.aging_snapshots import snapshot_of
from civiq.collections.ports import AgingCells, AgingSnapshots
from civiq.ledger.domain.receivable_cells import ROUTE_FAMILY, TYPE_FAMILY


@dataclass(frozen=True)
class SnapshotTaken:
    taken_on: date
    kept: bool  # False: the day had its snapshot already
    folded: int  # cells folded into the summaries


@dataclass(frozen=True)
class TakeAgingSnapshot:
    cells: AgingCells
    snapshots: AgingSnapshots
    today: Callable[[], date]

    def __call__(self) -> SnapshotTaken:
        day = self.today()
        folded = self.cells.fold()
        latest = self.snapshots.on_or_before(day)
        if latest is not None and latest.taken_on == day:
            return SnapshotTaken(day, False, folded)
        snapshot = snapshot_of(day, self.cells.cells(TYPE_FAMILY), self.cells.cells(ROUTE_FAMILY))
        return SnapshotTaken(day, self.snapshots.keep(snapshot), folded)
