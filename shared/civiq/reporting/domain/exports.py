"""Report exports: a billing run's statements as a billing report or a consumption report (and
any other report a feature above this one gives rows for, by its kind), in CSV, Excel (xlsx) or
PDF.

An export names its report by kind and keeps what it was asked with (a billing run's id, or the
parameters of another feature's report); the report worker asks the kind's row source
(:class:`civiq.reporting.ports.ReportSource`) for the :class:`Report` and its rows.
A report is a list of typed cells per row (text, dates, counts, volumes, money, yes/no):
each writer shows them its own way (a CSV writes plain digits and ISO dates, a workbook real
numbers and dates, a PDF the reader's language). Column headings are catalog keys, so a report
reads in English or French. A PDF lists at most :data:`PDF_MAX_ROWS` statements and says so:
a whole run (300,000 accounts) belongs in CSV or Excel.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from civiq.billing.domain.statements import Statement
from civiq.core.errors import InvalidInput
from civiq.core.export_formats import ExportFormat
from civiq.core.language import Language
from civiq.rates.domain.charges import ChargeType

PDF_MAX_ROWS = 2_000
VOLUME_PLACES = Decimal("0.001")  # cubic metres, as registers read them
# A run id (``<cycle id>-<period end>``), or a month's final bills or rebills
# (``final-<yyyy-mm>``, ``rebill-<yyyy-mm>``): statements no run issued are listed that way.
RUN_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,38}[a-z0-9]-[0-9]{4}-[0-9]{2}-[0-9]{2}")
MONTH_LIST = re.compile(r"(final|rebill)-[0-9]{4}-(0[1-9]|1[0-2])")


def check_run_id(run_id: str, field: str = "run_id") -> str:
    if not (RUN_ID.fullmatch(run_id) or MONTH_LIST.fullmatch(run_id)):
        raise InvalidInput(
            "run_id is a billing run's id (<cycle>-<period end>), final-<yyyy-mm> or "
            "rebill-<yyyy-mm>",
            field,
        )
    return run_id


def is_month_list(run_id: str) -> bool:
    """A month's final bills or rebills: no run item records them."""
    return MONTH_LIST.fullmatch(run_id) is not None


class ReportKind(StrEnum):
    BILLING = "billing"
    CONSUMPTION = "consumption"


class ExportStatus(StrEnum):
    QUEUED = "queued"  # the worker makes the file
    DONE = "done"
    FAILED = "failed"  # could not be queued


def export_key(export_id: str, export_format: ExportFormat) -> str:
    return f"exports/{export_id}.{export_format.value}"


@dataclass(frozen=True, slots=True)
class Export:
    export_id: str
    report: str  # its kind: a ReportKind, or the kind of another feature's report
    run_id: str | None  # a billing run's (None: a report of no run)
    format: ExportFormat
    language: Language
    requested_by: str
    requested_at: datetime
    status: ExportStatus = ExportStatus.QUEUED
    rows: int | None = None  # rows in the file, once done
    finished_at: datetime | None = None
    failure: str | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)  # what the report was asked with

    @property
    def file_key(self) -> str:
        return export_key(self.export_id, self.format)


class CellKind(StrEnum):
    TEXT = "text"
    LABEL = "label"  # a message key, written in the report's language
    DATE = "date"
    COUNT = "count"
    VOLUME = "volume"  # cubic metres, three decimals
    MONEY = "money"
    RATE = "rate"  # a fraction (0.9512), shown as a percentage where a format can
    DAYS = "days"  # a number of days, one decimal
    FLAG = "flag"  # yes or no


Cell = str | int | Decimal | date | bool | None


@dataclass(frozen=True, slots=True)
class Column:
    label: str  # the heading's message key
    kind: CellKind


def _column(name: str, kind: CellKind = CellKind.TEXT) -> Column:
    return Column(f"report.column.{name}", kind)


