"""Collection KPIs, against the in-memory fakes (the stages' figures computed from every case)
and DynamoDB (every figure a counter kept by the postings, the daily fold and the case changes):
statements billed, paid in part within their 60 days and after, credited; the daily folds as
the upkeep runs them (a day missed caught up, a rerun adding nothing); a case reaching its
stages as the payments come; and the report, the same on both, as computed by hand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal as D
from typing import Any

import pytest

from civiq.accounts.adapters.memory import InMemoryStore
from civiq.collections.adapters.dynamodb_cases import DynamoCases
from civiq.collections.adapters.dynamodb_kpis import DynamoCollectionKpis
from civiq.collections.adapters.memory import InMemoryCases, InMemoryCollectionKpis
from civiq.collections.domain.aging import Bucket
from civiq.collections.domain.dunning import (
    Case,
    CustomerClass,
    DunningPolicy,
    advance,
    open_case,
    past_due,
    reanchor,
)
from civiq.collections.domain.kpis import RateStatus, StageFigures, day_fold
from civiq.collections.ports import CaseChange
from civiq.collections.services.collection_kpis import CollectionKpiReport
from civiq.collections.services.kpi_fold import FoldCollectionKpis
from civiq.core.errors import InvalidInput
from civiq.ledger.domain.billed import DUE_BILLED
from civiq.ledger.domain.receivable_cells import TYPE_FAMILY
from tests.helpers.aging import AgingWorld, aging_world, billed
from tests.helpers.stores import Stores

LADDER = DunningPolicy().default_ladder(CustomerClass.RESIDENTIAL, "utility")


@dataclass
class KpiWorld:
    aging: AgingWorld
    cases: Any
    kpis: Any

    def fold(self, day: date) -> int:
        return FoldCollectionKpis(self.aging.cells, self.kpis, lambda: day)().due_dates

    def report(self, today: date) -> CollectionKpiReport:
        return CollectionKpiReport(self.kpis, lambda: today)

    def late(self, on: date) -> Any:
        ledger = self.aging.books.ledger.state(self.aging.books.account.account_id)
        return past_due(ledger.open_statements, on)

    def decide(self, case: Case, on: date, step: Callable[..., Any]) -> Case:
        after = step(LADDER, case, self.late(on), on)
        after = getattr(after, "case", after)
        self.cases.save(case, CaseChange(after))
        return after


@pytest.fixture
def world(stores: Stores) -> KpiWorld:
    aging = aging_world(stores)
    if isinstance(stores.accounts, InMemoryStore):
        cases = InMemoryCases(aging.books.ledger)
        return KpiWorld(aging, cases, InMemoryCollectionKpis(aging.books.ledger, cases))
    return KpiWorld(aging, DynamoCases(), DynamoCollectionKpis())


def issued_on(day: date, statement: Any) -> Any:
    return replace(statement, issued_at=datetime(day.year, day.month, day.day, 15, tzinfo=UTC))


def test_the_kpis_follow_the_postings_the_folds_and_the_case(world: KpiWorld) -> None:
    aging = world.aging
    person = aging.books.account
    # September: 100.00 due on the 20th (billed on the 1st), 50.00 due on the 25th (billed on
    # the 5th); October: 80.00 due on the 10th (billed on 20 September)
    aging.issue(issued_on(date(2026, 9, 1), billed(person, date(2026, 9, 20), water="100.00")))
    aging.issue(issued_on(date(2026, 9, 5), billed(person, date(2026, 9, 25), sewer="50.00")))
    aging.issue(issued_on(date(2026, 9, 20), billed(person, date(2026, 10, 10), water="80.00")))

    # the first fold (1 November) reads 1 September's due date (nothing due), and keeps
    # October's aging as of its last day
    assert world.fold(date(2026, 11, 1)) == 1
    # a case opens on 25 October and reaches its reminder at 230.00 past due
    on = date(2026, 10, 25)
    opened = open_case("C-1", person.account_id, LADDER, world.late(on), on)
    assert opened is not None
    world.cases.open(CaseChange(opened))
    case = world.decide(opened, on, advance)
    assert case.stage == 0

    aging.pay(person, "P-1", "30.00")  # within the 20 September items' 60 days: 70.00 left
    case = world.decide(case, date(2026, 11, 2), reanchor)
    case = world.decide(case, date(2026, 11, 4), advance)  # the second notice at 200.00
    assert case.stage == 1
    assert world.fold(date(2026, 11, 20)) == 19  # due 2 to 20 September: 70.00 still owed
    assert world.fold(date(2026, 11, 20)) == 0  # a rerun the same day adds nothing
    # a 90.00 credit: the first item's last 70.00 (after its 60 days), 20.00 of the second
    # (within them)
    aging.adjust(person, "ADJ-1", "-90.00")
    case = world.decide(case, date(2026, 11, 21), reanchor)
    assert world.fold(date(2026, 11, 25)) == 5  # due 21 to 25 September: 30.00 still owed
    # 100.00 paid: the second item's 30.00 (after its 60 days), 70.00 of October's
    aging.pay(person, "P-2", "100.00")
    case = world.decide(case, date(2026, 11, 27), reanchor)
    assert case.past_due == D("10.00")
    assert world.fold(date(2026, 12, 1)) == 6  # due 26 September to 1 October

    kpis = world.report(date(2026, 12, 1))(4)

    assert [m.month for m in kpis.months] == ["2026-09", "2026-10", "2026-11", "2026-12"]
    september, october, november, december = kpis.months
    # September billed 150.00 and still owed 70.00 + 30.00 on day 61: 50.00 collected
    rate = september.collection_rate
    assert (rate.status, rate.billed, rate.collected, rate.rate) == (
        RateStatus.MEASURED,
        D("150.00"),
        D("50.00"),
        D("0.3333"),
    )
    assert october.collection_rate.status is RateStatus.PENDING
    assert october.collection_rate.billed == D("80.00")
    # October's end: 230.00 owed, 230.00 billed in the 90 days before: 90 days
    assert october.aging is not None and october.aging.as_of == date(2026, 10, 31)
    assert october.aging.tally(Bucket.DAYS_31_60).amount == D("150.00")
    assert october.aging.tally(Bucket.DAYS_1_30).amount == D("80.00")
    assert (october.dso.receivables, october.dso.billed_90_days, october.dso.days) == (
        D("230.00"),
        D("230.00"),
        D("90.0"),
    )
    # November's end: 10.00 owed; billed from 2 September: 130.00; 10 / 130 x 90 = 6.9
    assert november.aging is not None and november.aging.total.amount == D("10.00")
    assert (november.dso.billed_90_days, november.dso.days) == (D("130.00"), D("6.9"))
    assert december.aging is None and september.aging is None
    # the reminder at 230.00 (220.00 no longer past due), the second notice at 200.00 (190.00)
    assert [(s.stage, s.reached, s.past_due, s.recovered, s.rate) for s in kpis.stages] == [
        ("reminder", 1, D("230.00"), D("220.00"), D("0.9565")),
        ("second-notice", 1, D("200.00"), D("190.00"), D("0.9500")),
    ]
    assert world.kpis.kept().stages == {
        "reminder": StageFigures(1, 23000, 22000),
        "second-notice": StageFigures(1, 20000, 19000),
    }
    billed_counters = world.kpis.billed("2026-09", "2026-10")
    assert billed_counters[("2026-09", "d01")] == 10000
    assert billed_counters[("2026-10", DUE_BILLED)] == 8000
    assert ("2026-11", "d27") not in billed_counters  # payments and credits bill nothing


def test_a_report_of_0_or_25_months_is_refused(world: KpiWorld) -> None:
    for months in (0, 25):
        with pytest.raises(InvalidInput) as refused:
            world.report(date(2026, 12, 1))(months)
        assert refused.value.field == "months"


def test_a_fold_is_added_once_when_two_upkeeps_race(world: KpiWorld) -> None:
    aging = world.aging
    person = aging.books.account
    aging.issue(issued_on(date(2026, 9, 1), billed(person, date(2026, 9, 20), water="100.00")))
    cells = aging.cells.cells(TYPE_FAMILY)
    # both read the mark before either folded 20 November
    first = day_fold(date(2026, 11, 20), None, cells)
    second = day_fold(date(2026, 11, 20), None, cells)

    assert world.kpis.fold(None, first) is True
    assert world.kpis.fold(None, second) is False  # the mark moved: nothing added twice

    kept = world.kpis.kept()
    assert kept.folded_through == date(2026, 11, 20)
    assert kept.months["2026-09"].owed_at_60 == 10000
    assert kept.months["2026-09"].days_folded == 1
