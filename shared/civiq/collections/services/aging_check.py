"""Check the aging against the ledger: the cells must hold exactly the sum of every account's
open items and credit (:func:`civiq.ledger.domain.receivable_cells.cells_of`), and the
receivables index list exactly the accounts that owe or are in credit. Reads every account and
every cell: an offline check (``make aging-check``), like the ledger check."""

from __future__ import annotations

from dataclasses import dataclass

from civiq.collections.ports import AgingCells, Receivables
from civiq.ledger.domain.receivable_cells import (
    ROUTE_FAMILY,
    TYPE_FAMILY,
    Cells,
    cells_of,
    difference,
    total,
)


@dataclass(frozen=True)
class AgingFindings:
    off: Cells  # what the cells hold less what the ledger says they should (empty: sound)
    misindexed: tuple[str, ...]  # accounts the index lists wrongly (or not at all)

    @property
    def sound(self) -> bool:
        return not self.off and not self.misindexed


@dataclass(frozen=True)
class CheckAging:
    receivables: Receivables
    cells: AgingCells

    def __call__(self) -> AgingFindings:
        expected = []
        misindexed = []
        for on_file in self.receivables.ledgers():
            ledger = on_file.ledger
            if not on_file.listed_right:
                misindexed.append(ledger.account_id)
            profile = ledger.aged_as or ledger.profile
            expected.append(cells_of(ledger.open_statements, ledger.credit, profile))
        stored = total(
            {key: dict(figures)}
            for family in (TYPE_FAMILY, ROUTE_FAMILY)
            for key, figures in self.cells.cells(family)
        )
        return AgingFindings(difference(stored, total(expected)), tuple(sorted(misindexed)))
