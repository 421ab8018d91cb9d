"""Transfers to the tax roll and the daily files for the tax system, as staff read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from civiq.collections.domain.tax_roll import TaxRollLine, TaxRollTransfer, TransferStatus
from civiq.collections.ports import TaxRollFiles, TaxRollTransfers
from civiq.core.errors import NotFound
from civiq.core.ports import Page


@dataclass(frozen=True)
class TaxRollFile:
    day: date
    url: str  # a short-lived link to the CSV file
    lines: tuple[TaxRollLine, ...]


@dataclass(frozen=True)
class TaxRollViews:
    transfers: TaxRollTransfers
    files: TaxRollFiles
    link_seconds: int

    def get(self, transfer_id: str) -> TaxRollTransfer:
        """Raises NotFound."""
        return self.transfers.get(transfer_id)

    def listing(
        self, status: TransferStatus | None, account_id: str | None, limit: int, after: str | None
    ) -> Page[TaxRollTransfer]:
        return self.transfers.listing(status, account_id, limit, after)

    def days(self, limit: int, after: str | None) -> Page[date]:
        return self.transfers.days(limit, after)

    def file(self, day: date) -> TaxRollFile:
        """Raises NotFound when nothing was transferred or reversed on ``day``."""
        lines = self.transfers.lines(day)
        if not lines:
            raise NotFound(f"no tax roll file for {day.isoformat()}", "day")
        ordered = tuple(sorted(lines, key=lambda line: line.key))
        return TaxRollFile(day, self.files.url_for(day, self.link_seconds), ordered)
