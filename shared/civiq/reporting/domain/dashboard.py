"""The staff dashboard's figures, read from maintained aggregates (never by adding up every
statement on each request).

Billing totals are kept per issue month (``yyyy-mm``): statements, what they billed (charges and
taxes), each charge type's part, and what was collected. The
outstanding balance and the account counts by status are kept the same way. A statement is past
due from the day after its due date while an amount is still owed on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from civiq.accounts.domain.accounts import AccountStatus
from civiq.billing.domain.cycles import BillingRun, CycleDefinition
from civiq.billing.domain.statements import Statement
from civiq.core.money import Money
from civiq.rates.domain.charges import ChargeType

ZERO = Money.zero()


def month_of(day: date) -> str:
    """The key billing totals are kept under: ``2026-11``."""
    return f"{day:%Y-%m}"


def months_ending(today: date, count: int) -> tuple[str, ...]:
    """The ``count`` months ending with ``today``'s, oldest first."""
    last = today.year * 12 + today.month - 1
    return tuple(f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(last - count + 1, last + 1))


def days_past_due(due_on: date, today: date) -> int:
    """0 up to and including the due date; 1 the day after."""
    return max(0, (today - due_on).days)


@dataclass(frozen=True, slots=True)
class BillingTotals:
    """What statements billed (``billed`` includes ``tax``; ``by_type`` excludes it) and what
    payments collected, over a month or any sum of months."""

    statements: int = 0
    billed: Money = ZERO
    tax: Money = ZERO
    by_type: Mapping[ChargeType, Money] = field(default_factory=dict)
    collected: Money = ZERO

    def charged(self, charge_type: ChargeType) -> Money:
        return self.by_type.get(charge_type, ZERO)

    def __add__(self, other: BillingTotals) -> BillingTotals:
        return BillingTotals(
            statements=self.statements + other.statements,
            billed=self.billed + other.billed,
            tax=self.tax + other.tax,
            by_type={t: self.charged(t) + other.charged(t) for t in ChargeType},
            collected=self.collected + other.collected,
        )


def sum_totals(totals: Iterable[BillingTotals]) -> BillingTotals:
    result = BillingTotals()
    for each in totals:
        result += each
    return result


def month_series(
    months: Sequence[str], totals: Mapping[str, BillingTotals]
) -> tuple[tuple[str, BillingTotals], ...]:
    """Each of ``months`` with its totals; a month nothing was billed in shows zeros."""
    return tuple((month, totals.get(month, BillingTotals())) for month in months)


@dataclass(frozen=True, slots=True)
class Aggregates:
    """Everything the dashboard keeps in one place: billing totals by issue month, the
    outstanding balance, how many accounts have each status, and how many are under a shutoff
    warning."""

    months: Mapping[str, BillingTotals]
    outstanding: Money
    accounts: Mapping[AccountStatus, int]
    shutoff_warned: int = 0  # accounts whose collection case sent a shutoff warning, still open


@dataclass(frozen=True, slots=True)
class OpenStatement:
    """A statement an amount is still owed on, as the delinquency list shows it."""

    account_id: str
    account_number: str
    statement_id: str
    due_on: date
    owed: Money

    def days_past_due(self, today: date) -> int:
        return days_past_due(self.due_on, today)


@dataclass(frozen=True, slots=True)
class PastDue:
    """Statements past due: how many and how much is owed on them."""

    count: int = 0
    owed: Money = ZERO

    def __add__(self, other: PastDue) -> PastDue:
        return PastDue(self.count + other.count, self.owed + other.owed)


@dataclass(frozen=True, slots=True)
class Delinquency:
    past_due: PastDue
    shutoff_warned: int = 0  # accounts under a shutoff warning (their case not closed)


@dataclass(frozen=True, slots=True)
class DashboardSummary:
    as_of: date
    months: tuple[tuple[str, BillingTotals], ...]  # oldest first, ending with this month
    all_time: BillingTotals
    outstanding: Money
    accounts: Mapping[AccountStatus, int]
    delinquency: Delinquency

    @classmethod
    def of(
        cls, aggregates: Aggregates, delinquency: Delinquency, today: date, months: int
    ) -> DashboardSummary:
        return cls(
            as_of=today,
            months=month_series(months_ending(today, months), aggregates.months),
            all_time=sum_totals(aggregates.months.values()),
            outstanding=aggregates.outstanding,
            accounts={s: aggregates.accounts.get(s, 0) for s in AccountStatus},
            delinquency=delinquency,
        )

    @property
    def recent(self) -> BillingTotals:
        """The months of :attr:`months` together (the last twelve, by default)."""
        return sum_totals(totals for _, totals in self.months)

    @property
    def account_total(self) -> int:
        return sum(self.accounts.values())


@dataclass(frozen=True, slots=True)
class StatementTotals:
    """The sums of a list of statements (a page of a run's statements)."""

    statements: int
    new_charges: Money
    total_due: Money

    @classmethod
    def of(cls, statements: Sequence[Statement]) -> StatementTotals:
        return cls(
            len(statements),
            sum((Money(s.bill.total) for s in statements), ZERO),
            sum((Money(s.total_due) for s in statements), ZERO),
        )


@dataclass(frozen=True, slots=True)
class AccountBalance:
    """What an account owes (the ledger's balance; negative is a credit) and its latest
    statement with what is still owed on it."""

    balance: Money
    latest: Statement | None
    latest_owed: Money = ZERO

    def days_past_due(self, today: date) -> int:
        """How late the latest statement is; 0 once nothing is owed on it."""
        if self.latest is None or self.latest_owed.amount <= 0:
            return 0
        return days_past_due(self.latest.due_on, today)


@dataclass(frozen=True, slots=True)
class CycleRuns:
    """A billing cycle with its latest runs (newest first)."""

    cycle: CycleDefinition
    runs: Sequence[BillingRun]
