"""Collection KPIs: the report's DynamoDB requests and time at 10,000 and 100,000 open items
(the requests must not grow with them, nor with the cases), the daily fold's, and the write
units the KPIs add to a posting and to a case's change.

Set-up (in-process moto, ``mock_aws``; the main table from template.yaml): the open items of
bench/aging_report.py's town folded into the aging summaries (``seed_cells``); two years of
the ledger's billed counters as a town's postings leave them (each month's 8 shards, a
billing day a week and a fee most days); the stages' counters of the default ladder (8
shards each); then the daily fold run through the real service for every day of those two
years (so the month items are the fold's own). :class:`CollectionKpiReport` over the real
adapter then answers for 12 and 24 months, each timed ``REPEATS`` times (median), its requests
counted at botocore's single entry point, and its read units metered (bench/request_units.py);
the day's fold is measured the same way.

Write units (bench/request_units.py's meter, as DynamoDB bills on demand): a cycle's three
statements and two payments of one account through the real posting paths (bench/
aging_report.py's), once as built and once with the billed counters switched off; and a case
opened, advanced to its first stage and re-anchored by a payment through the real case store,
with and without its stage counters. Timings are moto's: count requests where it matters.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any

from bench.aging_report import (
    REGION,
    TABLE,
    TODAY,
    _posted,
    configured,
    seed_cells,
    timed,
    units_added,
)
from bench.common import Figure, figure, note, quiet_logging, run_benchmark

SIZES = tuple(int(s) for s in os.environ.get("CIVIQ_BENCH_KPI_ITEMS", "10000,100000").split(","))
MONTHS_KEPT = 27  # two years shown, and the three months before for DSO's 90 days
FOLDED_DAYS = 730


def seed_billed() -> int:
    """The billed counters of MONTHS_KEPT months, 8 shards each, as postings leave them: a
    cycle billed each Monday, fees most days, due three weeks on; the items written."""
    import boto3

    from civiq.collections.domain.kpis import first_of, months_ending
    from civiq.ledger.adapters.dynamodb_billed import BILLED_PK, billed_sk
    from civiq.ledger.adapters.dynamodb_receivables import AGING_SHARDS
    from civiq.ledger.domain.billed import DUE_BILLED, billed_on

    table = boto3.resource("dynamodb", region_name=REGION).Table(TABLE)
    written = 0
    with table.batch_writer() as batch:
        for month in months_ending(TODAY, MONTHS_KEPT):
            start = first_of(month)
            for shard in range(AGING_SHARDS):
                item: dict[str, Any] = {"PK": BILLED_PK, "SK": billed_sk(month, shard)}
                day = start
                while day.month == start.month:
                    cents = 2_500_000 if day.weekday() == 0 else 45_000
                    item[billed_on(day)] = cents
                    day += timedelta(days=1)
                item[DUE_BILLED] = sum(v for k, v in item.items() if k.startswith("d"))
                batch.put_item(Item=item)
                written += 1
    return written


def seed_stages() -> int:
    """The default ladder's stages' counters, 8 shards each; the items written."""
    import boto3

    from civiq.collections.adapters.dynamodb_kpis import KPIS_PK, STAGE_PREFIX
    from civiq.collections.domain.dunning import default_stages
    from civiq.ledger.adapters.dynamodb_receivables import AGING_SHARDS

    table = boto3.resource("dynamodb", region_name=REGION).Table(TABLE)
    written = 0
    with table.batch_writer() as batch:
        for index, stage in enumerate(default_stages(14)):
            for shard in range(AGING_SHARDS):
                reached = 400 // (index + 1)
                batch.put_item(
                    Item={
                        "PK": KPIS_PK,
                        "SK": f"{STAGE_PREFIX}{stage.code}#{shard}",
                        "reached": reached,
                        "past_due": reached * 31_000,
                        "recovered": reached * 17_000,
                    }
                )
                written += 1
    return written


def report_figures(meter: Any, items: int) -> list[Figure]:
    from moto import mock_aws

    from civiq.collections.adapters.dynamodb_aging import DynamoAgingCells
    from civiq.collections.adapters.dynamodb_kpis import DynamoCollectionKpis
    from civiq.collections.services.collection_kpis import CollectionKpiReport
    from civiq.collections.services.kpi_fold import FoldCollectionKpis

    figures = []
    with mock_aws():
        configured()
        started = time.monotonic()
        accounts, _ = seed_cells(items)
        billed, stages = seed_billed(), seed_stages()
        cells, kpis = DynamoAgingCells(), DynamoCollectionKpis()
        first = TODAY - timedelta(days=FOLDED_DAYS)
        for n in range(FOLDED_DAYS):
            FoldCollectionKpis(cells, kpis, lambda d=first + timedelta(days=n): d)()
        note(
            f"{items} items: {accounts} accounts, {billed} billed items, {stages} stage items, "
            f"{FOLDED_DAYS} folds ({time.monotonic() - started:.0f} s)"
        )
        report = CollectionKpiReport(kpis, lambda: TODAY)
        for months in (12, 24):
            seconds, requests = timed(lambda m=months: report(m))
            with meter.window() as window:
                report(months)
            name = f"kpi_report_{months}_months_{items}_items"
            figures += [
                figure(f"{name}_seconds", seconds, "s"),
                figure(f"{name}_requests", requests, "requests"),
                figure(f"{name}_read_units", window.read_units, "RRU"),
            ]
        day = iter(range(1, 1000))
        seconds, requests = timed(
            lambda: FoldCollectionKpis(cells, kpis, lambda: TODAY + timedelta(days=next(day)))()
        )
        figures += [
            figure(f"kpi_daily_fold_{items}_items_seconds", seconds, "s"),
            figure(f"kpi_daily_fold_{items}_items_requests", requests, "requests"),
        ]
    return figures


# ------------------------------------------------------------------ write units


@contextmanager
def _kpis_switched(on: bool) -> Iterator[None]:
    """The billed counters (postings) and the stages' counters (case changes) on or off."""
    from civiq.collections.adapters import dynamodb_cases
    from civiq.ledger.adapters import dynamodb_journal

    saved = (dynamodb_journal.count_billed, dynamodb_cases.count_stages)
    if not on:
        dynamodb_journal.count_billed = lambda transaction, posting: None  # type: ignore[assignment]
        dynamodb_cases.count_stages = lambda transaction, before, after: None  # type: ignore[assignment]
    try:
        yield
    finally:
        dynamodb_journal.count_billed, dynamodb_cases.count_stages = saved


