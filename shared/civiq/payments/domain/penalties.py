"""Late-payment penalties: what a statement still unpaid after its due date (and a grace period)
costs, under the municipality's policy.

A scheduled job assesses each open statement once it is overdue, on what the statement still
owes at that moment, and posts the result as a ``penalty`` ledger entry exactly once per account
and billing period: the posting is guarded by ``penalty:<statement id>``
(:class:`civiq.ledger.domain.journal.Posting`), so a rerun of the job, or a later day's run, never
charges the same statement twice. Penalties do not compound: a monthly percentage is charged
once per statement, not once per month it stays unpaid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from civiq.core.errors import InvalidInput
from civiq.core.money import CENT, RATE_PLACES, Money, to_decimal
from civiq.rates.domain.charges import RatedBill
from civiq.reporting.domain.dashboard import days_past_due

MAX_PERCENT = Decimal(5)
MAX_FEE = Decimal(100)
MAX_MINIMUM = Decimal(100)
MAX_GRACE_DAYS = 60


class PenaltyKind(StrEnum):
    MONTHLY_PERCENT = "monthly-percent"  # ``percent`` of what the statement still owes
    FLAT_FEE = "flat-fee"  # ``fee``, whatever is owed
    # The rate schedule's higher price for payment after the due date: the difference between
    # the statement's amount due after the due date and its amount due by it.
    AFTER_DUE_RATE = "after-due-rate"


@dataclass(frozen=True, slots=True)
class PenaltyPolicy:
    """A municipality's late-payment rule. ``grace_days`` after the due date go unpenalized;
    a statement owing at most ``minimum`` is never penalized (a few cents left unpaid)."""

    kind: PenaltyKind
    percent: Decimal = Decimal(0)  # per month, e.g. 1.25
    fee: Decimal = Decimal(0)
    grace_days: int = 0
    minimum: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        if not Decimal(0) <= self.percent <= MAX_PERCENT:
            raise InvalidInput(f"percent must be from 0 to {MAX_PERCENT}", "percent")
        if self.percent != self.percent.quantize(RATE_PLACES):
            raise InvalidInput("percent has more than 4 decimal places", "percent")
        if self.kind is PenaltyKind.MONTHLY_PERCENT and self.percent == 0:
            raise InvalidInput("a monthly-percent penalty needs a percent above 0", "percent")
        _check_dollars(self.fee, MAX_FEE, "fee")
        if self.kind is PenaltyKind.FLAT_FEE and self.fee == 0:
            raise InvalidInput("a flat-fee penalty needs a fee above 0", "fee")
        if not 0 <= self.grace_days <= MAX_GRACE_DAYS:
            raise InvalidInput(f"grace_days must be from 0 to {MAX_GRACE_DAYS}", "grace_days")
        _check_dollars(self.minimum, MAX_MINIMUM, "minimum")

    @classmethod
    def parse(
        cls,
        *,
        kind: str,
        percent: str | int | Decimal = 0,
        fee: str | int | Decimal = 0,
        grace_days: str | int = 0,
        minimum: str | int | Decimal = 0,
    ) -> PenaltyPolicy:
        """The policy from settings as configured (strings or numbers, never floats); every
        invalid value is reported with the name of its setting."""
        try:
            policy_kind = PenaltyKind(kind)
        except ValueError:
            known = ", ".join(k.value for k in PenaltyKind)
            raise InvalidInput(f"kind must be one of {known}", "kind") from None
        return cls(
            kind=policy_kind,
            percent=_decimal(percent, "percent"),
            fee=_decimal(fee, "fee"),
            grace_days=_whole_number(grace_days, "grace_days"),
            minimum=_decimal(minimum, "minimum"),
        )


def _decimal(value: str | int | Decimal, field: str) -> Decimal:
    try:
        return to_decimal(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{field} must be a decimal number", field) from None


def _whole_number(value: str | int, field: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value)
    raise InvalidInput(f"{field} must be a whole number of days", field)


def _check_dollars(amount: Decimal, most: Decimal, field: str) -> None:
    if not Decimal(0) <= amount <= most:
        raise InvalidInput(f"{field} must be from 0 to {most}", field)
    if amount != amount.quantize(CENT):
        raise InvalidInput(f"{field} is in dollars and cents", field)


def after_due_extra(bill: RatedBill) -> Decimal:
    """What paying ``bill`` after its due date adds (0 when its schedule has no such rate):
    what the statement prints as due after the due date, less what it prints as due by it."""
    if bill.total_after_due is None:
        return Decimal(0)
    return max(bill.total_after_due - bill.total, Decimal(0))


def assess(
    policy: PenaltyPolicy,
    *,
    due_on: date,
    owed: Decimal,
    after_due_extra: Decimal,
    today: date,
) -> Decimal | None:
    """The penalty on a statement due on ``due_on`` that still owes ``owed`` on ``today``, or
    None: not overdue yet (up to and including ``grace_days`` after the due date), owing at
    most the policy's minimum, or a penalty that comes to nothing (no after-due rate).
    ``after_due_extra`` is the statement's :func:`after_due_extra`."""
    if days_past_due(due_on, today) <= policy.grace_days or owed <= policy.minimum:
        return None
    if policy.kind is PenaltyKind.MONTHLY_PERCENT:
        amount = Money.of(owed).times(policy.percent / 100)
    elif policy.kind is PenaltyKind.FLAT_FEE:
        amount = Money.of(policy.fee)
    else:
        amount = Money.of(after_due_extra)
    penalty = amount.rounded().amount
    return penalty if penalty > 0 else None


def penalty_reason(policy: PenaltyPolicy, statement_id: str, owed: Decimal) -> str:
    """Why the ledger entry was written, for staff (the resident sees the statement's wording)."""
    overdue = f"{owed:.2f} overdue on statement {statement_id}"
    if policy.kind is PenaltyKind.MONTHLY_PERCENT:
        return f"late payment penalty: {policy.percent.normalize():f}% of {overdue}"
    if policy.kind is PenaltyKind.FLAT_FEE:
        return f"late payment penalty: flat fee on {overdue}"
    return f"late payment penalty: after-due-date rate on {overdue}"
