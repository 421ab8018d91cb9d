"""In-memory fakes of the dashboard and export ports (:mod:`civiq.reporting.ports`).

:class:`InMemoryDashboard` reads the in-memory billing fakes and adds up what the DynamoDB
adapter reads from maintained totals: the same figures, by the same rules (a statement is
counted in its issue month; what it owes is its total while that is positive).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import BinaryIO

from civiq.accounts.adapters.memory import InMemoryStore
from civiq.accounts.domain.accounts import AccountStatus
from civiq.billing.adapters.memory import InMemoryStatements
from civiq.billing.domain.statements import Statement
from civiq.core.errors import Conflict, NotFound
from civiq.core.export_formats import ExportFormat
from civiq.core.fakes import page_of
from civiq.core.money import Money
from civiq.core.ports import Page
from civiq.rates.domain.charges import ChargeType
from civiq.reporting.domain.dashboard import (
    Aggregates,
    BillingTotals,
    OpenStatement,
    PastDue,
    month_of,
)
from civiq.reporting.domain.exports import Export, ExportStatus


def _run_key(statement: Statement) -> str:
    """As the DynamoDB adapter lists them: by run, else by kind and issue month."""
    return statement.run_id or f"{statement.kind.value}-{statement.issued_on:%Y-%m}"


def _owed(statement: Statement) -> Money:
    total = Money(statement.bill.total)
    return total if total.amount > 0 else Money.zero()


def _totals(statement: Statement) -> BillingTotals:
    by_type = {t: Money.zero() for t in ChargeType}
    for line in statement.bill.lines:
        by_type[line.charge_type] += Money(line.amount)
    return BillingTotals(
        statements=1,
        billed=Money(statement.bill.total),
        tax=Money(statement.bill.tax_total),
        by_type=by_type,
    )


class InMemoryDashboard:
    def __init__(self, store: InMemoryStore, statements: InMemoryStatements) -> None:
        self.store = store
        self.statements = statements

    def _all(self) -> list[Statement]:
        return list(self.statements.statements.values())

    def aggregates(self) -> Aggregates:
        months: dict[str, BillingTotals] = defaultdict(BillingTotals)
        for statement in self._all():
            months[month_of(statement.issued_on)] += _totals(statement)
        statuses = [account.status for account in self.store.accounts()]
        return Aggregates(
            months=dict(months),
            outstanding=sum((Money(s.bill.total) for s in self._all()), Money.zero()),
            accounts={status: statuses.count(status) for status in AccountStatus},
        )

    def month_totals(self, first: str, last: str) -> Mapping[str, BillingTotals]:
        months = self.aggregates().months
        return {month: totals for month, totals in months.items() if first <= month <= last}

    def _past_due(self, today: date) -> list[OpenStatement]:
        found = [
            OpenStatement(s.account_id, s.account_number, s.statement_id, s.due_on, _owed(s))
            for s in self._all()
            if s.due_on < today and _owed(s).amount > 0
        ]
        return sorted(found, key=lambda s: (s.due_on, s.statement_id))

    def past_due(self, today: date) -> PastDue:
        listed = self._past_due(today)
        return PastDue(len(listed), sum((s.owed for s in listed), Money.zero()))

    def past_due_page(self, today: date, limit: int, cursor: str | None) -> Page[OpenStatement]:
        return page_of(self._past_due(today), limit, cursor)

    def run_statements(self, run_id: str, limit: int, cursor: str | None) -> Page[Statement]:
        found = sorted(
            (s for s in self._all() if _run_key(s) == run_id), key=lambda s: s.account_number
        )
        return page_of(found, limit, cursor)

    def latest_statement(self, account_id: str) -> tuple[Statement, Money] | None:
        latest = self.statements.recent(account_id, 1)
        return (latest[0], _owed(latest[0])) if latest else None


class InMemoryExports:
    def __init__(self) -> None:
        self.exports: dict[str, Export] = {}

    def create(self, export: Export) -> None:
        if export.export_id in self.exports:
            raise Conflict(f"export {export.export_id} already exists", "id")
        self.exports[export.export_id] = export

    def get(self, export_id: str) -> Export:
        if export_id not in self.exports:
            raise NotFound(f"no export with id {export_id}", "id")
        return self.exports[export_id]

    def finish(self, export_id: str, rows: int, finished_at: datetime) -> bool:
        export = self.get(export_id)
        if export.status is not ExportStatus.QUEUED:
            return False
        self.exports[export_id] = replace(
            export, status=ExportStatus.DONE, rows=rows, finished_at=finished_at
        )
        return True

    def fail(self, export_id: str, reason: str) -> None:
        export = self.get(export_id)
        if export.status is ExportStatus.QUEUED:
            self.exports[export_id] = replace(export, status=ExportStatus.FAILED, failure=reason)


class RecordingExportQueue:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[str] = []
        self.fail = fail

    def send(self, export_id: str) -> None:
        if self.fail:
            raise ConnectionError("the queue is unreachable")
        self.sent.append(export_id)


class InMemoryReportFiles:
    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, ExportFormat, str]] = {}
        self.puts: list[str] = []

    def put(self, key: str, body: BinaryIO, export_format: ExportFormat, file_name: str) -> None:
        self.files[key] = (body.read(), export_format, file_name)
        self.puts.append(key)
