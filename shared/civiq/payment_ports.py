"""Ports of the ledger and payments. Adapters implement them (DynamoDB, and in memory)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from civiq.domain.audit import AuditEntry
from civiq.domain.events import DomainEvent
from civiq.domain.ledger import AccountLedger, LedgerEntry, Posting
from civiq.domain.payments import Payment, Refund
from civiq.domain.processor_payments import ProcessorEvent, ProcessorPayment
from civiq.ports import Page


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


class PaymentRepository(Protocol):
    def find(self, account_id: str, payment_id: str) -> Payment | None: ...

    def get(self, account_id: str, payment_id: str) -> Payment:
        """Raises NotFound."""
        ...

    def of_account(self, account_id: str) -> Sequence[Payment]:
        """Every payment of the account, newest received first."""
        ...

    def refunds(self, account_id: str, payment_id: str) -> Sequence[Refund]: ...


class ProcessorEvents(Protocol):
    """Every event the processor sent about its payments, kept as received."""

    def record(self, event: ProcessorEvent) -> None:
        """Keep ``event`` (again: nothing changes)."""
        ...

    def of_payment(self, processor_payment_id: str) -> Sequence[ProcessorEvent]: ...


class ProcessorEventQueue(Protocol):
    def send(self, raw_event: bytes) -> None:
        """Queue a verified webhook body for processing."""
        ...


@dataclass(frozen=True)
class ChargeRequest:
    """A charge of the payment instrument the customer keeps on file with the processor (a
    card or a pre-authorized debit agreement), for a statement."""

    idempotency_key: str  # the same key is one charge, however often it is asked for
    account_number: str
    amount: Decimal
    statement_id: str


@dataclass(frozen=True)
class RefundRequest:
    """Money given back on a processor's payment, under our refund id (the processor reports
    the refund under it)."""

    payment: ProcessorPayment  # as the processor reported it
    refund_id: str
    amount: Decimal


class PaymentGateway(Protocol):
    """The payment processor. Its answers come back later, through the signed webhook."""

    def charge(self, request: ChargeRequest) -> str:
        """Ask for the charge; returns the processor's payment id."""
        ...

    def refund(self, request: RefundRequest) -> None:
        """Ask for the refund (the same refund id is one refund)."""
        ...
