"""Accounts-receivable aging: what is owed, by how long past its due date it is on a day.

Every open item (a statement, or an amount owed that no statement carries yet: a fee, an
adjustment, a payment taken back) is aged by its own due date on the day asked for (``as_of``):
*current* up to and including its due date, then 1-30, 31-60, 61-90, 91-120 and more than 120
days past due. A penalty is owed on the statement it penalizes and ages with it. An account in
credit owes nothing: its credit is reported apart, never as a negative amount owed.

The report is narrowed by who owes (the account's route; its customer class: residential,
commercial or institutional, told by the type of the property it serves as the dunning ladders
are, :func:`civiq.collections.domain.dunning.customer_class_of`) and by what for (the
department, the service, the revenue type: :mod:`civiq.ledger.domain.receivables`). It adds up
the aging cells (:mod:`civiq.ledger.domain.receivable_cells`), which the postings keep; the
drill-down ranks the accounts (or their holders, the customers) that owe, by what they owe
more than 120 days past due and then by all they owe.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from civiq.accounts.domain.properties import PropertyType
from civiq.collections.domain.dunning import customer_class_of
from civiq.core.money import Money
from civiq.ledger.domain.journal import OpenStatement, Profile, is_statement
from civiq.ledger.domain.receivable_cells import (
    CREDIT,
    CREDITORS,
    AccountSelection,
    CellKey,
    RevenueSelection,
    owed_in,
)
from civiq.ledger.domain.receivables import Revenue, owed_by_revenue
from civiq.reporting.domain.dashboard import days_past_due

ZERO = Decimal(0)
SEVERAL = "+"  # what a filter of several dimensions narrows by


class Bucket(StrEnum):
    CURRENT = "current"
    DAYS_1_30 = "1-30"
    DAYS_31_60 = "31-60"
    DAYS_61_90 = "61-90"
    DAYS_91_120 = "91-120"
    OVER_120 = "120+"


BUCKET_ENDS = (
    (0, Bucket.CURRENT),
    (30, Bucket.DAYS_1_30),
    (60, Bucket.DAYS_31_60),
    (90, Bucket.DAYS_61_90),
    (120, Bucket.DAYS_91_120),
)


def bucket_of(due_on: date, as_of: date) -> Bucket:
    days = days_past_due(due_on, as_of)
    return next((bucket for last, bucket in BUCKET_ENDS if days <= last), Bucket.OVER_120)


@dataclass(frozen=True, slots=True)
class AgingFilter:
    """Which receivables: of a route and/or a customer class (who owes), of a department, a
    service and/or a revenue type (what for); each optional."""

    route: str | None = None
    customer_class: str | None = None
    department: str | None = None
    service: str | None = None
    revenue_type: str | None = None

    @property
    def accounts(self) -> AccountSelection:
        types = None if self.customer_class is None else property_types_of(self.customer_class)
        return AccountSelection(self.route, types)

    @property
    def revenue(self) -> RevenueSelection:
        return RevenueSelection(self.department, self.service, self.revenue_type)

    @property
    def narrowed_by(self) -> str | None:
        """What it narrows by, as ``name=value`` (None: nothing; SEVERAL: more than one):
        what a snapshot keeps figures of."""
        named = [
            f"{name}={value}"
            for name, value in (
                ("route", self.route),
                ("customer_class", self.customer_class),
                ("department", self.department),
                ("service", self.service),
                ("revenue_type", self.revenue_type),
            )
            if value is not None
        ]
        return None if not named else named[0] if len(named) == 1 else SEVERAL


def property_types_of(customer_class: str) -> frozenset[str]:
    """The property types of a customer class."""
    return frozenset(t.value for t in PropertyType if customer_class_of(t.value) == customer_class)


@dataclass(frozen=True, slots=True)
class Tally:
    """An amount owed, over how many items and accounts (each account counted once: in the
    bucket of its oldest item)."""

    amount: Decimal = ZERO
    items: int = 0
    accounts: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.amount + other.amount, self.items + other.items, self.accounts + other.accounts
        )


@dataclass(frozen=True, slots=True)
class Credit:
    """Accounts in credit: how much they are owed back, and how many they are."""

    amount: Decimal = ZERO
    accounts: int = 0

    def __add__(self, other: Credit) -> Credit:
        return Credit(self.amount + other.amount, self.accounts + other.accounts)


@dataclass(frozen=True, slots=True)
class Aging:
    """The receivables in each bucket on ``as_of``, and the credits."""

    as_of: date
    buckets: Mapping[Bucket, Tally]
    credit: Credit = Credit()

    @property
    def total(self) -> Tally:
        return sum((self.tally(b) for b in Bucket), Tally())

    def tally(self, bucket: Bucket) -> Tally:
        return self.buckets.get(bucket, Tally())


def _dollars(cents: int) -> Decimal:
    return Money.from_cents(cents).amount


def aging_of(
    cells: Iterable[tuple[CellKey, Mapping[str, int]]], revenue: RevenueSelection, as_of: date
) -> Aging:
    """The cells (of one account selection, every shard) bucketed on ``as_of``."""
    buckets: dict[Bucket, Tally] = defaultdict(Tally)
    credit = Credit()
    for key, figures in cells:
        if key.due_on is None:
            if not revenue.named():
                credit += Credit(_dollars(figures.get(CREDIT, 0)), figures.get(CREDITORS, 0))
            continue
        bucket = bucket_of(key.due_on, as_of)
        buckets[bucket] += Tally(
            _dollars(revenue.amount(figures)), revenue.items(figures), revenue.accounts(figures)
        )
    return Aging(as_of, {b: buckets[b] for b in Bucket}, credit)


# ------------------------------------------------------------------ drill-down


@dataclass(frozen=True, slots=True)
class Receivable:
    """An account that owes or is in credit, as the receivables index lists it."""

    account_id: str
    account_number: str
    customer_id: str
    customer_name: str
    profile: Profile  # what its receivables are counted under
    items: tuple[OpenStatement, ...]
    credit: Decimal


class RowKind(StrEnum):
    CUSTOMER = "customer"
    ACCOUNT = "account"


@dataclass(frozen=True, slots=True)
class AgingRow:
    """A customer's, or an account's, receivables by bucket."""

    kind: RowKind
    row_id: str  # the customer's id, or the account's
    name: str  # the customer's name (of the account's holder)
    account_number: str | None  # an account's
    accounts: int  # how many of its accounts owe (1 for an account)
    buckets: Mapping[Bucket, Decimal]
    credit: Decimal

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)

    @property
    def rank(self) -> tuple[Decimal, Decimal, str]:
        """The drill-down's order, most first: owed over 120 days, then all owed, then id."""
        return (-self.buckets.get(Bucket.OVER_120, ZERO), -self.total, self.row_id)