def _case_changes(meter: Any) -> dict[str, float]:
    """A case opened, advanced to its reminder, then re-anchored by a payment (past due less:
    the stage's recovery moves)."""
    from civiq.collections.adapters.dynamodb_cases import DynamoCases
    from civiq.collections.domain.dunning import (
        CustomerClass,
        DunningPolicy,
        advance,
        open_case,
        past_due,
        reanchor,
    )
    from civiq.collections.ports import CaseChange
    from civiq.ledger.domain.journal import OpenStatement

    ladder = DunningPolicy().default_ladder(CustomerClass.RESIDENTIAL, "utility")
    due = TODAY - timedelta(days=40)
    owing = (OpenStatement("S-1", due, Decimal("153.59")),)
    cases = DynamoCases()
    case = open_case("C-1", "ACC-BENCH", ladder, past_due(owing, TODAY), TODAY)
    assert case is not None
    cases.open(CaseChange(case))
    units = {}
    reached = advance(ladder, case, past_due(owing, TODAY), TODAY).case
    with meter.window() as window:
        cases.save(case, CaseChange(reached))
    units["case_advance"] = window.write_units
    paid = (OpenStatement("S-1", due, Decimal("53.59")),)
    later = TODAY + timedelta(days=1)
    moved = reanchor(ladder, reached, past_due(paid, later), later)
    with meter.window() as window:
        cases.save(reached, CaseChange(moved))
    units["case_payment"] = window.write_units
    return units


def write_units(meter: Any, on: bool) -> dict[str, float]:
    from moto import mock_aws

    with mock_aws(), _kpis_switched(on):
        units = _posted(meter)
        units.update(_case_changes(meter))
        return units


def write_unit_figures(meter: Any) -> list[Figure]:
    return units_added("kpi", write_units(meter, on=True), write_units(meter, on=False))


def run() -> list[Figure]:
    quiet_logging()
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.update(
        {
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
        }
    )
    from bench.request_units import RequestUnits

    meter = RequestUnits(REGION)
    meter.install()
    figures = write_unit_figures(meter)
    for items in SIZES:
        figures += report_figures(meter, items)
    return figures


def main() -> None:
    run_benchmark("collection_kpis", run)


if __name__ == "__main__":
    main()
