"""What the portal reads of other features and keeps of its own (the lookup throttle)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from civiq.accounts.domain.accounts import Account
from civiq.billing.domain.statements import Statement
from civiq.collections.domain.arrangements import Arrangement
from civiq.core.audit import AuditEntry
from civiq.core.language import Language
from civiq.ledger.domain.journal import AccountLedger
from civiq.ledger.domain.payments import Payment
from civiq.payments.domain.processor_payments import ProcessorEvent
from civiq.portal.domain.online_payments import OnlinePayment
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


class OnlinePayments(Protocol):
    """Payments submitted on the portal, one per form's idempotency key."""

    def submit(self, payment: OnlinePayment, entry: AuditEntry) -> OnlinePayment:
        """Keep ``payment`` with its history entry; a payment under the same key kept before
        is returned instead, writing nothing."""
        ...

    def charged(self, payment: OnlinePayment, processor_payment_id: str) -> None:
        """The gateway took the payment under this id."""
        ...

    def of_account(self, account_id: str, limit: int) -> Sequence[OnlinePayment]:
        """Newest first."""
        ...


class PaymentAnswers(Protocol):
    def of_payment(self, processor_payment_id: str) -> Sequence[ProcessorEvent]:
        """What the processor said of the payment so far."""
        ...


class AccountArrangements(Protocol):
    def of_account(self, account_id: str) -> Sequence[Arrangement]:
        """Newest first."""
        ...


class AccountJournal(Protocol):
    def state(self, account_id: str) -> AccountLedger: ...


class Signatures(Protocol):
    """Short-lived signed values (an email verification link's token)."""

    def sign(self, payload: Mapping[str, object], expires_at: datetime) -> str: ...

    def verify(self, token: str | None, now: datetime) -> dict[str, object] | None:
        """The payload of a token signed here that has not expired; else None."""
        ...


class VerificationMail(Protocol):
    def send(self, to_address: str, to_name: str, language: Language, link: str) -> None:
        """The link that confirms ``to_address`` is the resident's, to that address."""
        ...
