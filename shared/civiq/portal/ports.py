"""What the portal reads of other features and keeps of its own (the lookup throttle)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from civiq.accounts.domain.accounts import Account
from civiq.billing.domain.statements import Statement
from civiq.core.audit import AuditEntry
from civiq.ledger.domain.payments import Payment
from civiq.portal.domain.throttle import Attempts
from civiq.reporting.domain.dashboard import AccountBalance


class PortalAccounts(Protocol):
    def get_by_number(self, account_number: str) -> Account:
        """Raises NotFound when no account has that number."""
        ...

    def get(self, account_id: str) -> Account: ...


class AccountBalances(Protocol):
    def __call__(self, account: Account) -> AccountBalance: ...


class AccountStatements(Protocol):
    def recent(self, account_id: str, limit: int) -> Sequence[Statement]:
        """Newest first."""
        ...

    def get(self, account_id: str, statement_id: str) -> Statement: ...


class AccountPayments(Protocol):
    def of_account(self, account_id: str) -> Sequence[Payment]:
        """Newest first."""
        ...


class LookupAttempts(Protocol):
    def of(self, keys: Sequence[str]) -> Mapping[str, Attempts]:
        """The wrong tries counted under each key (none counted: ``Attempts()``)."""
        ...

    def failed(self, keys: Sequence[str], at: datetime, forget_at: datetime) -> None:
        """One more wrong try under each key, forgotten at ``forget_at``."""
        ...

    def forget(self, key: str) -> None: ...


class DocumentLinks(Protocol):
    def url_for(self, key: str, seconds: int) -> str: ...


class History(Protocol):
    def record(self, entry: AuditEntry) -> bool: ...
