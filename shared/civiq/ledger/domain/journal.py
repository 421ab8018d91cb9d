"""The account ledger: an append-only journal whose entries sum to the balance, hash-chained.

Every change of what an account owes is an entry: a charge
from a statement, a payment, an adjustment, a penalty, a refund, a deposit, or the reversal of
one of them. An entry is never edited or deleted; a mistake is reversed by a new entry. Amounts
are positive when the customer owes more, negative when they owe less (a payment, a credit).

Entries of an account are numbered from 1 and chained: each entry's hash covers its fields and
the previous entry's hash (SHA-256 over a canonical text), so an edited, deleted, inserted or
reordered entry breaks the chain at that point, which :func:`verify_chain` reports; the account
keeps the chain's :class:`Head`, so removing the last entries is caught too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from civiq.core.errors import Conflict, InvalidInput
from civiq.core.money import CENT

GENESIS = "0" * 64  # the previous hash of an account's first entry
CANCELLED = "-cancelled"  # a cancelled statement's charges taken back: ``<statement id>-cancelled``


class EntryKind(StrEnum):
    CHARGE = "charge"  # a statement's new charges
    PAYMENT = "payment"
    ADJUSTMENT = "adjustment"
    PENALTY = "penalty"  # a late-payment penalty
    FEE = "fee"  # a charge for a service: the NSF fee of a dishonoured cheque
    REFUND = "refund"
    DEPOSIT = "deposit"
    REVERSAL = "reversal"
    WRITE_OFF = "write-off"  # arrears written off as uncollectable (a charge: reinstated)
    TAX_ROLL = "tax-roll"  # arrears added to the property's tax roll (a charge: taken back)


@dataclass(frozen=True, slots=True)
class Source:
    """What an entry comes from: a statement, a payment, an entry it reverses..."""

    kind: str
    source_id: str


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    account_id: str
    sequence: int
    entry_id: str
    kind: EntryKind
    amount: Decimal
    occurred_at: datetime
    recorded_by: str
    reason: str
    source: Source
    previous_hash: str = GENESIS
    hash: str = ""

    def __post_init__(self) -> None:
        if self.sequence < 1:
            raise InvalidInput("ledger entries are numbered from 1", "sequence")
        if self.amount != self.amount.quantize(CENT):
            raise InvalidInput("a ledger amount is in whole cents", "amount")
        if self.amount == 0:
            raise InvalidInput("a ledger entry moves the balance", "amount")
        if not self.reason.strip():
            raise InvalidInput("every ledger entry says why", "reason")

    def canonical(self) -> str:
        """The text the hash covers: every field but the hash, in a fixed order and format."""
        return json.dumps(
            [
                self.account_id,
                self.sequence,
                self.entry_id,
                self.kind.value,
                f"{self.amount:.2f}",
                self.occurred_at.isoformat(),
                self.recorded_by,
                self.reason,
                self.source.kind,
                self.source.source_id,
                self.previous_hash,
            ],
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @property
    def head(self) -> Head:
        return Head(self.sequence, self.hash)

    def sealed(self) -> LedgerEntry:
        digest = hashlib.sha256(self.canonical().encode()).hexdigest()
        return replace(self, hash=digest)


def append(
    previous: Head | None,
    *,
    account_id: str,
    entry_id: str,
    kind: EntryKind,
    amount: Decimal,
    occurred_at: datetime,
    recorded_by: str,
    reason: str,
    source: Source,
) -> LedgerEntry:
    """The account's next entry, chained to the head ``previous`` (None for its first)."""
    return LedgerEntry(
        account_id=account_id,
        sequence=previous.sequence + 1 if previous else 1,
        entry_id=entry_id,
        kind=kind,
        amount=amount,
        occurred_at=occurred_at,
        recorded_by=recorded_by,
        reason=reason,
        source=source,
        previous_hash=previous.hash if previous else GENESIS,
    ).sealed()


