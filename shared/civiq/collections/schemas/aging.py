"""Accounts-receivable aging over the API: the filters and the drill-down asked for, and the
buckets, rows and items answered (amounts are strings of dollars and cents)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from civiq.collections.domain.aging import (
    AgedItem,
    Aging,
    AgingFilter,
    AgingRow,
    Bucket,
    Credit,
    RowKind,
    Tally,
)
from civiq.collections.domain.aging_snapshots import Comparison
from civiq.collections.domain.dunning import CustomerClass
from civiq.collections.services.account_aging import AccountAgingView
from civiq.collections.services.aging_report import AgingView
from civiq.core.money import dollars as money
from civiq.core.schemas import Cursor, Payload, Request
from civiq.ledger.domain.receivables import FEES, NO_SERVICE, UTILITY

ROUTE = r"^[A-Z0-9-]{1,12}$"
REVENUE_TYPE = r"^[a-z][a-z0-9-]{1,63}$"
CUSTOMER_ID = r"^[0-9A-Z]{26}$"


class Department(StrEnum):
    UTILITY = UTILITY
    FEES = FEES


class Service(StrEnum):
    """The charge types (ChargeType), and none."""

    WATER = "water"
    SEWER = "sewer"
    STORMWATER = "stormwater"
    WASTE = "waste"
    MISCELLANEOUS = "miscellaneous"
    NONE = NO_SERVICE


class AgingQuery(Request):
    as_of: Annotated[
        date | None,
        Field(
            strict=False,
            description="The day the receivables are aged on (default: today, the "
            "municipality's date)",
        ),
    ] = None
    route: Annotated[
        str | None, Field(pattern=ROUTE, description="Of the accounts of this meter-reading route")
    ] = None
    customer_class: Annotated[
        CustomerClass | None,
        Field(
            strict=False,
            description="Of the accounts of this class (told by the type of the property they "
            "serve, as the collection ladders are)",
        ),
    ] = None
    department: Annotated[
        Department | None,
        Field(
            strict=False,
            description="Of what a statement bills for a service (utility), or of fees, "
            "penalties and adjustments (fees)",
        ),
    ] = None
    service: Annotated[
        Service | None,
        Field(
            strict=False,
            description="Of what was billed for this service (none: fees, penalties, adjustments)",
        ),
    ] = None
    revenue_type: Annotated[
        str | None,
        Field(
            pattern=REVENUE_TYPE,
            description="Of this revenue type: a charge type (water) or a rate schedule's own "
            "(fire-protection), a tax (water-tax, fee-tax), a fee (fee-<code>), penalty, "
            "adjustment, refund, returned-payment, deposit, unclassified",
        ),
    ] = None
    by: Annotated[
        RowKind | None,
        Field(
            strict=False,
            description="List who owes: each customer, or each account, with its buckets, most "
            "owed over 120 days first, then most owed",
        ),
    ] = None
    customer_id: Annotated[
        str | None,
        Field(pattern=CUSTOMER_ID, description="With by: only this customer's row, or accounts"),
    ] = None
    limit: Annotated[int, Field(strict=False, ge=1, le=100, description="Rows a page")] = 25
    cursor: Cursor | None = None

    def filters(self) -> AgingFilter:
        return AgingFilter(
            route=self.route,
            customer_class=self.customer_class.value if self.customer_class else None,
            department=self.department.value if self.department else None,
            service=self.service.value if self.service else None,
            revenue_type=self.revenue_type,
        )


class AsOfQuery(Request):
    as_of: Annotated[
        date | None,
        Field(strict=False, description="The day the items are aged on (default: today)"),
    ] = None


class TallyOut(Payload):
    amount: str
    items: int = Field(description="Open items (statements, unbilled items) owing in it")
    accounts: int = Field(description="Accounts whose oldest open item is in it")

    @classmethod
    def of(cls, tally: Tally) -> TallyOut:
        return cls(amount=money(tally.amount), items=tally.items, accounts=tally.accounts)


class BucketOut(TallyOut):
    bucket: Bucket

    @classmethod
    def of_bucket(cls, bucket: Bucket, tally: Tally) -> BucketOut:
        return cls(bucket=bucket, **TallyOut.of(tally).model_dump())


class CreditOut(Payload):
    amount: str = Field(description="What accounts in credit are owed back (not negative aging)")
    accounts: int

    @classmethod
    def of(cls, credit: Credit) -> CreditOut:
        return cls(amount=money(credit.amount), accounts=credit.accounts)


def bucket_list(aging: Aging) -> list[BucketOut]:
    return [BucketOut.of_bucket(b, aging.tally(b)) for b in Bucket]


class ComparisonOut(Payload):
    compared_with: str = Field(description="yesterday, or last-month (the same day a month ago)")
    as_of: date = Field(
        description="The snapshot's day (the nearest earlier when that day had none)"
    )
    buckets: list[BucketOut]
    total: TallyOut
    credit: CreditOut
    change: list[BucketOut] = Field(description="Now less then, bucket by bucket")

    @classmethod
    def of(cls, comparison: Comparison, now: Aging) -> ComparisonOut:
        then = comparison.aging
        return cls(
            compared_with=comparison.label,
            as_of=then.as_of,
            buckets=bucket_list(then),
            total=TallyOut.of(then.total),
            credit=CreditOut.of(then.credit),
            change=[BucketOut.of_bucket(b, _less(now.tally(b), then.tally(b))) for b in Bucket],
        )


def _less(now: Tally, then: Tally) -> Tally:
    return Tally(now.amount - then.amount, now.items - then.items, now.accounts - then.accounts)


class AgingRowOut(Payload):
    kind: RowKind
    id: str = Field(description="The customer's id, or the account's")
    name: str = Field(description="The customer's name (the account's holder)")
    account_number: str | None = Field(description="An account's")
    accounts: int = Field(description="How many of the customer's accounts owe (1: an account)")
    buckets: dict[str, str] = Field(description="Owed in each bucket")
    total: str
    credit: str

    @classmethod
    def of(cls, row: AgingRow) -> AgingRowOut:
        return cls(
            kind=row.kind,
            id=row.row_id,
            name=row.name,
            account_number=row.account_number,
            accounts=row.accounts,
            buckets={b.value: money(row.buckets.get(b, Decimal(0))) for b in Bucket},
            total=money(row.total),
            credit=money(row.credit),
        )


class AgingResponse(Payload):
    as_of: date
    buckets: list[BucketOut]
    total: TallyOut
    credit: CreditOut = Field(description="Accounts in credit (left out when narrowed by revenue)")
    compared: list[ComparisonOut] = Field(
        description="The same figures in the daily snapshots of the day before and of a month "
        "before (for no filter, or one alone)"
    )
    rows: list[AgingRowOut] | None = Field(description="With by: a page of who owes")
    next_cursor: Cursor | None

    @classmethod
    def of(
        cls, view: AgingView, rows: list[AgingRow] | None, next_cursor: str | None
    ) -> AgingResponse:
        aging = view.aging
        return cls(
            as_of=aging.as_of,
            buckets=bucket_list(aging),
            total=TallyOut.of(aging.total),
            credit=CreditOut.of(aging.credit),
            compared=[ComparisonOut.of(c, aging) for c in view.comparisons],
            rows=None if rows is None else [AgingRowOut.of(r) for r in rows],
            next_cursor=next_cursor,
        )


class RevenueOwedOut(Payload):
    department: str
    service: str
    revenue_type: str
    owed: str


class AgedItemOut(Payload):
    id: str = Field(description="The statement's id, or the unbilled item's")
    statement: bool = Field(description="False: an amount owed no statement carries yet")
    due_on: date
    days_past_due: int
    bucket: Bucket
    owed: str
    by_revenue: list[RevenueOwedOut]

    @classmethod
    def of(cls, aged: AgedItem) -> AgedItemOut:
        return cls(
            id=aged.item.statement_id,
            statement=aged.is_statement,
            due_on=aged.item.due_on,
            days_past_due=aged.days_past_due,
            bucket=aged.bucket,
            owed=money(aged.item.owed),
            by_revenue=[
                RevenueOwedOut(
                    department=r.department,
                    service=r.service,
                    revenue_type=r.revenue_type,
                    owed=money(owed),
                )
                for r, owed in sorted(aged.by_revenue.items())
            ],
        )


class AccountAgingResponse(Payload):
    account_id: str
    as_of: date
    items: list[AgedItemOut] = Field(description="Its open items, oldest due first")
    buckets: dict[str, str] = Field(description="Owed in each bucket")
    credit: str

    @classmethod
    def of(cls, view: AccountAgingView) -> AccountAgingResponse:
        owed = {b: Decimal(0) for b in Bucket}
        for aged in view.items:
            owed[aged.bucket] += aged.item.owed
        return cls(
            account_id=view.account_id,
            as_of=view.as_of,
            items=[AgedItemOut.of(a) for a in view.items],
            buckets={b.value: money(a) for b, a in owed.items()},
            credit=money(view.credit),
        )
