"""Aging's rules: the buckets at their day boundaries (leap years included), the cells bucketed
on a day with the credits apart, the filters, the drill-down's order and the snapshot's
figures."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from civiq.collections.domain.aging import (
    AgingFilter,
    Bucket,
    Receivable,
    RowKind,
    aged_items,
    aging_of,
    bucket_of,
    ranked_rows,
)
from civiq.collections.domain.aging_snapshots import a_month_before, compared_days, snapshot_of
from civiq.collections.schemas.aging import Department, Service
from civiq.ledger.domain.journal import OpenStatement, Profile
from civiq.ledger.domain.receivable_cells import (
    ROUTE_FAMILY,
    TYPE_FAMILY,
    RevenueSelection,
    cells_of,
    total,
)
from civiq.ledger.domain.receivables import FEES, NO_SERVICE, UTILITY
from civiq.rates.domain.charges import ChargeType

AS_OF = date(2026, 12, 3)


@pytest.mark.parametrize(
    ("days_late", "bucket"),
    [
        (-5, Bucket.CURRENT),  # not yet due
        (0, Bucket.CURRENT),  # due today
        (1, Bucket.DAYS_1_30),
        (30, Bucket.DAYS_1_30),
        (31, Bucket.DAYS_31_60),
        (60, Bucket.DAYS_31_60),
        (61, Bucket.DAYS_61_90),
        (90, Bucket.DAYS_61_90),
        (91, Bucket.DAYS_91_120),
        (120, Bucket.DAYS_91_120),
        (121, Bucket.OVER_120),
        (3650, Bucket.OVER_120),
    ],
)
def test_an_item_is_in_the_bucket_of_its_days_past_due(days_late: int, bucket: Bucket) -> None:
    assert bucket_of(AS_OF - timedelta(days=days_late), AS_OF) is bucket


def test_days_are_counted_on_the_calendar_leap_days_included() -> None:
    # February 2028 has 29 days: from the 28th, March 29 is 30 days on, March 30 is 31
    assert bucket_of(date(2028, 2, 28), date(2028, 3, 29)) is Bucket.DAYS_1_30
    assert bucket_of(date(2028, 2, 28), date(2028, 3, 30)) is Bucket.DAYS_31_60
    # February 2027 has 28: March 30 is 30 days on
    assert bucket_of(date(2027, 2, 28), date(2027, 3, 30)) is Bucket.DAYS_1_30
    # due on a leap day: 120 days later is June 28
    assert bucket_of(date(2028, 2, 29), date(2028, 6, 28)) is Bucket.DAYS_91_120
    assert bucket_of(date(2028, 2, 29), date(2028, 6, 29)) is Bucket.OVER_120


HOUSE = Profile("R1", "single-family")
SHOP = Profile("R2", "commercial")


def item(statement_id: str, due_on: date, owed: str, charged: dict[str, str]) -> OpenStatement:
    """An open item; ``charged``: by revenue key."""
    charges = tuple(sorted((key, D(amount)) for key, amount in charged.items()))
    return OpenStatement(statement_id, due_on, D(owed), charges)


def two_accounts() -> list[tuple[Profile, list[OpenStatement], D]]:
    return [
        (
            HOUSE,
            [
                item(
                    "S1",
                    date(2026, 7, 20),
                    "30.00",
                    {"water/water": "60.00", "sewer/sewer": "40.00"},
                ),
                item("S2", date(2026, 11, 20), "50.00", {"water/water": "50.00"}),
            ],
            D(0),
        ),
        (
            SHOP,
            [item("T1", date(2026, 12, 10), "80.00", {"sewer/sewer": "80.00"})],
            D("15"),
        ),
        (SHOP, [], D("5.00")),
    ]


def cells(family: str) -> list[tuple[object, dict[str, int]]]:
    every = total(cells_of(items, credit, profile) for profile, items, credit in two_accounts())
    return [(k, f) for k, f in every.items() if k.family == family]


def test_cells_bucket_on_the_day_asked_with_the_credits_apart() -> None:
    aging = aging_of(cells(TYPE_FAMILY), RevenueSelection(), AS_OF)

    assert {b: (t.amount, t.items, t.accounts) for b, t in aging.buckets.items() if t.items} == {
        Bucket.CURRENT: (D("80.00"), 1, 1),
        Bucket.DAYS_1_30: (D("50.00"), 1, 0),
        Bucket.OVER_120: (D("30.00"), 1, 1),
    }
    assert (aging.credit.amount, aging.credit.accounts) == (D("20.00"), 2)
    assert aging.total.amount == D("160.00")
    sewer = aging_of(cells(TYPE_FAMILY), RevenueSelection(revenue_type="sewer"), AS_OF)
    assert sewer.tally(Bucket.OVER_120).amount == D("12.00")  # 30.00 at 60:40
    assert sewer.credit.amount == D(0)  # a credit is of no revenue
    by_route = aging_of(cells(ROUTE_FAMILY), RevenueSelection(), AS_OF)
    assert by_route == aging


def test_a_filter_says_what_a_snapshot_keeps_of_it() -> None:
    assert AgingFilter().narrowed_by is None
    assert AgingFilter(route="R1").narrowed_by == "route=R1"
    assert AgingFilter(service="water").narrowed_by == "service=water"
    assert AgingFilter(route="R1", service="water").narrowed_by == "+"
    assert AgingFilter(route="R1", customer_class="residential").accounts.group_prefix == "R1#"
    assert AgingFilter(customer_class="residential").accounts.family == TYPE_FAMILY


def test_a_snapshot_keeps_the_aging_of_each_filter_value_alone() -> None:
    snapshot = snapshot_of(AS_OF, cells(TYPE_FAMILY), cells(ROUTE_FAMILY))

    assert set(snapshot.figures) == {
        "",
        "customer_class=commercial",
        "customer_class=residential",
        "route=R1",
        "route=R2",
        "department=utility",
        "service=sewer",
        "service=water",
        "revenue_type=sewer",
        "revenue_type=water",
    }
    assert snapshot.figures["route=R2"].credit.amount == D("20.00")
    water = snapshot.of(AgingFilter(service="water"))
    assert water is not None and water.total.amount == D("68.00")  # 18.00 + 50.00
    none = snapshot.of(AgingFilter(service="waste"))
    assert none is not None and none.total.amount == D(0)  # nothing of it that day
    assert snapshot.of(AgingFilter(route="R1", service="water")) is None


def test_a_report_is_compared_with_the_day_before_and_the_same_day_a_month_before() -> None:
    assert compared_days(date(2026, 12, 3)) == (
        ("yesterday", date(2026, 12, 2)),
        ("last-month", date(2026, 11, 3)),
    )
    assert a_month_before(date(2026, 3, 31)) == date(2026, 2, 28)
    assert a_month_before(date(2028, 3, 31)) == date(2028, 2, 29)
    assert a_month_before(date(2027, 1, 15)) == date(2026, 12, 15)


def receivable(
    account_id: str, customer: str, profile: Profile, *items: OpenStatement
) -> Receivable:
    return Receivable(
        account_id, f"UB{account_id}", customer, f"Name {customer}", profile, items, D(0)
    )


def test_the_drill_down_ranks_most_overdue_then_most_owed() -> None:
    receivables = [
        receivable(
            "A1", "C1", HOUSE, item("a", date(2026, 11, 1), "500.00", {"water/water": "500"})
        ),
        receivable("A2", "C2", HOUSE, item("b", date(2026, 7, 1), "10.00", {"water/water": "10"})),
        receivable("A3", "C2", SHOP, item("c", date(2026, 6, 1), "20.00", {"sewer/sewer": "20"})),
        receivable(
            "A4", "C3", HOUSE, item("d", date(2026, 12, 1), "900.00", {"water/water": "900"})
        ),
        receivable("A5", "C4", HOUSE),  # in credit only: owes nothing
    ]

    accounts = ranked_rows(receivables, RowKind.ACCOUNT, AgingFilter(), AS_OF)
    customers = ranked_rows(receivables, RowKind.CUSTOMER, AgingFilter(), AS_OF)
    people = ranked_rows(
        receivables, RowKind.ACCOUNT, AgingFilter(customer_class="residential"), AS_OF
    )

    assert [r.row_id for r in accounts] == ["A3", "A2", "A4", "A1"]
    assert [(r.row_id, r.accounts, r.buckets[Bucket.OVER_120]) for r in customers] == [
        ("C2", 2, D("30.00")),
        ("C3", 1, D(0)),
        ("C1", 1, D(0)),
    ]
    assert [r.row_id for r in people] == ["A2", "A4", "A1"]
    assert [
        r.row_id for r in ranked_rows(receivables, RowKind.ACCOUNT, AgingFilter(), AS_OF, "C2")
    ] == [
        "A3",
        "A2",
    ]


def test_an_accounts_items_are_aged_oldest_first_with_what_each_owes_by_revenue() -> None:
    aged = aged_items(
        [
            item("unbilled:F", AS_OF, "45.00", {"none/fee-dishonoured-payment": "45.00"}),
            item(
                "S1", date(2026, 7, 20), "30.00", {"water/water": "60.00", "sewer/sewer": "40.00"}
            ),
        ],
        AS_OF,
    )

    assert [(a.item.statement_id, a.bucket, a.days_past_due) for a in aged] == [
        ("S1", Bucket.OVER_120, 136),
        ("unbilled:F", Bucket.CURRENT, 0),
    ]
    assert {r.key: v for r, v in aged[0].by_revenue.items()} == {
        "water/water": D("18.00"),
        "sewer/sewer": D("12.00"),
    }
    assert [a.is_statement for a in aged] == [True, False]


def test_the_api_offers_every_service_and_department_the_receivables_have() -> None:
    assert {s.value for s in Service} == {t.value for t in ChargeType} | {NO_SERVICE}
    assert {d.value for d in Department} == {UTILITY, FEES}
