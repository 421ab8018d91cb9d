"""Dashboard and report-export payloads. Amounts are decimal strings; dates are the
municipality's."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import ConfigDict, Field

from civiq.accounts.domain.accounts import AccountStatus
from civiq.billing.domain.cycles import BillingRun, Frequency, Outcome, RunStatus
from civiq.billing.domain.statements import Statement
from civiq.billing.schemas.billing import StatementSummaryOut
from civiq.core.export_formats import ExportFormat
from civiq.core.language import Language
from civiq.core.money import dollars as money
from civiq.core.schemas import PageQuery, Payload, Request
from civiq.rates.domain.charges import ChargeType
from civiq.reporting.domain.dashboard import (
    AccountBalance,
    BillingTotals,
    CycleRuns,
    DashboardSummary,
    OpenStatement,
    StatementTotals,
)
from civiq.reporting.domain.exports import (
    MONTH_LIST,
    RUN_ID,
    Export,
    ExportStatus,
    ReportKind,
)

RunIdField = Field(
    min_length=3,
    max_length=60,
    json_schema_extra={"pattern": f"^(?:{RUN_ID.pattern}|{MONTH_LIST.pattern})$"},
    description="A billing run's id (<cycle id>-<period end>), or final-<yyyy-mm> "
    "(rebill-<yyyy-mm>) for the final bills (rebills) issued that month",
)


class TotalsOut(Payload):
    statements: int
    billed: str = Field(description="Charges and taxes billed")
    collected: str = Field(description="Payments received in the month")

    @classmethod
    def of(cls, totals: BillingTotals) -> TotalsOut:
        return cls(
            statements=totals.statements,
            billed=money(totals.billed.amount),
            collected=money(totals.collected.amount),
        )


class MonthOut(TotalsOut):
    month: str = Field(description="yyyy-mm: statements count in the month they were issued")

    @classmethod
    def of_month(cls, month: str, totals: BillingTotals) -> MonthOut:
        return cls(month=month, **TotalsOut.of(totals).model_dump())


class AccountCountsOut(Payload):
    pending: int
    active: int
    final_billed: int
    closed: int
    total: int


class DelinquencyOut(Payload):
    past_due_statements: int = Field(description="Open statements due before today")
    past_due_amount: str = Field(description="What is still owed on them")
    shutoff_warned_accounts: int = Field(
        description="Accounts whose collection case sent a shutoff warning and is not closed"
    )


class DashboardResponse(Payload):
    as_of: date = Field(description="Today, in the municipality's time zone")
    billed_last_12_months: TotalsOut
    billed_all_time: TotalsOut
    months: list[MonthOut] = Field(description="Billed vs collected, oldest month first")
    outstanding_balance: str
    accounts: AccountCountsOut
    delinquency: DelinquencyOut

    @classmethod
    def of(cls, summary: DashboardSummary) -> DashboardResponse:
        counts = summary.accounts
        past_due = summary.delinquency.past_due
        return cls(
            as_of=summary.as_of,
            billed_last_12_months=TotalsOut.of(summary.recent),
            billed_all_time=TotalsOut.of(summary.all_time),
            months=[MonthOut.of_month(m, t) for m, t in summary.months],
            outstanding_balance=money(summary.outstanding.amount),
            accounts=AccountCountsOut(
                pending=counts[AccountStatus.PENDING],
                active=counts[AccountStatus.ACTIVE],
                final_billed=counts[AccountStatus.FINAL_BILLED],
                closed=counts[AccountStatus.CLOSED],
                total=summary.account_total,
            ),
            delinquency=DelinquencyOut(
                past_due_statements=past_due.count,
                past_due_amount=money(past_due.owed.amount),
                shutoff_warned_accounts=summary.delinquency.shutoff_warned,
            ),
        )


class RunSummaryOut(Payload):
    id: str
    status: RunStatus
    period_start: date = Field(description="The period's first day (as its statements show it)")
    period_end: date
    issued_on: date
    due_on: date
    selected: int
    billed: int
    skipped: int
    failed: int
    started_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, run: BillingRun) -> RunSummaryOut:
        return cls(
            id=run.run_id,
            status=run.status,
            period_start=run.first_day,
            period_end=run.period_end,
            issued_on=run.issued_on,
            due_on=run.due_on,
            selected=run.selected,
            billed=run.counts.get(Outcome.BILLED, 0),
            skipped=run.counts.get(Outcome.SKIPPED, 0),
            failed=run.counts.get(Outcome.FAILED, 0),
            started_at=run.started_at,
            finished_at=run.finished_at,
        )


class CycleRunsOut(Payload):
    id: str
    name: str
    frequency: Frequency
    runs: list[RunSummaryOut] = Field(
        description="Latest first; counts are final once a run is completed (GET /runs/{id} "
        "shows a running run's progress)"
    )

    @classmethod
    def of(cls, entry: CycleRuns) -> CycleRunsOut:
        cycle = entry.cycle
        return cls(
            id=cycle.cycle_id,
            name=cycle.name,
            frequency=cycle.frequency,
            runs=[RunSummaryOut.of(run) for run in entry.runs],
        )


class CyclesView(Payload):
    items: list[CycleRunsOut]


class RunStatementsQuery(PageQuery):
    run_id: str = RunIdField


class PageTotalsOut(Payload):
    statements: int
    new_charges: str
    total_due: str

    @classmethod
    def of(cls, totals: StatementTotals) -> PageTotalsOut:
        return cls(
            statements=totals.statements,
            new_charges=money(totals.new_charges.amount),
            total_due=money(totals.total_due.amount),
        )


class RunStatementsView(Payload):
    run_id: str
    items: list[StatementSummaryOut] = Field(description="In account number order")
    page_totals: PageTotalsOut = Field(description="The sums of this page's statements")
    next_cursor: str | None


class PastDueOut(Payload):
    account_id: str
    account_number: str
    statement_id: str
    due_on: date
    days_past_due: int
    amount_owed: str

    @classmethod
    def of(cls, statement: OpenStatement, today: date) -> PastDueOut:
        return cls(
            account_id=statement.account_id,
            account_number=statement.account_number,
            statement_id=statement.statement_id,
            due_on=statement.due_on,
            days_past_due=statement.days_past_due(today),
            amount_owed=money(statement.owed.amount),
        )


class DelinquencyView(Payload):
    as_of: date
    items: list[PastDueOut] = Field(description="Oldest due date first")
    next_cursor: str | None


class TypesQuery(Request):
    months: Annotated[int, Field(strict=False, ge=1, le=60)] = 12


class MonthByTypeOut(Payload):
    """One month's charges by type (before tax), its taxes, and the whole billed."""

    month: str
    statements: int
    water: str
    sewer: str
    stormwater: str
    waste: str
    miscellaneous: str
    tax: str
    billed: str

    @classmethod
    def of(cls, month: str, totals: BillingTotals) -> MonthByTypeOut:
        return cls(
            month=month,
            statements=totals.statements,
            water=money(totals.charged(ChargeType.WATER).amount),
            sewer=money(totals.charged(ChargeType.SEWER).amount),
            stormwater=money(totals.charged(ChargeType.STORMWATER).amount),
            waste=money(totals.charged(ChargeType.WASTE).amount),
            miscellaneous=money(totals.charged(ChargeType.MISCELLANEOUS).amount),
            tax=money(totals.tax.amount),
            billed=money(totals.billed.amount),
        )


