"""An account's service requests, newest first (staff's account page, the resident's portal)."""

from __future__ import annotations

from dataclasses import dataclass

from civiq.accounts.ports import AccountRepository
from civiq.core.ports import Page
from civiq.service_requests.domain.requests import ServiceRequest
from civiq.service_requests.ports import ServiceRequests


@dataclass(frozen=True)
class AccountServiceRequests:
    requests: ServiceRequests
    accounts: AccountRepository

    def __call__(self, account_id: str, limit: int, cursor: str | None) -> Page[ServiceRequest]:
        """Raises NotFound (no such account)."""
        self.accounts.get(account_id)
        return self.requests.of_account(account_id, limit, cursor)
