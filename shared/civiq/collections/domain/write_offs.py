"""Write-offs: arrears a municipality stops trying to collect, and takes back when paid later.

A write-off takes an amount of what an account owes off its books (a negative ``write-off``
ledger entry that pays the open items oldest first, like a credit), for a reason staff name
(uncollectable, a small balance, a bankruptcy, a deceased's estate, a debt past its limitation
period...) and on an authority: a clerk writes off up to the clerk's limit, a supervisor any
amount (the supervisor's approval is the supervisor writing it off), and small balances of
accounts no longer served are written off by themselves once they are long enough past due.

A write-off is not forgiveness: a payment that later reaches the account and leaves it in credit
reinstates the written-off arrears (a positive ``write-off`` entry, paid at once from that
credit), newest write-off first, so the money goes to the old debt rather than sitting as a
credit. A supervisor may also reverse a write-off made in error: what is left of it is owed
again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from civiq.collections.domain.dunning import (
    Case,
    CaseEnd,
    Ladder,
    PastDue,
    close,
    ended,
    reanchor,
)
from civiq.core.errors import Conflict, FieldError, InvalidInput
from civiq.core.money import CENT
from civiq.core.staff import Role
from civiq.ledger.domain.journal import AccountLedger

ZERO = Decimal(0)


class WriteOffCategory(StrEnum):
    UNCOLLECTABLE = "uncollectable"
    SMALL_BALANCE = "small-balance"
    BANKRUPTCY = "bankruptcy"
    DECEASED_ESTATE = "deceased-estate"
    STATUTE_BARRED = "statute-barred"  # past the limitation period
    OTHER = "other"


class Authority(StrEnum):
    """By what authority arrears were written off."""

    CLERK = "clerk-within-authority"
    SUPERVISOR = "supervisor"
    AUTOMATIC = "automatic-small-balance"


@dataclass(frozen=True)
class WriteOffPolicy:
    """The municipality's limits (its defaults: a clerk writes off up to $100.00; balances up
    to $10.00 of accounts no longer served are written off 90 days past due)."""

    clerk_limit: Decimal = Decimal("100.00")
    small_balance: Decimal = Decimal("10.00")
    small_balance_days: int = 90


@dataclass(frozen=True)
class Reinstatement:
    """Part of a write-off owed again: by a payment (``payment_id``), or reversed by a
    supervisor (``payment_id`` None)."""

    amount: Decimal
    on: date
    payment_id: str | None = None


@dataclass(frozen=True)
class WriteOff:
    write_off_id: str
    account_id: str
    amount: Decimal
    category: WriteOffCategory
    reason: str
    written_off_by: str
    authority: Authority
    written_off_at: datetime
    reinstatements: tuple[Reinstatement, ...] = ()

    @property
    def reinstated(self) -> Decimal:
        return sum((r.amount for r in self.reinstatements), ZERO)

    @property
    def listed_key(self) -> str:
        """Where it sorts among write-offs, oldest first: when it was made, then its id (a
        page cursor: letters, digits and dots only)."""
        at = self.written_off_at.astimezone(UTC)
        return f"{at:%Y%m%dT%H%M%S%fZ}.{self.write_off_id}"

    @property
    def left(self) -> Decimal:
        """What is still written off (not reinstated)."""
        return self.amount - self.reinstated


class WriteOffIdTaken(Conflict):
    """A write-off id already names a write-off of another account."""

    def __init__(self) -> None:
        super().__init__("this write_off_id names a write-off of another account", "write_off_id")


def authority_of(role: str, amount: Decimal, policy: WriteOffPolicy) -> Authority:
    """The authority ``role`` writes ``amount`` off on; a clerk above the limit is refused
    (InvalidInput naming ``amount``)."""
    if role in (Role.SUPERVISOR, Role.ADMIN):
        return Authority.SUPERVISOR
    if amount > policy.clerk_limit:
        raise InvalidInput(
            f"a clerk writes off up to {policy.clerk_limit:.2f}: a supervisor writes off more",
            "amount",
        )
    return Authority.CLERK


def owed(ledger: AccountLedger) -> Decimal:
    """What the account owes on its open items (due or not)."""
    return sum((item.owed for item in ledger.open_statements), ZERO)


def refusals(amount: Decimal, ledger: AccountLedger) -> list[FieldError]:
    """Why ``amount`` cannot be written off the account (none: it can)."""
    if amount <= 0 or amount != amount.quantize(CENT):
        return [FieldError("amount", "a write-off is a positive amount in cents")]
    owing = owed(ledger)
    if amount > owing:
        return [FieldError("amount", f"the account owes {owing:.2f}: no more can be written off")]
    return []


def outstanding(write_offs: Iterable[WriteOff]) -> Decimal:
    """What is still written off, of all ``write_offs``."""
    return sum((w.left for w in write_offs), ZERO)


def reinstating(
    write_offs: Sequence[WriteOff], amount: Decimal, on: date, payment_id: str | None
) -> list[WriteOff]:
    """The write-offs ``amount`` reinstates, newest first, each as it is after (those it does
    not reach are left out)."""
    changed = []
    left = amount
    for write_off in sorted(write_offs, key=lambda w: w.listed_key, reverse=True):
        if left <= 0:
            break
        part = min(left, write_off.left)
        if part <= 0:
            continue
        again = Reinstatement(part, on, payment_id)
        changed.append(replace(write_off, reinstatements=(*write_off.reinstatements, again)))
        left -= part
    return changed


def small_balance(
    ledger: AccountLedger, served: bool, policy: WriteOffPolicy, today: date
) -> Decimal | None:
    """What the automatic write-off takes off an account (None: nothing): its whole balance,
    when the account is no longer served (final-billed or closed), owes more than nothing and
    at most the small-balance threshold, and its oldest unpaid item is at least the policy's
    days past due."""
    if served or not ZERO < ledger.balance <= policy.small_balance:
        return None
    unpaid = [item.due_on for item in ledger.open_statements if item.owed > 0]
    if not unpaid or min(unpaid) > today - timedelta(days=policy.small_balance_days):
        return None
    return min(ledger.balance, owed(ledger))


def case_after(ladder: Ladder, case: Case, late: PastDue, today: date) -> Case:
    """``case`` after arrears were written off: closed as written off when nothing worth
    following is past due any more, else re-anchored to the oldest item still unpaid."""
    if ended(ladder, late) is not None:
        return close(case, late, today, CaseEnd.WRITTEN_OFF)
    return reanchor(ladder, case, late, today)