def reversal(
    previous: Head,
    of: LedgerEntry,
    entry_id: str,
    occurred_at: datetime,
    recorded_by: str,
    reason: str,
) -> LedgerEntry:
    """An entry that takes ``of`` back exactly (a dishonoured cheque, a wrong adjustment)."""
    if of.kind is EntryKind.REVERSAL:
        raise InvalidInput("a reversal is not reversed; record a new entry", "entry_id")
    return append(
        previous,
        account_id=of.account_id,
        entry_id=entry_id,
        kind=EntryKind.REVERSAL,
        amount=-of.amount,
        occurred_at=occurred_at,
        recorded_by=recorded_by,
        reason=reason,
        source=Source("entry", of.entry_id),
    )


def balance(entries: Sequence[LedgerEntry]) -> Decimal:
    return sum((e.amount for e in entries), Decimal(0))


def carries_a_statement(entry: LedgerEntry) -> bool:
    """Whether ``entry`` belongs to a statement itself: its charges (``charge``), or the charges
    of a cancelled statement taken back (the ``reversal`` :func:`statement_posting` writes). A
    statement's balance forward itemizes every other entry since the statement before it."""
    return entry.kind is EntryKind.CHARGE or (
        entry.kind is EntryKind.REVERSAL
        and entry.source.kind == "entry"
        and entry.entry_id == cancelled_entry_id(entry.source.source_id)
    )


def cancelled_entry_id(statement_id: str) -> str:
    """The id of the entry that takes a cancelled statement's charges back."""
    return f"{statement_id}{CANCELLED}"


@dataclass(frozen=True, slots=True)
class EntriesSince:
    """An account's journal from a point on: its entries numbered after ``after``, up to the
    ``head`` its ledger stood at when read, and the ``balance`` there (what all its entries,
    these and the earlier ones, sum to). Read together, so the two agree."""

    account_id: str
    after: int
    head: Head | None  # None: the account has no entries
    balance: Decimal
    entries: tuple[LedgerEntry, ...]

    def __post_init__(self) -> None:
        if self.after < 0:
            raise InvalidInput("ledger entries are numbered from 1", "after")
        object.__setattr__(self, "entries", tuple(self.entries))
        read = [e.sequence for e in self.entries]
        if read != list(range(self.after + 1, self.through + 1)):
            raise ValueError(
                f"the entries of account {self.account_id} after {self.after} up to "
                f"{self.through} are not all there, in order: {read}"
            )

    @property
    def through(self) -> int:
        """The last entry's sequence (0: none)."""
        return self.head.sequence if self.head else 0


@dataclass(frozen=True, slots=True)
class ChainBreak:
    sequence: int  # the first entry that does not follow from the ones before it
    why: str


@dataclass(frozen=True, slots=True)
class Head:
    """The last entry's sequence and hash, kept on the account with every entry: what shows
    that no entry was removed from the end of the chain."""

    sequence: int
    hash: str


def verify_chain(
    entries: Sequence[LedgerEntry], head: Head | None, after: Head | None = None
) -> ChainBreak | None:
    """None when ``entries`` (one account's, in sequence order: all of them, or those that follow
    the entry ``after``) are exactly as written and end at ``head`` (None: the account has no
    entries)."""
    last = Head(entries[-1].sequence, entries[-1].hash) if entries else after
    if last != head:
        expected = head.sequence if head else 1
        return ChainBreak(expected, "the chain does not end where the account says")
    previous_hash = after.hash if after else GENESIS
    for expected, entry in enumerate(entries, start=after.sequence + 1 if after else 1):
        if entry.sequence != expected:
            return ChainBreak(expected, f"entry {expected} is missing or out of order")
        if entry.previous_hash != previous_hash:
            return ChainBreak(expected, "does not follow the entry before it")
        if entry.sealed().hash != entry.hash:
            return ChainBreak(expected, "was changed after it was written")
        previous_hash = entry.hash
    return None


class AllocationOrder(StrEnum):
    OLDEST_FIRST = "oldest-first"  # the usual rule: the oldest due date is paid first
    NEWEST_FIRST = "newest-first"


