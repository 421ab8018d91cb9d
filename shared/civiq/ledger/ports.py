"""Ports of the ledger: posting to an account's journal, its payment records, reading every
account's books for the ledger check, the digests that anchor the ledger outside its table, and
the fee catalogue.
Adapters implement them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from civiq.core.audit import AuditEntry
from civiq.core.events import DomainEvent
from civiq.core.ports import Page
from civiq.ledger.domain.digests import SignedDigest, StoredDigest
from civiq.ledger.domain.fees import FeeCatalogue
from civiq.ledger.domain.journal import AccountLedger, EntriesSince, Head, LedgerEntry, Posting
from civiq.ledger.domain.payment_records import UnreadablePayment
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


class JournalReader(Protocol):
    """Reading an account's ledger: as it stands (what a posting is computed from) and its journal
    from a point on (a statement's balance forward)."""

    def state(self, account_id: str) -> AccountLedger:
        """The account's ledger as it stands, read consistently. Raises NotFound."""
        ...

    def entries_since(self, account_id: str, after: int) -> EntriesSince:
        """The entries numbered after ``after`` (0: from the first), in order, up to the head
        the account's ledger is at, with its balance there, read consistently. Raises NotFound
        for an unknown account."""
        ...

    def entries_after(self, ledger: AccountLedger, after: int) -> EntriesSince:
        """Like :meth:`entries_since`, up to the head of ``ledger``, a state read before (the
        entries up to it never change): no second read of the account."""
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


class PaymentRecords(Protocol):
    """The payment records the ledger check holds against the journal."""

    def of_account(self, account_id: str) -> Sequence[Payment | UnreadablePayment]:
        """Every payment record of the account, read consistently."""
        ...


class LedgerHeads(Protocol):
    """Every account's ledger head, and its journal from a point on: what the digest job reads."""

    def heads(self) -> Iterator[tuple[str, Head]]:
        """Every account with entries, and its head, as an index of the accounts shows them
        (it may lag the table by moments)."""
        ...

    def since(self, account_id: str, after: int) -> EntriesSince | None:
        """The entries numbered after ``after`` up to the account's head, read consistently
        (:meth:`JournalReader.entries_since`); None when the account is gone or its journal cannot
        be read to its head (an entry missing or unreadable)."""
        ...


class DigestStore(Protocol):
    """Where digests and heads lists are kept, each written once and never changed."""

    def latest(self) -> StoredDigest | None:
        """The newest digest (one a delete marker hides is passed over)."""
        ...

    def history(self) -> Iterator[StoredDigest]:
        """Every digest ever written, oldest first, those hidden or written over included."""
        ...

    def heads(self, sha256: str) -> bytes | None:
        """The heads list stored under its SHA-256 (None: there is none)."""
        ...

    def put_heads(self, text: bytes) -> None:
        """Keep a heads list under its SHA-256 (the same list again changes nothing)."""
        ...

    def put(self, digest: SignedDigest) -> bool:
        """Keep a digest under its time; False, keeping nothing, when one is there."""
        ...


class DigestSigner(Protocol):
    """The key that signs digests: one the table's writers cannot use."""

    @property
    def key_id(self) -> str: ...

    @property
    def algorithm(self) -> str: ...

    def sign(self, message: bytes) -> bytes: ...

    def verifies(self, digest: SignedDigest) -> bool:
        """Whether this key signed ``digest`` (its key, algorithm and signature)."""
        ...


class FeeCatalogueRepository(Protocol):
    """The municipality's fee catalogue: one record, changed whole, with optimistic locking."""

    def get(self) -> FeeCatalogue:
        """The catalogue as saved last, read consistently (empty, version 0, before the first
        save)."""
        ...

    def save(self, before: FeeCatalogue, after: FeeCatalogue, entry: AuditEntry) -> None:
        """Write ``after`` (version ``before.version + 1``) with its history ``entry``, only
        while the stored version is ``before.version`` (else VersionConflict)."""
        ...
