"""An account's correspondence: every notification's delivery, the latest requested first (what
went out, by which channel, to which address, and why by mail when it was meant otherwise)."""

from __future__ import annotations

from dataclasses import dataclass

from civiq.accounts.ports import AccountRepository
from civiq.core.ports import Page
from civiq.notices.domain.deliveries import Delivery
from civiq.notices.ports import Deliveries


@dataclass(frozen=True)
class AccountCorrespondence:
    accounts: AccountRepository
    deliveries: Deliveries

    def __call__(self, account_id: str, limit: int, cursor: str | None) -> Page[Delivery]:
        """Raises NotFound when there is no such account."""
        self.accounts.get(account_id)
        return self.deliveries.of_account(account_id, limit, cursor)
