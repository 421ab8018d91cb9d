"""An account's ledger history as the delinquency risk score reads it, and how old what it owes
is on any day.

The history is the account's journal from a day on (``since``; what the entries before it left
is the opening balance), each entry reduced to what aging needs: the municipal day it was
posted, its amount in integer cents, and, for a statement's charges and its late penalty, the
statement's due date (any other charge is due the day it is posted, as the ledger owes an
unbilled item at once). The statements issued since (their due dates and whether autopay paid
them) and the account's payment arrangements come with it.

:func:`settle` replays the history as aging does, oldest due date first: each payment or credit
pays what has been due longest, the rest waits as a credit for the next charge. Every charge
ends up cut into *pieces*, each paid on one day (or never, so far). The replay is causal: how a
piece was paid depends only on the entries up to that day, so what was open on a day ``t`` (the
pieces posted by ``t`` and paid after it) is the same whether or not the entries after ``t`` were
replayed. Features read the past of ``t``, the label the 90 days after it, from the same pieces.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from decimal import Decimal

from civiq.ledger.domain.journal import EntryKind, LedgerEntry

DEFAULT_DUE_DAYS = 21  # a charge whose statement was not read: due three weeks after it
NEVER = date.max.toordinal()  # the day an unpaid piece is paid


@dataclass(frozen=True, slots=True)
class Movement:
    """One ledger entry as aging reads it: ``cents`` > 0 owes more, < 0 owes less."""

    day: date  # the municipal day it was posted
    cents: int
    kind: EntryKind
    due_on: date | None = None  # a charge's due date (its statement's); None: the day posted
    statement_id: str | None = None  # the statement whose charges it is (kind ``charge``)

    @property
    def returned_payment(self) -> bool:
        """A payment taken back: a dishonoured cheque or a chargeback."""
        return self.kind is EntryKind.REVERSAL and self.cents > 0


@dataclass(frozen=True, slots=True)
class Bill:
    """An issued statement (a cancelled one is left out)."""

    statement_id: str
    issued_on: date
    due_on: date
    autopay: bool  # charged to the account's card or bank account as it was issued


@dataclass(frozen=True, slots=True)
class ArrangementSpan:
    """A payment arrangement: the day it was made and how it ended (None: in force)."""

    made_on: date
    ended_on: date | None
    broken: bool


@dataclass(frozen=True)
class AccountHistory:
    account_id: str
    opened_on: date
    closed_on: date | None
    since: date  # the first day the movements cover
    opening_cents: int  # the balance the entries before ``since`` left (owed on ``since``)
    movements: tuple[Movement, ...]  # in ledger order
    bills: tuple[Bill, ...]  # oldest first
    arrangements: tuple[ArrangementSpan, ...] = ()

    def from_day(self, since: date) -> AccountHistory:
        """The history from ``since`` on (what the movements before it left: the opening
        balance), as it is read for a day's features."""
        if since <= self.since:
            return self
        earlier = sum(m.cents for m in self.movements if m.day < since)
        return AccountHistory(
            self.account_id,
            self.opened_on,
            self.closed_on,
            since,
            self.opening_cents + earlier,
            tuple(m for m in self.movements if m.day >= since),
            tuple(b for b in self.bills if b.issued_on >= since),
            self.arrangements,
        )

    def until(self, day: date) -> AccountHistory:
        """The history as it stood at the end of ``day``: nothing posted, issued, made or ended
        later."""
        return AccountHistory(
            self.account_id,
            self.opened_on,
            self.closed_on if self.closed_on and self.closed_on <= day else None,
            self.since,
            self.opening_cents,
            tuple(m for m in self.movements if m.day <= day),
            tuple(b for b in self.bills if b.issued_on <= day),
            tuple(
                ArrangementSpan(
                    a.made_on,
                    a.ended_on if a.ended_on and a.ended_on <= day else None,
                    a.broken and a.ended_on is not None and a.ended_on <= day,
                )
                for a in self.arrangements
                if a.made_on <= day
            ),
        )


def cents(amount: Decimal) -> int:
    return int(amount * 100)


def movements_of(
    entries: Iterable[LedgerEntry], bills: Sequence[Bill], time_zone: tzinfo
) -> tuple[Movement, ...]:
    """``entries`` as aging reads them: a statement's charges and its penalty are due on the
    statement's due date (three weeks after they were posted when the statement was not read),
    any other charge the day it is posted."""
    due_of = {b.statement_id: b.due_on for b in bills}
    moved = []
    for entry in entries:
        day = entry.occurred_at.astimezone(time_zone).date()
        due_on = None
        statement_id = None
        if entry.kind in (EntryKind.CHARGE, EntryKind.PENALTY) and entry.source.kind == "statement":
            statement_id = entry.source.source_id
            due_on = due_of.get(statement_id)
            if due_on is None:
                due_on = date.fromordinal(day.toordinal() + DEFAULT_DUE_DAYS)
        moved.append(
            Movement(
                day,
                cents(entry.amount),
                entry.kind,
                due_on,
                statement_id if entry.kind is EntryKind.CHARGE else None,
            )
        )
    return tuple(moved)


@dataclass(frozen=True, slots=True)
class Piece:
    """Part of a charge, paid on one day. Days are ordinals (``date.toordinal``), for speed:
    a city's accounts are replayed in one run."""

    due: int
    posted: int
    cents: int
    paid: int  # NEVER: not paid so far
    statement_id: str | None  # a statement's own charges (not its penalty)


class _Owed:
    """What is still owed on a charge while the replay runs."""

    __slots__ = ("cents", "due", "posted", "statement_id")

    def __init__(self, due: int, posted: int, cents: int, statement_id: str | None) -> None:
        self.due = due
        self.posted = posted
        self.cents = cents
        self.statement_id = statement_id


def settle(history: AccountHistory) -> tuple[Piece, ...]:
    """Every charge of ``history`` cut into the pieces its payments and credits paid, oldest
    due date first (see the module)."""
    pieces: list[Piece] = []
    owed: list[_Owed] = []  # by due date, then as posted
    dues: list[int] = []  # the due dates of ``owed``, for bisect
    credit = 0
    start = history.since.toordinal()
    if history.opening_cents > 0:
        owed.append(_Owed(start, start, history.opening_cents, None))
        dues.append(start)
    else:
        credit = -history.opening_cents
    for movement in history.movements:
        day = movement.day.toordinal()
        amount = movement.cents
        if amount > 0:
            due = movement.due_on.toordinal() if movement.due_on else day
            if credit:
                used = min(credit, amount)
                credit -= used
                amount -= used
                pieces.append(Piece(due, day, used, day, movement.statement_id))
            if amount:
                at = bisect.bisect_right(dues, due)
                dues.insert(at, due)
                owed.insert(at, _Owed(due, day, amount, movement.statement_id))
            continue
        paying = -amount
        while paying and owed:
            first = owed[0]
            if first.cents <= paying:
                paying -= first.cents
                pieces.append(Piece(first.due, first.posted, first.cents, day, first.statement_id))
                del owed[0]
                del dues[0]
            else:
                pieces.append(Piece(first.due, first.posted, paying, day, first.statement_id))
                first.cents -= paying
                paying = 0
        credit += paying
    pieces.extend(Piece(o.due, o.posted, o.cents, NEVER, o.statement_id) for o in owed)
    return tuple(pieces)


def overdue_cents(pieces: Iterable[Piece], day: int, days: int) -> int:
    """What was owed at the end of ``day`` (an ordinal) on charges due at least ``days`` days
    before it."""
    limit = day - days
    return sum(p.cents for p in pieces if p.due <= limit and p.posted <= day < p.paid)
