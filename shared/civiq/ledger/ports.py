"""Ports of the move-in/move-out and ownership-transfer workflows. Adapters implement them.

Kept beside :mod:`civiq.ports` (which describes accounts, properties and customers) so the two
can change independently; the services import both.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from civiq.core.audit import AuditEntry
from civiq.core.events import DomainEvent
from civiq.core.ports import Page
from civiq.ledger.domain.journal import AccountLedger, LedgerEntry, Posting
from civiq.ledger.domain.payments import Payment, Refund
from civiq.ledger.domain.verification import AccountBooks


class LedgerRepository(Protocol):
    def state(self, account_id: str) -> AccountLedger:
        """Read consistently. Raises NotFound for an unknown account."""
        ...

    def entries(self, account_id: str, after: int, limit: int) -> Page[LedgerEntry]:
        """Entries numbered after ``after``, in order; the cursor is the last sequence read."""
        ...

    def post(
        self,
        posting: Posting,
        *,
        payment: Payment | None = None,
        refund: Refund | None = None,
        events: Sequence[DomainEvent] = (),
        history: Sequence[AuditEntry] = (),
    ) -> bool:
        """Write ``posting`` with the records it concerns (the payment's new state, the
        refund), its events (outbox) and history, in one transaction. False, writing nothing,
        when ``posting.guard`` was posted before; raises LedgerMoved when the account's head is
        no longer ``posting.basis.head``."""
        ...


@dataclass(frozen=True, slots=True)
class UnreadableEntry:
    """An account whose journal holds a record that is no longer a ledger entry (a field removed
    or garbled): its chain cannot be followed past that entry."""

    books: AccountBooks  # with the entries before the unreadable one
    sequence: int
    why: str


Books = AccountBooks | UnreadableEntry


class LedgerBooks(Protocol):
    segments: int  # how many parts of the table :meth:`books` reads, each on its own

    def books(self, segment: int) -> Iterator[Books]:
        """Every account of one part (``0 <= segment < segments``): the parts together hold each
        account exactly once."""
        ...

    def of_account(self, account_id: str) -> Books:
        """Raises NotFound."""
        ...


class PaymentRepository(Protocol):
    def find(self, account_id: str, payment_id: str) -> Payment | None: ...

    def get(self, account_id: str, payment_id: str) -> Payment:
        """Raises NotFound."""
        ...

    def of_account(self, account_id: str) -> Sequence[Payment]:
        """Every payment of the account, newest received first."""
        ...

    def refunds(self, account_id: str, payment_id: str) -> Sequence[Refund]: ...