UNBILLED = "unbilled:"


def unbilled(entry_id: str) -> str:
    """The open item of an amount owed that no statement carries yet (an NSF fee, a reversed
    credit): paid like a statement, and shown on the next one."""
    return f"{UNBILLED}{entry_id}"


def is_statement(item_id: str) -> bool:
    return not item_id.startswith(UNBILLED)


# What an open item was charged, by revenue: (revenue key, amount) pairs in key order
# (civiq.ledger.domain.receivables names the keys and splits what is owed among them).
Charges = tuple[tuple[str, Decimal], ...]


@dataclass(frozen=True, slots=True)
class Profile:
    """Who owes, as aging groups receivables: the account's meter-reading route and the type
    of the property it serves (what its customer class is told by)."""

    route: str
    property_type: str


UNKNOWN_PROFILE = Profile("unknown", "unknown")  # a ledger read without its account's attributes


@dataclass(frozen=True, slots=True)
class OpenStatement:
    """A statement, or an unbilled item, with what is still owed on it and what it was
    charged."""

    statement_id: str
    due_on: date
    owed: Decimal  # still owed on it (> 0)
    charged: Charges = ()  # none: opened before items kept their charges


@dataclass(frozen=True, slots=True)
class Applied:
    """Part of a payment applied to one statement."""

    statement_id: str
    due_on: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Allocation:
    applied: tuple[Applied, ...]  # in the order applied
    credit: Decimal  # what no statement was owed: kept as a credit for the next statement


def allocate(
    amount: Decimal, open_statements: Sequence[OpenStatement], order: AllocationOrder
) -> Allocation:
    """Spread a payment over the open statements, each paid in full before the next."""
    if amount <= 0 or amount != amount.quantize(CENT):
        raise InvalidInput("a payment is a positive amount in whole cents", "amount")
    ranked = sorted(open_statements, key=lambda s: (s.due_on, s.statement_id))
    if order is AllocationOrder.NEWEST_FIRST:
        ranked.reverse()
    left = amount
    applied = []
    for statement in ranked:
        if left == 0:
            break
        if statement.owed <= 0:
            continue
        paid = min(left, statement.owed)
        applied.append(Applied(statement.statement_id, statement.due_on, paid))
        left -= paid
    return Allocation(tuple(applied), left)


def apply_credit(total: Decimal, credit: Decimal) -> tuple[Decimal, Decimal]:
    """A new statement's charges less the account's credit: (still owed on it, credit left)."""
    used = min(max(total, Decimal(0)), credit)
    return total - used, credit - used


@dataclass(frozen=True, slots=True)
class AccountLedger:
    """What a posting is computed from, read in one item: the chain's head, the balance, the
    credit not yet applied, and what each open statement still owes."""

    account_id: str
    head: Head | None
    balance: Decimal
    credit: Decimal
    open_statements: tuple[OpenStatement, ...]
    profile: Profile = UNKNOWN_PROFILE  # the account's, as it stands
    aged_as: Profile | None = None  # what its receivables were last counted under (None: profile)

    def owed_on(self, statement_id: str) -> Decimal:
        return next(
            (s.owed for s in self.open_statements if s.statement_id == statement_id), Decimal(0)
        )


class LedgerMoved(Conflict):
    """The account's ledger changed after a posting was computed: it is computed again."""

    def __init__(self, account_id: str) -> None:
        super().__init__(f"the ledger of account {account_id} changed meanwhile", "account_id")


@dataclass(frozen=True, slots=True)
class StatementChange:
    """What one statement still owes after a posting (0: paid), and what the posting charges
    to it (added to what it was charged before: a new statement's lines, a penalty)."""

    statement_id: str
    due_on: date
    owed: Decimal
    charged: Charges = ()


