"""Rebuild the aging from the ledger: every account's receivables listed in the index as its
ledger stands, and the cells made the sum of every account's (for existing data when aging is
first deployed, or to repair cells a check found wrong). Idempotent: a second run writes
nothing. Run it while nothing posts (a posting meanwhile moves cells the rebuild then
overwrites, or moves an account it lists: LedgerMoved, and the run is to be repeated)."""

from __future__ import annotations

from dataclasses import dataclass

from civiq.collections.ports import AgingCells, Receivables
from civiq.ledger.domain.receivable_cells import Cells, cells_of


@dataclass(frozen=True)
class Rebuilt:
    accounts: int  # read
    listed: int  # listed in (or taken off) the receivables index
    cells: int  # written or deleted


@dataclass(frozen=True)
class RebuildAging:
    receivables: Receivables
    cells: AgingCells

    def __call__(self) -> Rebuilt:
        per_account: list[tuple[str, Cells]] = []
        listed = 0
        for on_file in self.receivables.ledgers():
            ledger = on_file.ledger
            if not on_file.listed_right:
                self.receivables.list(ledger)
                listed += 1
            profile = ledger.aged_as or ledger.profile
            per_account.append(
                (ledger.account_id, cells_of(ledger.open_statements, ledger.credit, profile))
            )
        return Rebuilt(len(per_account), listed, self.cells.replace(per_account))
