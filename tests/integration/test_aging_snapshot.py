"""The daily aging snapshot as deployed (functions/aging_snapshot) on in-process moto, run with
its sample event: the cells written since the last fold are folded into the summaries first,
then the day's aging is kept once (a rerun the same day keeps nothing more), by filter value."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest

from civiq.collections.adapters.dynamodb_aging import DynamoAgingCells, DynamoAgingSnapshots
from civiq.collections.adapters.dynamodb_kpis import DynamoCollectionKpis
from civiq.collections.domain.aging import AgingFilter, Bucket
from civiq.ledger.domain.receivable_cells import ROUTE_FAMILY, TYPE_FAMILY
from infra.local.lambda_runtime import import_isolated
from tests.helpers.aging import aging_world, billed
from tests.helpers.emulator import function_environment
from tests.helpers.files import REPO, load_event
from tests.helpers.handlers import Context
from tests.helpers.stores import dynamodb_stores


def test_the_scheduled_function_keeps_the_days_aging_once(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    function_environment(monkeypatch)
    today = datetime.now(ZoneInfo("America/Toronto")).date()  # the function's clock
    world = aging_world(dynamodb_stores())
    account = world.books.account
    world.issue(billed(account, today - timedelta(days=50), sewer="20.00"))
    world.issue(billed(account, today - timedelta(days=10), water="40.00"))
    world.pay(account, "P-1", "20.00")  # the older statement, in full
    code = REPO / "functions" / "aging_snapshot"
    function = import_isolated(code, code / "handler.py", "_aging_snapshot_test")
    scheduled = load_event("schedule/aging_snapshot_hourly.json")

    first = function.handler(scheduled, Context())
    again = function.handler(scheduled, Context())

    # two due dates, each in the class family and the route family
    # the collection KPIs' fold: its first day folds the one due date whose 60 days just ended
    assert first == {
        "taken_on": today.isoformat(),
        "kept": True,
        "folded": 4,
        "kpi_due_dates_folded": 1,
    }
    assert again == {
        "taken_on": today.isoformat(),
        "kept": False,
        "folded": 0,
        "kpi_due_dates_folded": 0,
    }
    kept = DynamoCollectionKpis().kept()
    yesterday = today - timedelta(days=1)
    month = kept.months[f"{yesterday:%Y-%m}"]
    assert kept.folded_through == today and month.aging is not None
    assert month.aging.as_of == yesterday and month.aging.total.amount == D("40.00")
    cells = DynamoAgingCells()
    assert len(cells.cells(TYPE_FAMILY)) == len(cells.cells(ROUTE_FAMILY)) == 1  # one still owed
    snapshot = DynamoAgingSnapshots().on_or_before(today)
    assert snapshot is not None and snapshot.taken_on == today
    everything = snapshot.of(AgingFilter())
    water = snapshot.of(AgingFilter(service="water"))
    assert everything is not None and water is not None
    assert everything.tally(Bucket.DAYS_1_30).amount == D("40.00")
    assert everything.total.items == 1 and everything.total.accounts == 1
    assert water.total.amount == D("40.00")
    assert snapshot.of(AgingFilter(route="1")) == everything