@dataclass(frozen=True, slots=True)
class Posting:
    """Entries appended to one account's ledger in one transaction, computed from ``basis``:
    it is written only if the account's head is still ``basis.head`` (else it is computed
    again), and only once: ``guard`` (``payment:<id>``, ``penalty:<statement id>``...) names it
    for good. ``statements`` and ``credit`` are what the entries leave owed."""

    basis: AccountLedger
    guard: str
    entries: tuple[LedgerEntry, ...]
    statements: tuple[StatementChange, ...]
    credit: Decimal
    collected: Decimal = Decimal(0)  # money in (payments) less money out (refunds, reversals)
    booked_on: date | None = None  # the municipal date whose month the money counts in

    @property
    def moved(self) -> Decimal:
        return balance(self.entries)

    @property
    def head(self) -> Head | None:
        return self.entries[-1].head if self.entries else self.basis.head


def paying(
    basis: AccountLedger, allocation: Allocation
) -> tuple[tuple[StatementChange, ...], Decimal]:
    """The statements an allocation pays (what each still owes after it) and the credit left."""
    changes = tuple(
        StatementChange(a.statement_id, a.due_on, basis.owed_on(a.statement_id) - a.amount)
        for a in allocation.applied
    )
    return changes, basis.credit + allocation.credit


def reopening(
    basis: AccountLedger, allocation: Allocation, entry_id: str, on: date
) -> tuple[tuple[StatementChange, ...], Decimal]:
    """What taking a payment back (entry ``entry_id``, on ``on``) leaves owed: the statements
    it paid owe again what it paid on them, and its credit is withdrawn; the part of that credit
    a later statement has used since is owed again as an unbilled item."""
    withdrawn = min(basis.credit, allocation.credit)
    spent_credit = allocation.credit - withdrawn
    changes = [
        StatementChange(a.statement_id, a.due_on, basis.owed_on(a.statement_id) + a.amount)
        for a in allocation.applied
    ]
    if spent_credit:
        changes.append(StatementChange(unbilled(entry_id), on, spent_credit))
    return tuple(changes), basis.credit - withdrawn


def _owing(owed: Decimal, credit: Decimal) -> tuple[Decimal, Decimal]:
    """A statement's owed amount after the credit is applied (a negative amount adds to it)."""
    if owed < 0:
        return Decimal(0), credit - owed
    return apply_credit(owed, credit)


def statement_posting(
    basis: AccountLedger,
    statement_id: str,
    due_on: date,
    total: Decimal,
    at: datetime,
    by: str,
    reason: str,
    replacing: tuple[str, Decimal] | None = None,
    charged: Charges = (),
) -> Posting:
    """A statement's charges (``total``, by revenue ``charged``) as a ``charge`` entry, the
    account's credit applied to them. ``replacing`` is the (id, total) of the statement it
    rebills: its charge is reversed, and what was paid on it counts towards the new one."""
    entries: list[LedgerEntry] = []
    head = basis.head
    owed = total
    changes = []
    if replacing:
        cancelled_id, cancelled_total = replacing
        paid = max(cancelled_total, Decimal(0)) - basis.owed_on(cancelled_id)
        owed -= paid
        changes.append(StatementChange(cancelled_id, due_on, Decimal(0)))
        if cancelled_total:
            entries.append(
                append(
                    head,
                    account_id=basis.account_id,
                    entry_id=cancelled_entry_id(cancelled_id),
                    kind=EntryKind.REVERSAL,
                    amount=-cancelled_total,
                    occurred_at=at,
                    recorded_by=by,
                    reason=f"statement {cancelled_id} cancelled",
                    source=Source("entry", cancelled_id),
                )
            )
            head = entries[-1].head
    if total:
        entries.append(
            append(
                head,
                account_id=basis.account_id,
                entry_id=statement_id,
                kind=EntryKind.CHARGE,
                amount=total,
                occurred_at=at,
                recorded_by=by,
                reason=reason,
                source=Source("statement", statement_id),
            )
        )
    owed, credit = _owing(owed, basis.credit)
    changes.append(StatementChange(statement_id, due_on, owed, charged))
    return Posting(basis, f"statement:{statement_id}", tuple(entries), tuple(changes), credit)
