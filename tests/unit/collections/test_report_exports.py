"""The collections reports as files: the rows of the KPIs, the recovery per stage and the aging
(by bucket, by customer, by account), checked by hand from a small state on the memory fakes;
the parameters an export keeps (defaults filled in, what does not apply refused by name); and
an export asked for and made with the real CSV writer, in French."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal as D
from typing import Any

import pytest

from civiq.accounts.adapters.memory import InMemoryStore
from civiq.accounts.services.recording import Recorder
from civiq.collections.adapters.memory import InMemoryCases, InMemoryCollectionKpis
from civiq.collections.domain.aging import Aging, AgingFilter, Bucket, RowKind, Tally
from civiq.collections.domain.dunning import (
    CustomerClass,
    DunningPolicy,
    advance,
    open_case,
    reanchor,
)
from civiq.collections.domain.dunning import past_due as past_due_of
from civiq.collections.domain.kpis import KpiMonth
from civiq.collections.domain.report_exports import (
    AGING_COLUMNS,
    KPI_COLUMNS,
    OWING_COLUMNS,
    CollectionExportAsk,
    CollectionReport,
    parameters_of,
)
from civiq.collections.services.collection_kpis import CollectionKpiReport
from civiq.collections.services.report_exports import RequestCollectionExport
from civiq.collections.services.report_rows import (
    AgingRows,
    KpiRows,
    RecoveryRows,
    collection_report_sources,
)
from civiq.core.errors import InvalidInput
from civiq.core.export_formats import ExportFormat
from civiq.core.fakes import FixedClock, SequentialIds
from civiq.core.language import Language, preferred_language
from civiq.ledger.adapters.memory import InMemoryLedger
from civiq.ledger.domain.billed import DUE_BILLED
from civiq.ledger.domain.journal import OpenStatement
from civiq.platform.catalogs import default_templates_dir
from civiq.reporting.adapters.memory import (
    InMemoryExports,
    InMemoryReportFiles,
    RecordingExportQueue,
)
from civiq.reporting.adapters.reports import CsvReportWriter, MessageCatalogs
from civiq.reporting.domain.exports import Export, ExportStatus
from civiq.reporting.services.exports import ProduceExport
from tests.helpers.aging import TODAY, AgingWorld, aging_world, portfolio
from tests.helpers.metering_world import CLERK
from tests.helpers.stores import memory_stores

LADDER = DunningPolicy().default_ladder(CustomerClass.RESIDENTIAL, "utility")
REQUESTED = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)


def export_of(report: CollectionReport, **parameters: str) -> Export:
    return Export(
        "01J00000000000000000000000", report.value, None, ExportFormat.CSV, Language.EN,
        "clerk", REQUESTED, parameters=parameters,
    )  # fmt: skip


# ---------------------------------------------------------------- the KPIs and the recovery


def kpi_state() -> InMemoryCollectionKpis:
    """Folded through 3 December: September's items were billed 150.00 and owed 100.00 on
    their 61st day (all 30 due dates read); November's aging at its end: 10.00 in 31-60, and
    90.00 billed on 5 November (DSO: 10.00 / 90.00 x 90 = 10.0 days). One case reached the
    reminder with 150.00 past due and 30.00 has been paid since."""
    store = InMemoryStore()
    ledger = InMemoryLedger(store)
    ledger.billed[("2026-09", DUE_BILLED)] = 15000
    ledger.billed[("2026-11", "d05")] = 9000
    cases = InMemoryCases(ledger)
    kpis = InMemoryCollectionKpis(ledger, cases)
    november = Aging(date(2026, 11, 30), {Bucket.DAYS_31_60: Tally(D("10.00"), 1, 1)})
    kpis.months = {
        "2026-09": KpiMonth("2026-09", None, 10000, 30),
        "2026-11": KpiMonth("2026-11", november, 0, 0),
    }
    kpis.folded_through = date(2026, 12, 3)
    owing = (OpenStatement("S-1", date(2026, 9, 20), D("100.00")),)
    more = (*owing, OpenStatement("S-2", date(2026, 9, 25), D("50.00")))
    on = date(2026, 10, 25)
    opened = open_case("C-1", "A-1", LADDER, past_due_of(more, on), on)
    assert opened is not None
    reached = advance(LADDER, opened, past_due_of(more, on), on).case
    paid = (OpenStatement("S-1", date(2026, 9, 20), D("70.00")), more[1])
    cases.cases.append(reanchor(LADDER, reached, past_due_of(paid, date(2026, 11, 2)), on))
    return kpis


def kpi_report(kpis: InMemoryCollectionKpis) -> CollectionKpiReport:
    return CollectionKpiReport(kpis, lambda: TODAY)


def test_the_kpi_rows_are_one_per_month_oldest_first() -> None:
    made = KpiRows(kpi_report(kpi_state()))(export_of(CollectionReport.KPIS, months="4"), TODAY)

    report, rows = made.report, list(made.rows)
    assert (report.kind, report.name, report.columns) == (
        "ar-kpis",
        "2026-09-2026-12",
        KPI_COLUMNS,
    )
    assert report.subject == {"first": "2026-09", "last": "2026-12"}
    assert all(len(row) == len(KPI_COLUMNS) for row in rows)
    nothing = (None,) * 8  # no aging kept: the buckets, total and credit
    assert rows == [
        ("2026-09", "report.rate_status.measured", D("150.00"), D("50.00"), D("0.3333"),
         None, None, None, None, *nothing),
        ("2026-10", "report.rate_status.pending", D("0.00"), None, None,
         None, None, None, None, *nothing),
        ("2026-11", "report.rate_status.pending", D("0.00"), None, None,
         date(2026, 11, 30), D("10.00"), D("90.00"), D("10.0"),
         D(0), D(0), D("10.00"), D(0), D(0), D(0), D("10.00"), D(0)),
        ("2026-12", "report.rate_status.pending", D("0.00"), None, None,
         None, None, None, None, *nothing),
    ]  # fmt: skip


def test_the_recovery_rows_are_one_per_stage_reached() -> None:
    made = RecoveryRows(kpi_report(kpi_state()))(export_of(CollectionReport.RECOVERY), TODAY)

    assert (made.report.kind, made.report.name) == ("ar-recovery", "2026-12-03")
    # reached with 150.00 past due; 120.00 past due now: 30.00 recovered, a fifth
    assert list(made.rows) == [("reminder", 1, D("150.00"), D("30.00"), D("0.2000"))]


# ---------------------------------------------------------------- the aging


@pytest.fixture
def world() -> AgingWorld:
    world = aging_world(memory_stores())
    portfolio(world)
    return world


def aging_rows(world: AgingWorld, **parameters: str) -> tuple[Any, list[Any]]:
    made = AgingRows(world.report(), world.receivables)(
        export_of(CollectionReport.AGING, as_of=TODAY.isoformat(), **parameters), TODAY
    )
    return made.report, list(made.rows)


def test_the_aging_rows_are_the_buckets_then_the_total_and_the_credits(world: AgingWorld) -> None:
    report, rows = aging_rows(world)

    assert (report.kind, report.name, report.columns) == ("ar-aging", "2026-12-03", AGING_COLUMNS)
    assert report.subject == {"as_of": "2026-12-03", "filters": "-"}
    # the portfolio (tests.helpers.aging.portfolio): each account counted in the bucket of its
    # oldest item; the shop's 20.00 over apart
    assert rows == [
        ("report.bucket.current", D(0), 0, 0),
        ("report.bucket.1-30", D("50.00"), 1, 0),
        ("report.bucket.31-60", D("45.00"), 1, 1),
        ("report.bucket.61-90", D("61.30"), 1, 0),
        ("report.bucket.91-120", D(0), 0, 0),
        ("report.bucket.120+", D("30.00"), 1, 1),
        ("report.bucket.total", D("186.30"), 4, 2),
        ("report.bucket.credit", D("20.00"), None, 1),
    ]


def test_the_aging_by_customer_ranks_who_owes_most_over_120_days_first(world: AgingWorld) -> None:
    report, rows = aging_rows(world, by="customer")

    assert (report.kind, report.columns) == ("ar-aging-customer", OWING_COLUMNS)
    assert rows == [
        ("Chloé Côté", None, 1, D(0), D("50.00"), D(0), D("61.30"), D(0), D("30.00"),
         D("141.30"), D(0)),
        ("Boulangerie Laval", None, 2, D(0), D(0), D("45.00"), D(0), D(0), D(0),
         D("45.00"), D("20.00")),
    ]  # fmt: skip


def test_the_aging_by_account_of_a_route_lists_its_accounts(world: AgingWorld) -> None:
    report, rows = aging_rows(world, by="account", route="R2")

    assert report.kind == "ar-aging-account"
    assert report.subject == {"as_of": "2026-12-03", "filters": "route=R2"}
    # the annex owes 45.00; the shop, in credit, owes nothing and is not listed
    ((name, number, accounts, *owed),) = rows
    assert (name, accounts, owed) == (
        "Boulangerie Laval", 1, [D(0), D(0), D("45.00"), D(0), D(0), D(0), D("45.00"), D(0)]
    )  # fmt: skip
    assert number is not None and number.startswith("UB")


# ---------------------------------------------------------------- parameters


def test_the_parameters_are_kept_with_their_defaults() -> None:
    today = date(2026, 12, 3)
    assert parameters_of(CollectionExportAsk(CollectionReport.KPIS), today) == {"months": "12"}
    assert parameters_of(CollectionExportAsk(CollectionReport.KPIS, months=3), today) == {
        "months": "3"
    }
    assert parameters_of(CollectionExportAsk(CollectionReport.RECOVERY), today) == {}
    assert parameters_of(CollectionExportAsk(CollectionReport.AGING), today) == {
        "as_of": "2026-12-03"
    }
    narrowed = CollectionExportAsk(
        CollectionReport.AGING,
        as_of=date(2026, 11, 30),
        filters=AgingFilter(customer_class="commercial", service="water"),
        by=RowKind.ACCOUNT,
        customer_id="01J00000000000000000000000",
    )
    assert parameters_of(narrowed, today) == {
        "as_of": "2026-11-30",
        "customer_class": "commercial",
        "service": "water",
        "by": "account",
        "customer_id": "01J00000000000000000000000",
    }


@pytest.mark.parametrize(
    ("ask", "field"),
    [
        (CollectionExportAsk(CollectionReport.AGING, months=3), "months"),
        (CollectionExportAsk(CollectionReport.RECOVERY, months=3), "months"),
        (CollectionExportAsk(CollectionReport.KPIS, filters=AgingFilter(route="R2")), "route"),
        (CollectionExportAsk(CollectionReport.KPIS, by=RowKind.CUSTOMER), "by"),
        (CollectionExportAsk(CollectionReport.KPIS, months=25), "months"),
        (CollectionExportAsk(CollectionReport.KPIS, months=0), "months"),
        (CollectionExportAsk(CollectionReport.AGING, customer_id="01J0000000000000000000000X"),
         "customer_id"),
    ],
)  # fmt: skip
def test_a_parameter_that_does_not_apply_is_refused_by_name(
    ask: CollectionExportAsk, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        parameters_of(ask, date(2026, 12, 3))
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("fr-CA,fr;q=0.9,en;q=0.8", Language.FR),
        ("en-US,fr;q=0.5", Language.EN),
        ("de-DE, fr;q=0.2, en;q=0.1", Language.FR),
        ("de", Language.EN),
        (None, Language.EN),
        ("fr;q=0, en", Language.EN),
    ],
)
def test_the_default_language_is_the_one_the_caller_prefers(
    header: str | None, language: Language
) -> None:
    assert preferred_language(header) is language


# ---------------------------------------------------------------- asked for, then made


def test_an_aging_export_is_asked_for_then_made_in_french(world: AgingWorld) -> None:
    exports, queue, files = InMemoryExports(), RecordingExportQueue(), InMemoryReportFiles()
    clock = FixedClock(REQUESTED)
    request = RequestCollectionExport(
        exports, queue, Recorder(clock, SequentialIds("01J")), lambda: TODAY
    )
    with pytest.raises(InvalidInput):
        request(CollectionExportAsk(CollectionReport.AGING, months=2), *CSV_FR)
    assert exports.exports == {} and queue.sent == []  # nothing written

    asked = request(CollectionExportAsk(CollectionReport.AGING), *CSV_FR)

    assert queue.sent == [asked.export_id] and asked.parameters == {"as_of": "2026-12-03"}
    catalogs = MessageCatalogs(default_templates_dir())
    sources = collection_report_sources(kpi_report(kpi_state()), world.report(), world.receivables)
    produce = ProduceExport(
        exports, sources, {ExportFormat.CSV: CsvReportWriter(catalogs)}, files, clock
    )
    done = produce(asked.export_id)

    assert (done.status, done.rows) == (ExportStatus.DONE, 8)
    body, _, name = files.files[done.file_key]
    assert name == "ar-aging-2026-12-03.csv"
    header, *rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert header == ["Retard", "Montant", "Pièces ouvertes", "Comptes"]
    assert rows[1] == ["1 à 30 jours", "50.00", "1", "0"]
    assert rows[-1] == ["Comptes créditeurs", "20.00", "", "1"]


CSV_FR = (ExportFormat.CSV, Language.FR, CLERK)
