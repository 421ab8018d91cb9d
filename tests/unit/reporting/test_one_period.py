"""One meaning for a billing period: the run, the statement (its API view, its document, its
history entry and its StatementIssued event), the ledger entry of its charges, the staff
dashboard and both report exports show the same first day.

Periods are kept as the reads that bound them (the previous period's end, exclusive, to the
period's end); the first day shown everywhere is the day after: a bimonthly period ending
November 30 runs October 1 to November 30.
"""

from __future__ import annotations

from datetime import date

import pytest

from civiq.billing.schemas.billing import RunResponse, StatementSummaryOut
from civiq.reporting.domain.exports import (
    BILLING_COLUMNS,
    CONSUMPTION_COLUMNS,
    billing_row,
    consumption_row,
)
from civiq.reporting.schemas.dashboard import RunSummaryOut
from tests.helpers.billing_world import SCHEDULE, BillingWorld

FIRST_DAY = date(2026, 10, 1)  # the cycle's previous period ended September 30
LAST_DAY = date(2026, 11, 30)


@pytest.fixture
def world() -> BillingWorld:
    return BillingWorld()


def cell(row: tuple[object, ...], columns: tuple[object, ...], name: str) -> object:
    labels = [column.label for column in columns]  # type: ignore[attr-defined]
    return row[labels.index(f"report.column.{name}")]


def test_the_run_statement_ledger_dashboard_and_exports_show_the_same_first_day(
    world: BillingWorld,
) -> None:
    account = world.account(started=date(2015, 6, 1))  # served long before this period
    meter = world.meter(world.properties.get(account.property_id))
    world.read(meter, "2026-09-30", "100")
    world.read(meter, "2026-11-30", "118")
    run = world.run()
    outcome = world.bill_account(account.account_id, run.request(), SCHEDULE)
    statement = world.statements.get(account.account_id, outcome.statement_id or "")
    assert world.issue([outcome]) == 1

    assert RunResponse.of(run).period_start == FIRST_DAY
    assert RunSummaryOut.of(run).period_start == FIRST_DAY
    shown = StatementSummaryOut.of(statement)
    assert (shown.period_start, shown.period_end) == (FIRST_DAY, LAST_DAY)
    (_, _, document) = world.renderer.calls[-1]
    assert (document["period_first_day"], document["period_last_day"]) == (FIRST_DAY, LAST_DAY)
    assert document["period_days"] == 61  # October 1 to November 30, both included
    (charge,) = world.ledger.entries(account.account_id, 0, 10).items
    assert charge.reason == f"regular statement for {FIRST_DAY} to {LAST_DAY}"
    (issued,) = world.published("StatementIssued")
    assert (issued["period_start"], issued["period_end"]) == (str(FIRST_DAY), str(LAST_DAY))
    for row, columns in (
        (billing_row(statement), BILLING_COLUMNS),
        (consumption_row(statement), CONSUMPTION_COLUMNS),
    ):
        assert cell(row, columns, "period_start") == FIRST_DAY
        assert cell(row, columns, "period_end") == LAST_DAY
        assert cell(row, columns, "days") == 61
