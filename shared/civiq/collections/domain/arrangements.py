"""Payment arrangements: arrears paid by instalments, within the limits a municipality sets.

An arrangement covers what an account owes past due: a down payment due the day it is made,
then equal instalments (weekly, every two weeks or monthly) of the rest, each with the interest
its period adds at the arrangement's rate on what was still to be paid (simple interest by days,
rounded to the cent per instalment). The first instalments take the cents an even split leaves.

The policy refuses what it does not allow, naming every reason at once: too many instalments,
instalments below the minimum, a down payment below its share, a frequency not offered, a first
instalment too far off, and a debtor who broke too many arrangements lately.

An arrangement is kept while what was paid toward it since it was made covers everything due
up to a grace period ago (partial payments add up, whatever they were meant for); it is missed
from the first instalment that is not covered by its due date plus the grace days, and completed
once everything is paid.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

from civiq.core.errors import FieldError
from civiq.core.money import CENT, Money
from civiq.ledger.domain.journal import AccountLedger, EntryKind, LedgerEntry

ZERO = Decimal(0)
DAYS_A_YEAR = Decimal(365)


class InstalmentFrequency(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


@dataclass(frozen=True)
class ArrangementPolicy:
    """What a municipality allows (its defaults: a year of monthly instalments of at least
    $25, no down payment or interest required, five days' grace, and no new arrangement for a
    debtor who broke two in the last two years)."""

    max_instalments: int = 12
    min_instalment: Decimal = Decimal("25.00")
    min_down_payment_percent: Decimal = ZERO
    interest_percent_per_year: Decimal = ZERO
    frequencies: frozenset[InstalmentFrequency] = frozenset(InstalmentFrequency)
    max_days_to_first_instalment: int = 31
    grace_days: int = 5
    broken_limit: int = 2
    broken_lookback_days: int = 730


@dataclass(frozen=True)
class ArrangementTerms:
    """What a debtor asks for: ``owed`` (the arrears covered) paid as ``down_payment`` on
    ``made_on``, then ``instalments`` payments from ``first_due`` every ``frequency``."""

    owed: Decimal
    down_payment: Decimal
    instalments: int
    frequency: InstalmentFrequency
    first_due: date
    made_on: date


@dataclass(frozen=True)
class Instalment:
    number: int  # from 1 (0: the down payment)
    due_on: date
    principal: Decimal
    interest: Decimal

    @property
    def amount(self) -> Decimal:
        return self.principal + self.interest


class Standing(StrEnum):
    KEPT = "kept"
    MISSED = "missed"
    COMPLETED = "completed"


@dataclass(frozen=True)
class Compliance:
    """Where an arrangement stands as of a day: what was due by then (down payment and the
    instalments past their grace), what was paid toward it, and the first instalment missed."""

    standing: Standing
    due: Decimal
    paid: Decimal
    missed: Instalment | None = None


class ArrangementStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    BROKEN = "broken"


@dataclass(frozen=True)
class Arrangement:
    """An account's arrangement: its terms, its instalments, and how it ended (``ended_on``:
    the day it was completed, or missed past its grace)."""

    arrangement_id: str
    account_id: str
    terms: ArrangementTerms
    instalments: tuple[Instalment, ...]
    made_by: str  # who made it: a clerk, or the resident through the portal
    made_at: datetime
    ledger_head: int  # the account's ledger head when it was made: the entries after it count
    status: ArrangementStatus = ArrangementStatus.ACTIVE
    ended_on: date | None = None

    def check_on(self, grace_days: int, after: date) -> date:
        """The day after ``after`` when it is next checked: the first day past a payment's
        grace (the down payment's, then each instalment's), or past the last one's."""
        grace = timedelta(days=grace_days + 1)
        down = Instalment(0, self.terms.made_on, self.terms.down_payment, ZERO)
        days = [i.due_on + grace for i in (down, *self.instalments)]
        return next((day for day in days if day > after), days[-1])


def arrears(ledger: AccountLedger, today: date) -> Decimal:
    """What the account owes past due today: its open items due before today."""
    return sum((item.owed for item in ledger.open_statements if item.due_on < today), ZERO)


def paid_toward(entries: Iterable[LedgerEntry]) -> list[tuple[date, Decimal]]:
    """What the account paid, by day, in ``entries``: its payments, less what was refunded,
    charged back or dishonoured of them."""
    entries = list(entries)
    payments = {e.entry_id for e in entries if e.kind is EntryKind.PAYMENT}
    return [
        (entry.occurred_at.date(), -entry.amount)
        for entry in entries
        if entry.kind in (EntryKind.PAYMENT, EntryKind.REFUND)
        or (
            entry.kind is EntryKind.REVERSAL
            and (entry.source.kind == "payment" or entry.source.source_id in payments)
        )
    ]


def broken_on(history: Iterable[Arrangement]) -> list[date]:
    """The days the arrangements of ``history`` were broken."""
    return [
        a.ended_on
        for a in history
        if a.status is ArrangementStatus.BROKEN and a.ended_on is not None
    ]


