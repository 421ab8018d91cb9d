"""Ports of payments: processor events and their exceptions, the payment gateway, bank remittance
files and the late-penalty job's past-due statements. Adapters implement them (DynamoDB, and in
memory)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from civiq.core.audit import AuditEntry
from civiq.core.events import DomainEvent
from civiq.core.ports import Page
from civiq.ledger.domain.payments import PaymentMethod
from civiq.payments.domain.mandates import BankAccount, Mandate
from civiq.payments.domain.payment_troubles import PaymentTrouble
from civiq.payments.domain.processor_exceptions import (
    Assignment,
    ExceptionStatus,
    ProcessorException,
)
from civiq.payments.domain.processor_payments import ProcessorEvent, ProcessorPayment
from civiq.payments.domain.remittance_files import LineOutcome, RemittanceCounts, RemittanceFile
from civiq.rates.domain.charges import RatedBill


class ProcessorEvents(Protocol):
    """Every event the processor sent about its payments, kept as received."""

    def record(self, event: ProcessorEvent) -> None:
        """Keep ``event`` (again: nothing changes)."""
        ...

    def of_payment(self, processor_payment_id: str) -> Sequence[ProcessorEvent]: ...


class ProcessorExceptions(Protocol):
    """Processor events waiting for a clerk, and where their payments were decided to go."""

    def record(self, exception: ProcessorException, entry: AuditEntry, event: DomainEvent) -> bool:
        """Keep a new exception with its history entry and its event (to the outbox); False,
        writing nothing, when its processor event has one already."""
        ...

    def get(self, event_id: str) -> ProcessorException:
        """Raises NotFound."""
        ...

    def decide(
        self,
        before: ProcessorException,
        after: ProcessorException,
        entry: AuditEntry,
        event: DomainEvent,
    ) -> None:
        """Write the decision if the exception is still as ``before`` (else Conflict)."""
        ...

    def listed(
        self, status: ExceptionStatus, limit: int, cursor: str | None
    ) -> Page[ProcessorException]:
        """Open ones oldest received first; resolved ones most recently decided first."""
        ...

    def assign(self, assignment: Assignment) -> None:
        """Decide where the payment goes; the same decision again changes nothing, another one
        is a Conflict naming the first."""
        ...

    def assignment(self, processor_payment_id: str) -> Assignment | None: ...


class ProcessorEventQueue(Protocol):
    def send(self, raw_event: bytes) -> None:
        """Queue a verified webhook body for processing."""
        ...


@dataclass(frozen=True)
class ChargeRequest:
    """A charge of the payment instrument the customer keeps on file with the processor (a
    card or a pre-authorized debit agreement), for a statement (or, paid on the portal, for
    what the account owes)."""

    idempotency_key: str  # the same key is one charge, however often it is asked for
    account_number: str
    amount: Decimal
    statement_id: str | None
    method: PaymentMethod | None = None  # None: the instrument on file decides
    instrument: str | None = None  # the gateway's token of our mandate (None: its own file)


@dataclass(frozen=True)
class RefundRequest:
    """Money given back on a processor's payment, under our refund id (the processor reports
    the refund under it)."""

    payment: ProcessorPayment  # as the processor reported it
    refund_id: str
    amount: Decimal


class PaymentGateway(Protocol):
    """The payment processor. Its answers come back later, through the signed webhook."""

    name: str  # which gateway: the mandates keep a token per gateway

    def tokenise(self, bank: BankAccount, payor: str) -> str:
        """The gateway's token for debiting ``bank`` under a PAD agreement of ``payor``'s (the
        same bank account and payor, the same token)."""
        ...

    def charge(self, request: ChargeRequest) -> str:
        """Ask for the charge; returns the processor's payment id."""
        ...

    def refund(self, request: RefundRequest) -> None:
        """Ask for the refund (the same refund id is one refund)."""
        ...


class RemittanceRepository(Protocol):
    def create(self, file: RemittanceFile) -> bool:
        """False, writing nothing, when the file was uploaded before."""
        ...

    def get(self, remittance_id: str) -> tuple[RemittanceFile, RemittanceCounts]:
        """Raises NotFound."""
        ...

    def outcome(self, remittance_id: str, line_no: int) -> LineOutcome | None: ...

    def record(self, outcome: LineOutcome) -> bool:
        """Record a line's first outcome and count it; False when it has one already."""
        ...

    def decide(self, before: LineOutcome, after: LineOutcome) -> None:
        """An exception's resolution, if it is still an exception (else Conflict)."""
        ...

    def lines(
        self, remittance_id: str, exceptions_only: bool, limit: int, cursor: str | None
    ) -> Page[LineOutcome]: ...

    def open_exceptions(self, limit: int, cursor: str | None) -> Page[LineOutcome]:
        """Every file's lines waiting for a clerk, oldest file first."""
        ...


class RemittanceContents(Protocol):
    def put(self, remittance_id: str, content: bytes) -> None: ...

    def get(self, remittance_id: str) -> bytes: ...


class RemittanceQueue(Protocol):
    def send(self, remittance_id: str, first_line: int, last_line: int) -> None: ...


@dataclass(frozen=True, slots=True)
class PastDueStatement:
    """An issued statement still owing something as last listed (the ledger says how much)."""

    account_id: str
    account_number: str
    statement_id: str
    due_on: date
    bill: RatedBill  # for the rate schedule's after-due-date price


class PastDueStatements(Protocol):
    def lists(self) -> int:
        """How many lists the open statements are spread over (an account's are all in one):
        each is read on its own, and the lists can be read at once."""
        ...

    def past_due(
        self, shard: int, last_due: date, limit: int, cursor: str | None
    ) -> Page[PastDueStatement]:
        """Statements of list ``shard`` (from 0) still owing and due on or before
        ``last_due``, by due date then id; never an amount owed that no statement carries
        (an unbilled item). A cursor stays valid while statements are paid or penalized."""
        ...

    def posted(self, guards: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these (account id, posting guard) pairs were posted: what a rerun
        skips without reading each account's ledger."""
        ...


class PaymentTroubles(Protocol):
    def record(self, trouble: PaymentTrouble, entry: AuditEntry) -> bool:
        """Keep ``trouble`` (the account's latest day of trouble moves to it if later) with its
        history entry; False, writing nothing, when its reference was recorded before."""
        ...

    def latest(self, account_id: str) -> date | None:
        """The day of the account's latest failed attempt on our side, if any."""
        ...


class Mandates(Protocol):
    """Each account's PAD agreement in force (one at a time), and the ones cancelled."""

    def current(self, account_id: str) -> Mandate | None:
        """The account's agreement in force, if any."""
        ...

    def save(
        self, before: Mandate | None, after: Mandate, record: DomainEvent | AuditEntry
    ) -> None:
        """Keep ``after`` with its event (to the outbox, with its history entry) or, for a change
        no one subscribes to, its history entry alone; if the account has no agreement in force
        (``before`` None) or it is still ``before``; else Conflict."""
        ...


class Vault(Protocol):
    """Seals what must never be read at rest (a bank account), bound to its ``context``."""

    def seal(self, plain: bytes, context: Mapping[str, str]) -> str: ...

    def unseal(self, sealed: str, context: Mapping[str, str]) -> bytes:
        """Raises when ``sealed`` was not sealed with the same ``context``."""
        ...
