"""Rate-change simulation payloads: the request, the job, its report and export links.

Amounts are decimal strings (dollars and cents), percentages decimal strings to 0.1. The report
is stored on the job in this shape (:meth:`SimulationReportOut.to_domain` reads it back), with
at most :data:`UNRATED_LISTED` unrated accounts: the CSV and XLSX exports list every one.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from civiq.billing.domain.simulation import (
    ChangeStatistics,
    Rerated,
    Revenue,
    SimulationReport,
    TypicalBill,
    Unrated,
)
from civiq.billing.domain.simulation_jobs import (
    ExportFormat,
    RateSimulation,
    SimulationStatus,
)
from civiq.core.language import Language
from civiq.core.money import dollars as money
from civiq.core.schemas import Cursor, Omissible, PageQuery, Payload, Request, exactly_one, rules
from civiq.rates.schemas.rates import RateVersionSpec, ScheduleId

UNRATED_LISTED = 200


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


class RateSimulationRequest(Request):
    """Simulate a draft on the last year of bills: give ``draft`` (a rate version, as on a rate
    schedule) or ``draft_schedule_id`` (its latest version is the draft), not both."""

    model_config = rules(exactly_one("draft", "draft_schedule_id"))

    schedule_id: ScheduleId = Field(
        description="The schedule billed today: its version in effect on year_ending is the "
        "current rates, and the accounts of the cycles it bills are simulated"
    )
    draft: Omissible[RateVersionSpec] = Field(
        default=None, description="The draft rates (their effective dates are not used)"
    )
    draft_schedule_id: Omissible[ScheduleId] = Field(
        default=None,
        description="A schedule holding the draft: its latest version (the current schedule's "
        "own id when the draft is a version added to it for next year)",
    )
    year_ending: date | None = Field(
        default=None,
        description="The last day of the year of bills simulated (default: today; not later)",
    )


class RevenueOut(Payload):
    name: str
    current: str
    draft: str
    change: str
    change_percent: str | None

    @classmethod
    def of(cls, row: Revenue) -> RevenueOut:
        return cls(
            name=row.name,
            current=money(row.current),
            draft=money(row.draft),
            change=money(row.change),
            change_percent=_text(row.change_percent),
        )

    def to_domain(self) -> Revenue:
        return Revenue(self.name, Decimal(self.current), Decimal(self.draft))


class ChangeStatisticsOut(Payload):
    median: str | None
    percentile_90: str | None
    largest: str | None
    largest_account_id: str | None

    @classmethod
    def of(cls, stats: ChangeStatistics) -> ChangeStatisticsOut:
        return cls(
            median=_text(stats.median),
            percentile_90=_text(stats.percentile_90),
            largest=_text(stats.largest),
            largest_account_id=stats.largest_account_id,
        )

    def to_domain(self) -> ChangeStatistics:
        return ChangeStatistics(
            _decimal(self.median),
            _decimal(self.percentile_90),
            _decimal(self.largest),
            self.largest_account_id,
        )


class TypicalBillOut(Payload):
    label: str = Field(description="low, median or high user")
    percentile: int = Field(description="Of the year's volume")
    account_id: str
    customer_class: str
    bills: int
    volume_m3: str
    current: str = Field(description="The year's bills, taxes included, under the current rates")
    draft: str
    change: str
    change_percent: str | None

    @classmethod
    def of(cls, typical: TypicalBill) -> TypicalBillOut:
        year = typical.account
        return cls(
            label=typical.label,
            percentile=typical.percentile,
            account_id=year.account_id,
            customer_class=year.customer_class,
            bills=year.bills,
            volume_m3=str(year.volume),
            current=money(year.current),
            draft=money(year.draft),
            change=money(year.change),
            change_percent=_text(year.change_percent),
        )

    def to_domain(self) -> TypicalBill:
        year = Rerated(
            self.account_id,
            self.customer_class,
            self.bills,
            Decimal(self.volume_m3),
            Decimal(self.current),
            Decimal(self.draft),
        )
        return TypicalBill(self.label, self.percentile, year)


class UnratedOut(Payload):
    account_id: str
    reason: str = Field(description="The rating error's code and field")


class SimulationReportOut(Payload):
    accounts: int = Field(description="Accounts rated under both")
    bills: int
    by_charge_type: list[RevenueOut] = Field(description="Revenue before tax")
    by_customer_class: list[RevenueOut] = Field(description="Revenue before tax")
    taxes: RevenueOut
    revenue: RevenueOut = Field(description="Every charge before tax")
    change_dollars: ChangeStatisticsOut = Field(
        description="Each account's change in its year's bills, taxes included"
    )
    change_percent: ChangeStatisticsOut = Field(
        description="The same in percent, of the accounts billed something now"
    )
    typical_bills: list[TypicalBillOut] = Field(description="Low, median and high users")
    unrated_count: int
    unrated: list[UnratedOut] = Field(
        description=f"The first {UNRATED_LISTED} accounts the rates could not rate; the CSV "
        "lists every one"
    )

    @classmethod
    def of(cls, report: SimulationReport) -> SimulationReportOut:
        return cls(
            accounts=report.accounts,
            bills=report.bills,
            by_charge_type=[RevenueOut.of(r) for r in report.by_charge_type],
            by_customer_class=[RevenueOut.of(r) for r in report.by_customer_class],
            taxes=RevenueOut.of(report.taxes),
            revenue=RevenueOut.of(report.revenue),
            change_dollars=ChangeStatisticsOut.of(report.dollars),
            change_percent=ChangeStatisticsOut.of(report.percent),
            typical_bills=[TypicalBillOut.of(t) for t in report.typical],
            unrated_count=len(report.unrated),
            unrated=[
                UnratedOut(account_id=u.account_id, reason=u.reason)
                for u in report.unrated[:UNRATED_LISTED]
            ],
        )

    def to_domain(self) -> SimulationReport:
        """The report as stored: its unrated accounts are the first listed only."""
        return SimulationReport(
            accounts=self.accounts,
            bills=self.bills,
            by_charge_type=[r.to_domain() for r in self.by_charge_type],
            by_customer_class=[r.to_domain() for r in self.by_customer_class],
            taxes=self.taxes.to_domain(),
            revenue=self.revenue.to_domain(),
            dollars=self.change_dollars.to_domain(),
            percent=self.change_percent.to_domain(),
            typical=[t.to_domain() for t in self.typical_bills],
            unrated=[Unrated(u.account_id, u.reason) for u in self.unrated],
        )


class RateSimulationSummaryOut(Payload):
    id: str
    status: SimulationStatus
    schedule_id: str
    draft_source: str = Field(description="The draft schedule's id, or inline")
    year_ending: date
    requested_by: str
    requested_at: datetime
    finished_at: datetime | None
    failure: str | None = Field(description="Why the last run failed (it is retried)")

    @classmethod
    def summary_of(cls, simulation: RateSimulation) -> RateSimulationSummaryOut:
        return cls(
            id=simulation.simulation_id,
            status=simulation.status,
            schedule_id=simulation.schedule_id,
            draft_source=simulation.draft_source,
            year_ending=simulation.year_ending,
            requested_by=simulation.requested_by,
            requested_at=simulation.requested_at,
            finished_at=simulation.finished_at,
            failure=simulation.failure,
        )


class RateSimulationOut(RateSimulationSummaryOut):
    draft: RateVersionSpec
    report: SimulationReportOut | None = Field(description="Once done")

    @classmethod
    def of(cls, simulation: RateSimulation) -> RateSimulationOut:
        report = simulation.report
        return cls(
            **RateSimulationSummaryOut.summary_of(simulation).model_dump(),
            draft=RateVersionSpec.of(simulation.draft),
            report=None if report is None else SimulationReportOut.of(report),
        )


class RateSimulationPage(Payload):
    items: list[RateSimulationSummaryOut] = Field(description="Newest first")
    next_cursor: Cursor | None


class RateSimulationQuery(PageQuery):
    pass


class SimulationExportQuery(Request):
    format: ExportFormat = Field(strict=False)
    language: Language = Field(
        default=Language.EN, strict=False, description="The PDF's language (en or fr)"
    )


class SimulationExportOut(Payload):
    id: str
    format: ExportFormat
    language: Language
    url: str = Field(description="A presigned GET of the file")
    expires_in: int = Field(description="Seconds the URL stays valid")


class SimulationMessage(Request):
    """The rate-simulation queue's message: which part of which job to run. The request's
    message names the job alone: its first part, which queues the others."""

    simulation_id: str = Field(min_length=1, max_length=40)
    part: int = Field(default=0, ge=0, le=100_000)