class TypesView(Payload):
    months: list[MonthByTypeOut] = Field(description="Oldest month first")


class LatestStatementOut(Payload):
    id: str
    issued_on: date
    due_on: date
    total_due: str
    amount_owed: str = Field(description="What is still owed on this statement")
    days_past_due: int

    @classmethod
    def of(cls, statement: Statement, balance: AccountBalance, today: date) -> LatestStatementOut:
        return cls(
            id=statement.statement_id,
            issued_on=statement.issued_on,
            due_on=statement.due_on,
            total_due=money(statement.total_due),
            amount_owed=money(balance.latest_owed.amount),
            days_past_due=balance.days_past_due(today),
        )


class BalanceResponse(Payload):
    account_id: str
    account_number: str
    balance: str = Field(description="What the account owes (negative: a credit)")
    latest_statement: LatestStatementOut | None

    @classmethod
    def of(
        cls, account_id: str, account_number: str, balance: AccountBalance, today: date
    ) -> BalanceResponse:
        latest = balance.latest
        return cls(
            account_id=account_id,
            account_number=account_number,
            balance=money(balance.balance.amount),
            latest_statement=None
            if latest is None
            else LatestStatementOut.of(latest, balance, today),
        )


class ExportRequest(Request):
    report: ReportKind
    run_id: str = RunIdField
    format: ExportFormat
    language: Language = Language.EN


class ExportStatusOut(Payload):
    """What every export answers, whatever its report: its status and, once done, its file."""

    id: str
    status: ExportStatus
    format: ExportFormat
    language: Language
    requested_by: str
    requested_at: datetime
    rows: int | None = Field(description="Rows in the file (a run's statements), once done")
    finished_at: datetime | None
    failure: str | None
    url: str | None = Field(description="A presigned GET of the file, once done")
    expires_in: int | None = Field(description="Seconds the URL stays valid")

    @staticmethod
    def fields_of(
        export: Export, url: str | None = None, expires_in: int | None = None
    ) -> dict[str, object]:
        return {
            "id": export.export_id,
            "status": export.status,
            "format": export.format,
            "language": export.language,
            "requested_by": export.requested_by,
            "requested_at": export.requested_at,
            "rows": export.rows,
            "finished_at": export.finished_at,
            "failure": export.failure,
            "url": url,
            "expires_in": expires_in,
        }


class ExportResponse(ExportStatusOut):
    report: ReportKind
    run_id: str

    @classmethod
    def of(
        cls, export: Export, url: str | None = None, expires_in: int | None = None
    ) -> ExportResponse:
        return cls.model_validate(
            cls.fields_of(export, url, expires_in)
            | {"report": export.report, "run_id": export.run_id}
        )


class ExportMessage(Payload):
    """The export queue's message: which export to make."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    export_id: str = Field(min_length=1, max_length=40)
