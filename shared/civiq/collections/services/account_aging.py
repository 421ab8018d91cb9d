"""One account's aging: its open items (statements and unbilled items), each with its due date,
what it still owes by revenue and its bucket, and its credit; read from its ledger (one
request)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from civiq.collections.domain.aging import AgedItem, aged_items
from civiq.ledger.ports import JournalReader


@dataclass(frozen=True)
class AccountAgingView:
    account_id: str
    as_of: date
    items: list[AgedItem]  # oldest due first
    credit: Decimal


@dataclass(frozen=True)
class AccountAging:
    journal: JournalReader
    today: Callable[[], date]

    def __call__(self, account_id: str, as_of: date | None = None) -> AccountAgingView:
        """NotFound (``account_id``) for an unknown account."""
        day = as_of or self.today()
        ledger = self.journal.state(account_id)
        return AccountAgingView(
            account_id, day, aged_items(ledger.open_statements, day), ledger.credit
        )
