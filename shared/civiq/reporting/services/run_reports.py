"""The row source of a billing run's billing and consumption reports: the run's statements page
by page from its index, each made a row only as the writer reads it (a PDF stops early), so a
run of 300,000 accounts never sits in memory."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from civiq.billing.domain.statements import Statement
from civiq.reporting.domain.exports import ROWS, Export, ReportKind, ReportRows, run_report
from civiq.reporting.ports import DashboardReader, ReportSource

PAGE_SIZE = 200  # statements per Query of the run's index (about 1 MB)


@dataclass(frozen=True)
class RunReportRows:
    reader: DashboardReader
    page_size: int = PAGE_SIZE

    def __call__(self, export: Export, produced_on: date) -> ReportRows:
        kind = ReportKind(export.report)
        if export.run_id is None:
            raise ValueError(f"a {kind.value} report is of a billing run")
        row = ROWS[kind]
        return ReportRows(
            run_report(kind, export.run_id, export.language, produced_on),
            (row(statement) for statement in self._statements(export.run_id)),
        )

    def _statements(self, run_id: str) -> Iterator[Statement]:
        cursor: str | None = None
        while True:
            page = self.reader.run_statements(run_id, self.page_size, cursor)
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor


def run_report_sources(
    reader: DashboardReader, page_size: int = PAGE_SIZE
) -> dict[str, ReportSource]:
    """The billing run's report kinds, each to the run's statements."""
    rows = RunReportRows(reader, page_size)
    return {kind.value: rows for kind in ReportKind}
