"""A cycle bills from the account's latest statement, read with the account, instead of a query
of its statements: the balance forward, the consumption chart and an over-estimate's credit come
out as they do from the statements themselves."""

from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import date, timedelta

import pytest

from civiq.billing.domain.billing import BillingRequest
from civiq.billing.domain.statements import StatementKind
from civiq.billing.services.billing import Past
from tests.helpers.billing_world import SCHEDULE, BillingWorld
from tests.helpers.builders import SUPERVISOR

MONTHS = 16  # more than the chart shows, so its oldest point drops off
# in effect from before the first month billed (the world's clock is in December 2026)
SINCE_2025 = replace(
    SCHEDULE, versions=(replace(SCHEDULE.versions[0], effective_from=date(2025, 1, 1)),)
)


@pytest.fixture
def world() -> BillingWorld:
    return BillingWorld()


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def monthly(end: date) -> BillingRequest:
    return BillingRequest(
        kind=StatementKind.REGULAR,
        cycle_id="residential-a",
        run_id=f"run-{end:%Y-%m}",
        period_start=end.replace(day=1),
        period_end=end,
        read_until=end + timedelta(days=3),
        issued_on=end + timedelta(days=3),
        due_on=end + timedelta(days=24),
    )


def same(a: Past, b: Past) -> bool:
    return a.previous == b.previous and a.history == b.history


def test_the_latest_statement_gives_the_past_its_statements_give(world: BillingWorld) -> None:
    account = world.account(started=date(2025, 6, 1))
    meter = world.meter(world.properties.get(account.property_id))
    world.read(meter, "2025-06-01", "100")
    value = 100
    for n in range(MONTHS):
        end = month_end(2025 + (5 + n) // 12, (5 + n) % 12 + 1)
        if n % 5 != 3:  # every fifth month no read comes: the period is estimated
            value += 7 + n % 4
            world.read(meter, end.isoformat(), str(value))
        on_file = world.bill_batch.on_file.several([account.account_id])[account.account_id]
        if n > 0:
            assert on_file.latest is not None
            read_with_the_account = world.bill_account.past(account.account_id, on_file.latest)
            from_the_statements = world.bill_account.past(account.account_id)
            assert same(read_with_the_account, from_the_statements)
        outcome = world.bill_account(account.account_id, monthly(end), SINCE_2025, on_file)
        assert outcome.statement_id is not None

    latest = world.bill_batch.on_file.several([account.account_id])[account.account_id].latest
    assert latest is not None and len(latest.usage_history) == 12
    assert any(point.estimated for point in latest.usage_history)


def test_a_rebill_becomes_the_latest_statement(world: BillingWorld) -> None:
    account = world.account()
    meter = world.meter(world.properties.get(account.property_id))
    world.read(meter, "2026-09-30", "100")
    world.read(meter, "2026-11-30", "130")
    run = world.run()
    billed = world.bill_account(account.account_id, run.request(), SCHEDULE)

    rebill = world.rebill(account.account_id, billed.statement_id or "", "misread", SUPERVISOR, "c")

    latest = world.bill_batch.on_file.several([account.account_id])[account.account_id].latest
    assert latest == replace(rebill, document_key=latest.document_key if latest else None)
    assert world.bill_account.past(account.account_id, latest).previous == latest
