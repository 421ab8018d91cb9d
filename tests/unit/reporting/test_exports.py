"""Report exports: the rows of each report (domain), and asking for and making an export over the
in-memory fakes with the real CSV writer."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest

from civiq.accounts.domain.accounts import Account
from civiq.billing.domain.statements import Statement, StatementKind
from civiq.core.audit import AuditEntry
from civiq.core.errors import InvalidInput, NotFound
from civiq.core.fakes import FakeRenderer
from civiq.core.language import Language
from civiq.core.ports import Page
from civiq.platform.pdf import default_templates_dir
from civiq.reporting.adapters.memory import (
    InMemoryDashboard,
    InMemoryExports,
    InMemoryReportFiles,
    RecordingExportQueue,
)
from civiq.reporting.adapters.reports import CsvReportWriter, MessageCatalogs, PdfReportWriter
from civiq.reporting.domain.exports import (
    BILLING_COLUMNS,
    CONSUMPTION_COLUMNS,
    ExportFormat,
    ExportStatus,
    ReportKind,
    billing_row,
    check_run_id,
    consumption_row,
)
from civiq.reporting.services.exports import ProduceExport, RequestExport
from civiq.reporting.services.run_reports import run_report_sources
from tests.helpers.billing_world import BillingWorld
from tests.helpers.metering_world import CLERK
from tests.helpers.statement_builders import (
    issue_with_ledger,
    meter_read,
    paid_and_credited,
    statement,
)

FINAL_BILLS = "final-2026-11"
FINAL: dict[str, Any] = {"kind": StatementKind.FINAL, "cycle_id": None, "run_id": None}


def test_a_billing_row_carries_each_charge_type_and_the_totals() -> None:
    row = billing_row(statement())
    assert len(row) == len(BILLING_COLUMNS)
    assert row == (
        "UB00000422",
        "Élise Tremblay",
        "100 Main St, Ottawa ON K1P 1J1",
        "st-2026-10-0042",
        date(2026, 9, 1),  # the period's first day: the day after the previous period end
        date(2026, 10, 31),
        61,
        D("42.318"),
        D("109.48"),  # water: fixed and three blocks
        D("71.54"),
        D("9.53"),
        D("28.50"),
        D("45.00"),
        D("5.85"),
        D("269.90"),
        D("259.90"),
        date(2026, 11, 23),
        False,
    )


def test_a_consumption_row_adds_every_meter_and_divides_by_the_days() -> None:
    two_meters = statement(
        reads=[meter_read(), meter_read(meter_serial="MX-2", volume=D("3.5"), estimated=True)]
    )
    row = consumption_row(two_meters)
    assert len(row) == len(CONSUMPTION_COLUMNS)
    # 45.818 m3 over 61 days = 0.75111... m3 a day
    assert row[4:] == (61, D("45.818"), D("0.751"), True, "MX-20-004512, MX-2")


def test_an_unmetered_statement_has_no_consumption() -> None:
    row = consumption_row(statement(reads=[]))
    assert row[5:8] == (None, None, False) and row[8] == ""


@pytest.mark.parametrize(
    "run_id", ["residential-2026-09-30", "a1b-2026-01-31", FINAL_BILLS, "rebill-2026-12"]
)
def test_run_ids_and_final_bill_months_are_accepted(run_id: str) -> None:
    assert check_run_id(run_id) == run_id


@pytest.mark.parametrize(
    "run_id", ["", "residential", "final-2026-13", "regular-2026-11", "../x-2026-09-30"]
)
def test_anything_else_is_refused_as_run_id(run_id: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_run_id(run_id)
    assert refused.value.field == "run_id"


# ---------------------------------------------------------------- the services over the fakes


class Exporting:
    def __init__(self, world: BillingWorld, page_size: int = 2) -> None:
        self.world = world
        self.exports = InMemoryExports()
        self.queue = RecordingExportQueue()
        self.files = InMemoryReportFiles()
        self.reader = CountingReader(InMemoryDashboard(world.store, world.statements))
        self.renderer = FakeRenderer()
        catalogs = MessageCatalogs(default_templates_dir())
        self.request = RequestExport(self.exports, self.queue, world.runs, world.recorder)
        self.produce = ProduceExport(
            self.exports,
            run_report_sources(self.reader, page_size),
            {
                ExportFormat.CSV: CsvReportWriter(catalogs),
                ExportFormat.PDF: PdfReportWriter(self.renderer, "Town", max_rows=3),
            },
            self.files,
            world.clock,
        )

    def issue(self, account: Account, period: str = "20261031", **fields: Any) -> Statement:
        issued = statement(
            account_id=account.account_id,
            account_number=account.account_number,
            statement_id=f"{account.account_number}-{period}",
            **fields,
        )
        now = self.world.clock.now()
        issue_with_ledger(
            self.world.statements, issued, AuditEntry("E", "x", "a", "s", "s", now, "c", {})
        )
        return issued


class CountingReader(InMemoryDashboard):
    def __init__(self, reader: InMemoryDashboard) -> None:
        super().__init__(reader.store, reader.statements)
        self.pages_read = 0

    def run_statements(self, run_id: str, limit: int, cursor: str | None) -> Page[Statement]:
        self.pages_read += 1
        return super().run_statements(run_id, limit, cursor)


@pytest.fixture
def exporting() -> Exporting:
    return Exporting(BillingWorld())


def csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def test_an_export_is_recorded_queued_and_made_from_every_page(exporting: Exporting) -> None:
    world = exporting.world
    accounts = [world.account(name=f"Holder {n}") for n in range(3)]
    for account in accounts:
        exporting.issue(account, "20260831", run_id="residential-2026-08-31")
        exporting.issue(account, issued_on=date(2026, 11, 5), **FINAL)  # final bills
    asked = exporting.request(ReportKind.BILLING, FINAL_BILLS, ExportFormat.CSV, Language.FR, CLERK)
    assert exporting.queue.sent == [asked.export_id] and asked.status is ExportStatus.QUEUED

    done = exporting.produce(asked.export_id)

    assert (done.status, done.rows) == (ExportStatus.DONE, 3)
    assert exporting.exports.get(asked.export_id) == done
    body, export_format, name = exporting.files.files[f"exports/{asked.export_id}.csv"]
    assert (export_format, name) == (ExportFormat.CSV, f"billing-{FINAL_BILLS}.csv")
    header, *rows = csv_rows(body)
    assert header[:3] == ["Numéro de compte", "Titulaire du compte", "Adresse desservie"]
    assert header[8:13] == [
        "Eau",
        "Égouts",
        "Eaux pluviales",
        "Matières résiduelles",
        "Autres frais",
    ]
    assert [r[0] for r in rows] == sorted(a.account_number for a in accounts)
    assert rows[0][4:] == [
        "2026-09-01", "2026-10-31", "61", "42.318", "109.48", "71.54", "9.53", "28.50", "45.00",
        "5.85", "269.90", "259.90", "2026-11-23", "Non",
    ]  # fmt: skip
    assert exporting.reader.pages_read == 2  # two statements a page


def test_a_redelivered_message_for_a_done_export_changes_nothing(exporting: Exporting) -> None:
    exporting.issue(exporting.world.account(), issued_on=date(2026, 11, 5), **FINAL)
    asked = exporting.request(
        ReportKind.CONSUMPTION, FINAL_BILLS, ExportFormat.CSV, Language.EN, CLERK
    )
    done = exporting.produce(asked.export_id)
    exporting.world.clock.advance(hours=1)
    again = exporting.produce(asked.export_id)
    assert again == done and exporting.files.puts == [done.file_key]
    header, row = csv_rows(exporting.files.files[done.file_key][0])
    assert header[-3:] == ["m³ per day", "Estimated read", "Meters"]
    assert row[-3:] == ["0.694", "No", "MX-20-004512"]


def test_a_pdf_stops_reading_at_its_row_limit_and_says_so(exporting: Exporting) -> None:
    world = exporting.world
    for n in range(5):
        exporting.issue(world.account(name=f"Holder {n}"), issued_on=date(2026, 11, 5), **FINAL)
    asked = exporting.request(ReportKind.BILLING, FINAL_BILLS, ExportFormat.PDF, Language.EN, CLERK)

    done = exporting.produce(asked.export_id)

    assert done.rows == 3
    ((template, language, context),) = exporting.renderer.calls
    assert (template, language, context["truncated"]) == ("report", Language.EN, True)
    assert context["rows"] == [billing_row(s) for s in first_statements(exporting, 3)]
    assert exporting.reader.pages_read == 2  # four rows read (one past the limit), not five


def first_statements(exporting: Exporting, count: int) -> list[Statement]:
    listed = exporting.world.statements.statements.values()
    return sorted(listed, key=lambda s: s.account_number)[:count]


def test_text_a_spreadsheet_would_run_is_quoted(exporting: Exporting) -> None:
    account = exporting.world.account(name="=HYPERLINK(x)")
    issued = exporting.issue(account, issued_on=date(2026, 11, 5), **FINAL)
    recipient = replace(issued.recipient, name="=HYPERLINK(x)")
    exporting.world.statements.statements[(account.account_id, issued.statement_id)] = replace(
        issued, recipient=recipient, since=paid_and_credited("300.00")
    )
    asked = exporting.request(ReportKind.BILLING, FINAL_BILLS, ExportFormat.CSV, Language.EN, CLERK)
    exporting.produce(asked.export_id)
    _, row = csv_rows(exporting.files.files[f"exports/{asked.export_id}.csv"][0])
    assert row[1] == "'=HYPERLINK(x)" and row[15] == "-30.10"  # a credit stays a number


def test_an_unknown_run_is_refused_and_nothing_is_queued(exporting: Exporting) -> None:
    with pytest.raises(NotFound) as missing:
        exporting.request(
            ReportKind.BILLING, "residential-2026-09-30", ExportFormat.CSV, Language.EN, CLERK
        )
    assert missing.value.field == "run_id"
    assert exporting.exports.exports == {} and exporting.queue.sent == []


def test_a_known_run_is_exported(exporting: Exporting) -> None:
    run = exporting.world.run()
    asked = exporting.request(ReportKind.BILLING, run.run_id, ExportFormat.CSV, Language.EN, CLERK)
    assert exporting.produce(asked.export_id).rows == 0


def test_an_export_that_cannot_be_queued_is_marked_failed(exporting: Exporting) -> None:
    exporting.queue.fail = True
    with pytest.raises(ConnectionError):
        exporting.request(ReportKind.BILLING, FINAL_BILLS, ExportFormat.CSV, Language.EN, CLERK)
    (failed,) = exporting.exports.exports.values()
    assert failed.status is ExportStatus.FAILED and failed.failure
    assert exporting.produce(failed.export_id) == failed  # a stray message makes nothing
    assert exporting.files.puts == []