def _row(
    kind: RowKind, row_id: str, owing: Sequence[Receivable], filters: AgingFilter, as_of: date
) -> AgingRow:
    buckets: dict[Bucket, Decimal] = {b: ZERO for b in Bucket}
    for receivable in owing:
        for item in receivable.items:
            buckets[bucket_of(item.due_on, as_of)] += owed_in(item, filters.revenue)
    first = owing[0]
    credit = sum((r.credit for r in owing), ZERO) if not filters.revenue.named() else ZERO
    return AgingRow(
        kind,
        row_id,
        first.customer_name,
        first.account_number if kind is RowKind.ACCOUNT else None,
        len(owing),
        buckets,
        credit,
    )


def ranked_rows(
    receivables: Iterable[Receivable],
    kind: RowKind,
    filters: AgingFilter,
    as_of: date,
    customer_id: str | None = None,
) -> list[AgingRow]:
    """The rows of ``kind`` of the receivables ``filters`` selects (of ``customer_id``'s
    accounts alone, when given) that owe something, in the drill-down's order."""
    grouped: dict[str, list[Receivable]] = defaultdict(list)
    for receivable in receivables:
        if not filters.accounts.holds(receivable.profile):
            continue
        if customer_id is not None and receivable.customer_id != customer_id:
            continue
        row_id = receivable.customer_id if kind is RowKind.CUSTOMER else receivable.account_id
        grouped[row_id].append(receivable)
    rows = [_row(kind, row_id, owing, filters, as_of) for row_id, owing in grouped.items()]
    return sorted((r for r in rows if r.total > 0), key=lambda r: r.rank)


@dataclass(frozen=True, slots=True)
class AgedItem:
    """One open item of an account, aged: what it owes, by revenue, in its bucket."""

    item: OpenStatement
    bucket: Bucket
    days_past_due: int
    by_revenue: Mapping[Revenue, Decimal] = field(default_factory=dict)

    @property
    def is_statement(self) -> bool:
        return is_statement(self.item.statement_id)


def aged_items(items: Iterable[OpenStatement], as_of: date) -> list[AgedItem]:
    """An account's open items, oldest due first, each aged on ``as_of``."""
    return [
        AgedItem(
            item,
            bucket_of(item.due_on, as_of),
            days_past_due(item.due_on, as_of),
            {Revenue.of_key(k): a for k, a in owed_by_revenue(item.owed, item.charged).items()},
        )
        for item in sorted(items, key=lambda s: (s.due_on, s.statement_id))
    ]
