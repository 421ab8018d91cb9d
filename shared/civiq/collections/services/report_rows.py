"""The row sources of the collections reports (:class:`civiq.reporting.ports.ReportSource`),
which the report worker asks for the report and rows of an export of their kind: the KPIs and
the recovery per stage from the KPI counters, the aging from the aging cells (a constant number
of requests), and who owes from the receivables index, ranked as the drill-down ranks them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from civiq.collections.domain.aging import ranked_rows
from civiq.collections.domain.report_exports import (
    AGING_COLUMNS,
    KPI_COLUMNS,
    OWING_COLUMNS,
    RECOVERY_COLUMNS,
    AgingAsked,
    CollectionReport,
    aging_rows,
    kpi_row,
    kpi_subject,
    owing_rows,
    recovery_row,
)
from civiq.collections.ports import Receivables
from civiq.collections.services.aging_report import AgingReport
from civiq.collections.services.collection_kpis import CollectionKpiReport
from civiq.reporting.domain.exports import Export, Report, ReportRows
from civiq.reporting.ports import ReportSource


@dataclass(frozen=True)
class KpiRows:
    """One row per month, oldest first."""

    kpis: CollectionKpiReport

    def __call__(self, export: Export, produced_on: date) -> ReportRows:
        kpis = self.kpis(int(export.parameters["months"]))
        subject = kpi_subject(kpis)
        report = Report(
            CollectionReport.KPIS.value,
            f"{subject['first']}-{subject['last']}",
            export.language,
            produced_on,
            KPI_COLUMNS,
            subject,
        )
        return ReportRows(report, [kpi_row(month) for month in kpis.months])


@dataclass(frozen=True)
class RecoveryRows:
    """One row per dunning stage, most cases reached first."""

    kpis: CollectionKpiReport

    def __call__(self, export: Export, produced_on: date) -> ReportRows:
        kpis = self.kpis(1)  # the stages' figures are of every case, whatever the months
        as_of = kpis.as_of.isoformat()
        report = Report(
            CollectionReport.RECOVERY.value,
            as_of,
            export.language,
            produced_on,
            RECOVERY_COLUMNS,
            {"as_of": as_of},
        )
        return ReportRows(report, [recovery_row(stage) for stage in kpis.stages])


@dataclass(frozen=True)
class AgingRows:
    """The buckets (then the total and the credits); with ``by``, who owes."""

    aging: AgingReport
    receivables: Receivables

    def __call__(self, export: Export, produced_on: date) -> ReportRows:
        asked = AgingAsked.of(export.parameters)
        report = Report(
            asked.report_kind,
            asked.name,
            export.language,
            produced_on,
            AGING_COLUMNS if asked.by is None else OWING_COLUMNS,
            asked.subject,
        )
        if asked.by is None:
            return ReportRows(report, aging_rows(self.aging(asked.filters, asked.as_of).aging))
        listed = self.receivables.listed()
        owing = ranked_rows(listed, asked.by, asked.filters, asked.as_of, asked.customer_id)
        return ReportRows(report, owing_rows(owing))


def collection_report_sources(
    kpis: CollectionKpiReport, aging: AgingReport, receivables: Receivables
) -> dict[str, ReportSource]:
    """The collections reports' kinds, each to its row source."""
    return {
        CollectionReport.KPIS.value: KpiRows(kpis),
        CollectionReport.RECOVERY.value: RecoveryRows(kpis),
        CollectionReport.AGING.value: AgingRows(aging, receivables),
    }
