"""Hand-made ledger histories for the delinquency risk score's tests: a charge, a payment, a
penalty, a returned payment, and the history they make (its statements taken from its
charges unless given)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from civiq.collections.domain.risk_history import AccountHistory, ArrangementSpan, Bill, Movement
from civiq.ledger.domain.journal import EntryKind

OPENED = date(2020, 3, 1)
SINCE = date(2024, 1, 1)


def statement_id(issued: date) -> str:
    return f"S-{issued:%Y%m%d}"


def charge(issued: date, cents: int, due_days: int = 21) -> Movement:
    """A statement's charges, due ``due_days`` after it was issued."""
    return Movement(
        issued, cents, EntryKind.CHARGE, issued + timedelta(days=due_days), statement_id(issued)
    )


def payment(day: date, cents: int) -> Movement:
    return Movement(day, -cents, EntryKind.PAYMENT)


def penalty(day: date, cents: int, due: date) -> Movement:
    """A statement's late penalty, owed with it."""
    return Movement(day, cents, EntryKind.PENALTY, due)


def returned(day: date, cents: int) -> Movement:
    """A payment taken back (a dishonoured cheque)."""
    return Movement(day, cents, EntryKind.REVERSAL)


def history(
    *movements: Movement,
    autopay: Sequence[date] = (),
    arrangements: Sequence[ArrangementSpan] = (),
    opened_on: date = OPENED,
    closed_on: date | None = None,
    since: date = SINCE,
    opening_cents: int = 0,
    account_id: str = "01J00000000000000000000001",
) -> AccountHistory:
    """A history of ``movements``; each charge's statement is a bill (paid by autopay when it
    was issued on a day of ``autopay``)."""
    bills = tuple(
        Bill(m.statement_id, m.day, m.due_on, m.day in autopay)
        for m in movements
        if m.kind is EntryKind.CHARGE and m.statement_id and m.due_on
    )
    return AccountHistory(
        account_id,
        opened_on,
        closed_on,
        since,
        opening_cents,
        tuple(movements),
        bills,
        tuple(arrangements),
    )
