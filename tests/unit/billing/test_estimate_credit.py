"""An over-estimate trued up by an actual read is credited, at the rates the estimate was billed
at, on lines of their own: the resident's balance ends where the actual use puts it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest

from civiq.billing.domain.billing import ESTIMATE_CREDIT, BillingRequest
from civiq.billing.domain.statements import Statement, StatementKind
from civiq.metering.domain.metering import ReadStatus, ReviewDecision
from tests.helpers.billing_world import SCHEDULE, BillingWorld
from tests.helpers.metering_world import CLERK

NEXT_PERIOD_END = date(2027, 1, 31)


@pytest.fixture
def world() -> BillingWorld:
    return BillingWorld()


def over_estimated(
    world: BillingWorld, actual: str, *, read_with_the_account: bool = False
) -> tuple[Statement, Statement]:
    """An account billed on an estimate for October-November 2026 (no read came), then on the
    actual read of January 31, 2027 (``actual``; accepted by staff when flagged); the two
    statements. The second is billed as a cycle's batch bills it when
    ``read_with_the_account`` (from the latest statement read with the account)."""
    account = world.account()
    meter = world.meter(world.properties.get(account.property_id))
    for on, value in [("2026-03-31", "60"), ("2026-05-31", "80"), ("2026-07-31", "100")]:
        world.read(meter, on, value)
    world.read(meter, "2026-09-30", "120")
    run = world.run()
    first = world.bill_account(account.account_id, run.request(), SCHEDULE)
    world.clock.advance(
        seconds=(datetime(2027, 2, 3, 15, tzinfo=UTC) - world.clock.now()).total_seconds()
    )
    read = world.read(meter, NEXT_PERIOD_END.isoformat(), actual)
    if read.status is ReadStatus.PENDING_REVIEW:
        world.review(
            meter.meter_id, NEXT_PERIOD_END, ReviewDecision.ACCEPT, None, "checked", CLERK, "c"
        )
    request = BillingRequest(
        kind=StatementKind.REGULAR,
        cycle_id="residential-a",
        run_id="run-2027-01",
        period_start=date(2026, 11, 30),
        period_end=NEXT_PERIOD_END,
        read_until=date(2027, 2, 5),
        issued_on=date(2027, 2, 3),
        due_on=date(2027, 2, 24),
    )
    on_file = (
        world.bill_batch.on_file.several([account.account_id])[account.account_id]
        if read_with_the_account
        else None
    )
    second = world.bill_account(account.account_id, request, SCHEDULE, on_file)
    return (
        world.statements.get(account.account_id, first.statement_id or ""),
        world.statements.get(account.account_id, second.statement_id or ""),
    )


def test_an_over_estimate_is_credited_at_the_rates_it_was_billed_at(world: BillingWorld) -> None:
    estimated, trued_up = over_estimated(world, "124")

    # The estimate: 7.298 m3 to 127.298 on Nov. 30. Water 2.00/m3, sewer 80% of water use:
    # 7.298 x 2.00 = 14.596 -> 14.60; sewer 80% x 14.60 = 11.68
    assert estimated.estimated and estimated.reads[0].volume == D("7.298")
    assert [line.amount for line in estimated.bill.lines][1:] == [D("14.60"), D("11.68")]
    # The actual read, 124 on Jan. 31: 4.000 m3 since the Sept. 30 read, 3.298 m3 fewer than
    # the estimate billed. That period at 4.000 m3: water 8.00, sewer 80% x 8.00 = 6.40, so
    # the credit is water 14.60 - 8.00 = 6.60 and sewer 11.68 - 6.40 = 5.28.
    credits = [line for line in trued_up.bill.lines if line.kind == ESTIMATE_CREDIT]
    assert [(c.charge_type.value, c.quantity, c.amount) for c in credits] == [
        ("water", D("-3.298"), D("-6.60")),
        ("sewer", D("-3.298"), D("-5.28")),
    ]
    # This period bills no volume (the read is below what was billed) but its fixed charge:
    # 120.00 x 62/365 = 20.38; less the credit of 11.88: 8.50
    assert trued_up.reads[0].volume == D("0.000")
    assert trued_up.bill.total == D("20.38") - D("11.88") == D("8.50")
    # What the two statements charged is what 4.000 m3 costs with two fixed charges:
    # 20.05 + 8.00 + 6.40 + 20.38 = 54.83
    assert estimated.bill.total + trued_up.bill.total == D("54.83")
    assert world.balances.balance_of(trued_up.account_id).amount == D("54.83")


def test_a_cycle_credits_an_over_estimate_as_it_is_credited_from_the_statements(
    world: BillingWorld,
) -> None:
    _, from_the_statements = over_estimated(BillingWorld(), "124")
    _, in_a_cycle = over_estimated(world, "124", read_with_the_account=True)

    assert in_a_cycle.bill == from_the_statements.bill
    assert any(line.kind == ESTIMATE_CREDIT for line in in_a_cycle.bill.lines)


def test_an_actual_read_above_the_estimate_bills_the_rest_without_a_credit(
    world: BillingWorld,
) -> None:
    _, trued_up = over_estimated(world, "140")

    # 20.000 m3 since Sept. 30, 7.298 billed: 12.702 m3 now, nothing credited
    assert trued_up.reads[0].volume == D("12.702")
    assert not [line for line in trued_up.bill.lines if line.kind == ESTIMATE_CREDIT]