def due_dates(first_due: date, frequency: InstalmentFrequency, count: int) -> list[date]:
    """Every ``frequency`` from ``first_due``; monthly on the same day of the month, or the
    month's last day when it is shorter."""
    if frequency is InstalmentFrequency.MONTHLY:
        return [_months_after(first_due, n) for n in range(count)]
    step = timedelta(days=7 if frequency is InstalmentFrequency.WEEKLY else 14)
    return [first_due + n * step for n in range(count)]


def _months_after(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def instalments(terms: ArrangementTerms, policy: ArrangementPolicy) -> tuple[Instalment, ...]:
    """The instalments of ``terms``: the rest after the down payment in equal parts (the first
    take the leftover cents), each with its period's interest on what was still to be paid."""
    rest = terms.owed - terms.down_payment
    count = terms.instalments
    base = (rest / count).quantize(CENT, rounding=ROUND_DOWN)
    extra_cents = int((rest - base * count) / CENT)
    rate = policy.interest_percent_per_year / 100
    remaining = rest
    since = terms.made_on
    plan = []
    for number, due_on in enumerate(due_dates(terms.first_due, terms.frequency, count), 1):
        principal = base + (CENT if number <= extra_cents else ZERO)
        days = Decimal((due_on - since).days)
        interest = Money(remaining * rate * days / DAYS_A_YEAR).rounded().amount
        plan.append(Instalment(number, due_on, principal, interest))
        remaining -= principal
        since = due_on
    return tuple(plan)


def refusals(
    terms: ArrangementTerms,
    policy: ArrangementPolicy,
    broken_on: Iterable[date] = (),
) -> list[FieldError]:
    """Every reason ``policy`` refuses ``terms`` (none: allowed); ``broken_on``: the days the
    debtor's earlier arrangements were missed."""
    found = []
    if terms.owed <= 0:
        found.append(FieldError("owed", "there are no arrears to arrange"))
    if not ZERO <= terms.down_payment < terms.owed:
        found.append(FieldError("down_payment", "the down payment leaves nothing to arrange"))
    elif (
        terms.down_payment
        < Money(terms.owed * policy.min_down_payment_percent / 100).rounded().amount
    ):
        found.append(
            FieldError(
                "down_payment",
                f"the down payment must be at least {policy.min_down_payment_percent}% of the "
                "arrears",
            )
        )
    rest = terms.owed - terms.down_payment
    if not 1 <= terms.instalments <= policy.max_instalments:
        found.append(
            FieldError("instalments", f"from 1 to {policy.max_instalments} instalments are allowed")
        )
    elif rest > 0 and rest / terms.instalments < policy.min_instalment:
        found.append(
            FieldError(
                "instalments",
                f"each instalment must be at least {policy.min_instalment:.2f}: fewer "
                "instalments are needed",
            )
        )
    if terms.frequency not in policy.frequencies:
        found.append(
            FieldError("frequency", f"{terms.frequency.value} instalments are not offered")
        )
    latest_first = terms.made_on + timedelta(days=policy.max_days_to_first_instalment)
    if not terms.made_on < terms.first_due <= latest_first:
        found.append(
            FieldError(
                "first_due",
                f"the first instalment is due after today and within "
                f"{policy.max_days_to_first_instalment} days",
            )
        )
    since = terms.made_on - timedelta(days=policy.broken_lookback_days)
    broken = sum(1 for day in broken_on if day >= since)
    if broken >= policy.broken_limit:
        found.append(
            FieldError(
                "account",
                f"{broken} arrangements were broken in the last "
                f"{policy.broken_lookback_days} days: a new one needs a supervisor",
            )
        )
    return found


def compliance(
    terms: ArrangementTerms,
    plan: Sequence[Instalment],
    payments: Iterable[tuple[date, Decimal]],
    as_of: date,
    grace_days: int,
) -> Compliance:
    """Where the arrangement stands on ``as_of``: ``payments`` (day received, amount) count
    from the day it was made, whatever they were applied to."""
    paid = sum((amount for day, amount in payments if terms.made_on <= day <= as_of), ZERO)
    total = terms.down_payment + sum((i.amount for i in plan), ZERO)
    if paid >= total:
        return Compliance(Standing.COMPLETED, total, paid)
    grace = timedelta(days=grace_days)
    down = Instalment(0, terms.made_on, terms.down_payment, ZERO)  # due the day it is made
    due = ZERO
    for instalment in (down, *plan):
        if instalment.due_on + grace >= as_of:
            break
        due += instalment.amount
        if paid < due:
            return Compliance(Standing.MISSED, due, paid, instalment)
    return Compliance(Standing.KEPT, due, paid)


def check_key(on: date, account_id: str) -> str:
    """Where an arrangement in force sorts among all of them: by its next check day, then by
    account (the listing's order and cursor)."""
    return f"{on.isoformat()}#{account_id}"