BILLING_COLUMNS = (
    _column("account_number"),
    _column("holder_name"),
    _column("service_address"),
    _column("statement_id"),
    _column("period_start", CellKind.DATE),
    _column("period_end", CellKind.DATE),
    _column("days", CellKind.COUNT),
    _column("consumption_m3", CellKind.VOLUME),
    *(Column(f"charge_type.{t.value}", CellKind.MONEY) for t in ChargeType),
    _column("taxes", CellKind.MONEY),
    _column("new_charges", CellKind.MONEY),
    _column("total_due", CellKind.MONEY),
    _column("due_on", CellKind.DATE),
    _column("estimated", CellKind.FLAG),
)
CONSUMPTION_COLUMNS = (
    _column("account_number"),
    _column("service_address"),
    _column("period_start", CellKind.DATE),
    _column("period_end", CellKind.DATE),
    _column("days", CellKind.COUNT),
    _column("consumption_m3", CellKind.VOLUME),
    _column("m3_per_day", CellKind.VOLUME),
    _column("estimated", CellKind.FLAG),
    _column("meter_serials"),
)


def consumption_m3(statement: Statement) -> Decimal | None:
    """The volume billed from every meter; None for an unmetered account."""
    if not statement.reads:
        return None
    return sum((read.volume for read in statement.reads), Decimal(0))


def m3_per_day(volume: Decimal | None, days: int) -> Decimal | None:
    if volume is None or days <= 0:
        return None
    return (volume / days).quantize(VOLUME_PLACES, rounding=ROUND_HALF_UP)


def billing_row(statement: Statement) -> tuple[Cell, ...]:
    bill = statement.bill
    by_type = {t: Decimal(0) for t in ChargeType}
    for line in bill.lines:
        by_type[line.charge_type] += line.amount
    return (
        statement.account_number,
        statement.recipient.name,
        statement.service_address.one_line(),
        statement.statement_id,
        bill.first_day,
        bill.period_end,
        bill.days,
        consumption_m3(statement),
        *(by_type[t] for t in ChargeType),
        bill.tax_total,
        bill.total,
        statement.total_due,
        statement.due_on,
        statement.estimated,
    )


def consumption_row(statement: Statement) -> tuple[Cell, ...]:
    bill = statement.bill
    volume = consumption_m3(statement)
    return (
        statement.account_number,
        statement.service_address.one_line(),
        bill.first_day,
        bill.period_end,
        bill.days,
        volume,
        m3_per_day(volume, bill.days),
        statement.estimated,
        ", ".join(read.meter_serial for read in statement.reads),
    )


COLUMNS: Mapping[ReportKind, tuple[Column, ...]] = {
    ReportKind.BILLING: BILLING_COLUMNS,
    ReportKind.CONSUMPTION: CONSUMPTION_COLUMNS,
}
ROWS: Mapping[ReportKind, Callable[[Statement], tuple[Cell, ...]]] = {
    ReportKind.BILLING: billing_row,
    ReportKind.CONSUMPTION: consumption_row,
}


@dataclass(frozen=True, slots=True)
class Report:
    """What a writer needs besides the rows: which report (its ``kind`` names its message keys:
    ``report.<part>.<kind>``), its columns, what it is of, in which language.

    ``name`` goes in the file's name (``<kind>-<name>.<ext>``) and the workbook's title;
    ``subject`` fills the placeholders of the ``report.subject.<kind>`` line under the title.
    """

    kind: str
    name: str
    language: Language
    produced_on: date
    columns: tuple[Column, ...]
    subject: Mapping[str, str] = field(default_factory=dict)

    def key(self, part: str) -> str:
        """The message key of one of its texts: title, caption, sheet, subject, rows, empty,
        truncated."""
        return f"report.{part}.{self.kind}"

    @property
    def title(self) -> str:
        """The title's message key."""
        return self.key("title")

    @property
    def caption(self) -> str:
        """The table caption's message key."""
        return self.key("caption")

    def file_name(self, export_format: ExportFormat) -> str:
        """What a browser saves it as: ``billing-residential-2026-09-30.csv``."""
        return f"{self.kind}-{self.name}.{export_format.value}"


@dataclass(frozen=True, slots=True)
class ReportRows:
    """A report and its rows, read as a writer takes them (a PDF stops early)."""

    report: Report
    rows: Iterable[Sequence[Cell]]


def run_report(kind: ReportKind, run_id: str, language: Language, produced_on: date) -> Report:
    """A billing run's billing or consumption report."""
    return Report(kind.value, run_id, language, produced_on, COLUMNS[kind], {"run_id": run_id})
