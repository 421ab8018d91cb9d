"""Aging, against the in-memory fakes (which compute every figure from the ledger's open items)
and DynamoDB (whose cells the postings keep): the same receivables age the same, by bucket,
filter and drill-down, through statements, partial payments over several statements, a
dishonoured cheque and its fee, penalties, a refund beyond the credit and an adjustment; on
DynamoDB the cells then equal a computation from scratch, a rebuild writes nothing, and one
repairs cells made wrong."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import boto3
import pytest

from civiq.collections.domain.aging import AgingFilter, Bucket, RowKind
from civiq.core.errors import NotFound
from civiq.ledger.domain.receivable_cells import ROUTE_FAMILY, TYPE_FAMILY
from tests.helpers.aging import (
    TODAY,
    AgingWorld,
    aging_world,
    portfolio,
    stored_cells,
    unsettled,
)
from tests.helpers.emulator import REGION, TABLE
from tests.helpers.stores import Stores


@pytest.fixture
def world(stores: Stores) -> AgingWorld:
    return aging_world(stores)


EVERYTHING = AgingFilter()


def amounts(
    world: AgingWorld, filters: AgingFilter = EVERYTHING, as_of: date = TODAY
) -> dict[str, str]:
    aging = world.report()(filters, as_of).aging
    return {b.value: f"{aging.tally(b).amount:.2f}" for b in Bucket if aging.tally(b).amount}


def counts(world: AgingWorld, filters: AgingFilter = EVERYTHING) -> dict[str, tuple[int, int]]:
    aging = world.report()(filters, TODAY).aging
    return {
        b.value: (aging.tally(b).items, aging.tally(b).accounts)
        for b in Bucket
        if aging.tally(b).items or aging.tally(b).accounts
    }


def test_partial_payments_age_by_each_statement_due_date(world: AgingWorld) -> None:
    portfolio(world)

    assert amounts(world) == {
        "1-30": "50.00",
        "31-60": "45.00",
        "61-90": "61.30",
        "120+": "30.00",
    }
    # every account owing counted once, in the bucket of its oldest item
    assert counts(world) == {"1-30": (1, 0), "31-60": (1, 1), "61-90": (1, 0), "120+": (1, 1)}
    credit = world.report()(AgingFilter(), TODAY).aging.credit
    assert (credit.amount, credit.accounts) == (D("20.00"), 1)  # apart, never negative aging
    # what is left of the oldest statement is water and sewer pro rata (60:40)
    assert amounts(world, AgingFilter(service="water")) == {
        "1-30": "50.00",
        "61-90": "30.00",
        "120+": "18.00",
    }
    assert amounts(world, AgingFilter(revenue_type="sewer")) == {"120+": "12.00"}
    assert amounts(world, AgingFilter(revenue_type="miscellaneous-tax")) == {"61-90": "1.30"}
    assert counts(world, AgingFilter(service="water")) == {
        "1-30": (1, 0),
        "61-90": (1, 0),
        "120+": (1, 1),
    }


def test_the_filters_narrow_by_who_owes_and_what_for(world: AgingWorld) -> None:
    portfolio(world)

    shop = AgingFilter(customer_class="commercial")
    assert amounts(world, shop) == {"31-60": "45.00"}
    assert amounts(world, AgingFilter(route="R2")) == amounts(world, shop)
    assert amounts(world, AgingFilter(route="R2", customer_class="residential")) == {}
    assert amounts(world, AgingFilter(route="1", customer_class="residential")) == {
        "1-30": "50.00",
        "61-90": "61.30",
        "120+": "30.00",
    }
    assert world.report()(shop, TODAY).aging.credit.amount == D("20.00")
    assert amounts(world, AgingFilter(department="fees")) == {}
    # a revenue type belongs to one service, a service to one department
    assert amounts(world, AgingFilter(department="utility", revenue_type="sewer")) == {
        "120+": "12.00"
    }
    assert amounts(world, AgingFilter(department="fees", service="water")) == {}
    assert counts(world, AgingFilter(department="fees", service="water")) == {}


def test_every_posting_that_moves_what_is_owed_moves_the_aging(world: AgingWorld) -> None:
    unsettled(portfolio(world))

    assert amounts(world) == {
        "current": "67.00",  # the cheque's fee 45.00, the adjustment 12.00, the refund 10.00
        "1-30": "55.00",  # 50.00 + its 5.00 penalty
        "31-60": "50.00",
        "61-90": "66.30",
        "120+": "105.00",  # re-opened by the dishonoured cheque, and its penalty
    }
    assert counts(world) == {
        "current": (3, 1),
        "1-30": (1, 0),
        "31-60": (1, 1),
        "61-90": (1, 0),
        "120+": (1, 1),
    }
    assert world.report()(AgingFilter(), TODAY).aging.credit.accounts == 0
    # the fee department: fees, penalties (aged with the statement they penalize), the refund
    assert amounts(world, AgingFilter(department="fees")) == {
        "current": "67.00",
        "1-30": "5.00",
        "31-60": "5.00",
        "61-90": "5.00",
        "120+": "5.00",
    }
    assert counts(world, AgingFilter(revenue_type="penalty")) == {
        "1-30": (1, 0),
        "31-60": (1, 1),
        "61-90": (1, 0),
        "120+": (1, 1),
    }
    assert amounts(world, AgingFilter(revenue_type="fee-dishonoured-payment")) == {
        "current": "45.00"
    }
    assert amounts(world, AgingFilter(revenue_type="refund")) == {"current": "10.00"}
    assert amounts(world, AgingFilter(revenue_type="adjustment")) == {"current": "12.00"}


def test_the_same_items_age_into_later_buckets_on_later_days(world: AgingWorld) -> None:
    portfolio(world)

    assert amounts(world, as_of=date(2026, 7, 20)) == {"current": "186.30"}
    assert amounts(world, as_of=date(2027, 3, 20)) == {
        "91-120": "50.00",  # due 2026-11-20: 120 days
        "120+": "136.30",
    }


def test_the_drill_down_ranks_who_owes_most_overdue_first(world: AgingWorld) -> None:
    world_portfolio = unsettled(portfolio(world))
    drill = world.drill_down()

    customers = drill(RowKind.CUSTOMER, AgingFilter(), as_of=TODAY).items
    assert [(r.name, f"{r.total:.2f}", r.accounts) for r in customers] == [
        ("Chloé Côté", "283.30", 1),
        ("Boulangerie Laval", "60.00", 2),
    ]
    first = drill(RowKind.ACCOUNT, AgingFilter(), as_of=TODAY, limit=2)
    assert [r.row_id for r in first.items] == [
        world_portfolio.person.account_id,
        world_portfolio.shop_annex.account_id,
    ]
    assert first.items[0].buckets[Bucket.OVER_120] == D("105.00")
    rest = drill(RowKind.ACCOUNT, AgingFilter(), as_of=TODAY, limit=2, cursor=first.next_cursor)
    assert [r.row_id for r in rest.items] == [world_portfolio.shop.account_id]
    assert rest.next_cursor is None
    shops = drill(
        RowKind.ACCOUNT,
        AgingFilter(),
        as_of=TODAY,
        customer_id=world_portfolio.shop.holder.customer_id,
    )
    assert [f"{r.total:.2f}" for r in shops.items] == ["50.00", "10.00"]
    penalties = drill(RowKind.ACCOUNT, AgingFilter(revenue_type="penalty"), as_of=TODAY)
    assert [f"{r.total:.2f}" for r in penalties.items] == ["15.00", "5.00"]
    with pytest.raises(NotFound):
        drill(RowKind.ACCOUNT, AgingFilter(), as_of=TODAY, cursor="not-a-cursor")


def test_an_account_lists_its_open_items_aged(world: AgingWorld) -> None:
    person = unsettled(portfolio(world)).person

    view = world.account_aging()(person.account_id, TODAY)

    assert [(a.item.due_on, a.bucket, f"{a.item.owed:.2f}") for a in view.items] == [
        (date(2026, 7, 20), Bucket.OVER_120, "105.00"),
        (date(2026, 9, 20), Bucket.DAYS_61_90, "66.30"),
        (date(2026, 11, 20), Bucket.DAYS_1_30, "55.00"),
        (TODAY, Bucket.CURRENT, "12.00"),  # unbilled:ADJ-1
        (TODAY, Bucket.CURRENT, "45.00"),  # unbilled:P-1-nsf-fee
    ]
    oldest = view.items[0]
    assert {(r.revenue_type, f"{a:.2f}") for r, a in oldest.by_revenue.items()} == {
        ("water", "60.00"),
        ("sewer", "40.00"),
        ("penalty", "5.00"),
    }
    assert [a.is_statement for a in view.items] == [True, True, True, False, False]
    with pytest.raises(NotFound):
        world.account_aging()("01J00000000000000000000000", TODAY)


def test_a_snapshot_is_kept_once_a_day_and_compared_with(world: AgingWorld) -> None:
    portfolio(world)
    yesterday = date(2026, 12, 2)

    first = world.snapshot(yesterday)()
    again = world.snapshot(yesterday)()
    world.adjust(world.books.account, "ADJ-2", "8.00")

    assert (first.kept, again.kept) == (True, False)
    view = world.report()(AgingFilter(), TODAY)
    # no snapshot a month before or earlier yet: compared with yesterday's alone
    assert [(c.label, c.aging.as_of) for c in view.comparisons] == [("yesterday", yesterday)]
    then = view.comparisons[0].aging
    assert then.tally(Bucket.CURRENT).amount == D(0)  # as of its day: nothing due then
    assert view.aging.tally(Bucket.CURRENT).amount == D("8.00")
    water = world.report()(AgingFilter(service="water"), TODAY)
    assert water.comparisons[0].aging.tally(Bucket.OVER_120).amount == D("18.00")
    several = world.report()(AgingFilter(service="water", route="1"), TODAY)
    assert several.comparisons == ()  # a snapshot keeps each filter alone


def test_the_cells_equal_the_ledger_and_a_rebuild_repairs_them(world: AgingWorld) -> None:
    unsettled(portfolio(world))

    assert world.check()().sound
    assert world.rebuild()().cells == 0  # nothing to change
    if world.memory:
        return
    table = boto3.client("dynamodb", region_name=REGION)
    stored = stored_cells(TYPE_FAMILY)
    broken = stored[0]
    table.update_item(
        TableName=TABLE,
        Key={"PK": broken["PK"], "SK": broken["SK"]},
        UpdateExpression="ADD n :one",
        ExpressionAttributeValues={":one": {"N": "3"}},
    )
    table.put_item(
        TableName=TABLE,
        Item={"PK": broken["PK"], "SK": {"S": "single-family#2020-01-01#3"}, "n": {"N": "1"}},
    )
    assert not world.check()().sound

    rebuilt = world.rebuild()()

    assert rebuilt.cells > 0  # the summary of the broken cells written, its cells deleted
    assert world.check()().sound
    assert world.rebuild()().cells == 0


def test_a_fold_moves_the_days_cells_into_the_summaries_and_the_report_is_unchanged(
    world: AgingWorld,
) -> None:
    unsettled(portfolio(world))
    before = [amounts(world), counts(world), amounts(world, AgingFilter(route="R2"))]
    written = 0 if world.memory else len(live_cells())

    folded = world.snapshot(TODAY)().folded
    world.pay(world.books.account, "P-9", "40.00")  # a cell made anew after the fold
    again = world.snapshot(TODAY)().folded

    assert folded == written  # every cell (in memory: none kept)
    assert world.memory or written >= 10
    assert again == (0 if world.memory else 2)  # the paid statement's, in each family
    after = amounts(world)
    assert after["120+"] == "65.00"  # 105.00 less the 40.00 paid
    assert dict(after, **{"120+": "105.00"}) == before[0]
    assert [counts(world), amounts(world, AgingFilter(route="R2"))] == before[1:]
    assert world.check()().sound
    assert world.rebuild()().cells == 0


def live_cells() -> list[object]:
    return [*stored_cells(TYPE_FAMILY), *stored_cells(ROUTE_FAMILY)]
