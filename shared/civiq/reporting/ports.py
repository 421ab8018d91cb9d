"""Ports of the staff dashboard and of report exports. Adapters implement them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import BinaryIO, Protocol

from civiq.billing.domain.statements import Statement
from civiq.core.export_formats import ExportFormat
from civiq.core.money import Money
from civiq.core.ports import Page
from civiq.reporting.domain.dashboard import Aggregates, BillingTotals, OpenStatement, PastDue
from civiq.reporting.domain.exports import Cell, Export, Report, ReportRows


class DashboardReader(Protocol):
    """The maintained aggregates and the indexes that list statements (never a scan)."""

    def aggregates(self) -> Aggregates:
        """Billing totals of every month, the outstanding balance and the account counts."""
        ...

    def month_totals(self, first: str, last: str) -> Mapping[str, BillingTotals]:
        """Billing totals of the months ``first`` to ``last`` (``yyyy-mm``, inclusive); a
        month nothing was billed in is absent."""
        ...

    def past_due(self, today: date) -> PastDue:
        """How many open statements were due before ``today``, and what is owed on them."""
        ...

    def past_due_page(self, today: date, limit: int, cursor: str | None) -> Page[OpenStatement]:
        """Open statements due before ``today``, oldest due date first."""
        ...

    def run_statements(self, run_id: str, limit: int, cursor: str | None) -> Page[Statement]:
        """A run's statements (``final-<yyyy-mm>``, ``rebill-<yyyy-mm>``: the final bills or
        rebills issued that month), in account number order."""
        ...

    def latest_statement(self, account_id: str) -> tuple[Statement, Money] | None:
        """The account's latest statement and what is still owed on it; None before any."""
        ...


class ExportRepository(Protocol):
    def create(self, export: Export) -> None:
        """Record a new export; Conflict if its id exists."""
        ...

    def get(self, export_id: str) -> Export:
        """Raises NotFound."""
        ...

    def finish(self, export_id: str, rows: int, finished_at: datetime) -> bool:
        """Mark a queued export done with its row count; False (nothing changed) when it is
        done already."""
        ...

    def fail(self, export_id: str, reason: str) -> None:
        """Mark a queued export failed (its message could not be sent)."""
        ...


class ExportQueue(Protocol):
    def send(self, export_id: str) -> None:
        """Ask the report worker to make the export's file."""
        ...


class ReportSource(Protocol):
    """Where one kind of report's rows come from (a billing run's statements, or another
    feature's figures: a feature above this one gives its own)."""

    def __call__(self, export: Export, produced_on: date) -> ReportRows:
        """The report asked for by ``export`` (its columns, title, subject) and its rows,
        produced on ``produced_on`` (the municipality's date)."""
        ...


class ReportWriter(Protocol):
    """One file format. Rows arrive one at a time, so a whole run never sits in memory."""

    def write(self, out: BinaryIO, report: Report, rows: Iterable[Sequence[Cell]]) -> int:
        """Write the report to ``out``; returns how many rows it holds."""
        ...


class ReportFiles(Protocol):
    def put(self, key: str, body: BinaryIO, export_format: ExportFormat, file_name: str) -> None:
        """Store a finished file (a redelivered export writes the same key again)."""
        ...
