"""Exports of the collections reports over the API: what a clerk asks for (a report, a format,
a language and the parameters that apply to that report) and the export answered."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field

from civiq.collections.domain.aging import AgingFilter, RowKind
from civiq.collections.domain.dunning import CustomerClass
from civiq.collections.domain.kpis import DEFAULT_MONTHS, MAX_MONTHS
from civiq.collections.domain.report_exports import (
    AGING_ONLY,
    CollectionExportAsk,
    CollectionReport,
)
from civiq.collections.schemas.aging import CUSTOMER_ID, REVENUE_TYPE, ROUTE, Department, Service
from civiq.core.export_formats import ExportFormat
from civiq.core.language import Language
from civiq.core.schemas import Omissible, Request, leave_out, rules, when
from civiq.reporting.domain.exports import Export
from civiq.reporting.schemas.dashboard import ExportStatusOut


def _not_given(*names: str) -> dict[str, Any]:
    return {"not": {"anyOf": [{"required": [name]} for name in names]}}


def _other_than(report: CollectionReport) -> dict[str, Any]:
    return {"report": {"not": {"const": report.value}}}


class CollectionExportRequest(Request):
    """A collections report as a file: ``months`` applies to ar-kpis alone, the aging's
    parameters to ar-aging alone; ``customer_id`` needs ``by``."""

    model_config = rules(
        when(_other_than(CollectionReport.KPIS), _not_given("months")),
        when(_other_than(CollectionReport.AGING), _not_given(*AGING_ONLY)),
        {"dependentRequired": {"customer_id": ["by"]}},
    )

    report: CollectionReport = Field(
        description="ar-kpis: the collection KPIs by month; ar-recovery: the recovery per "
        "dunning stage; ar-aging: the receivables aging (by bucket, or with by, who owes)"
    )
    format: ExportFormat
    language: Omissible[Language] = Field(
        default=None, description="Default: the Accept-Language header's (else en)"
    )
    months: int | None = Field(
        default=None,
        ge=1,
        le=MAX_MONTHS,
        description=f"ar-kpis: how many months up to this one (default {DEFAULT_MONTHS})",
        json_schema_extra=leave_out(),
    )
    as_of: Omissible[date] = Field(
        default=None, description="ar-aging: the day the receivables are aged on (default: today)"
    )
    route: str | None = Field(
        default=None,
        description="ar-aging: of this route",
        pattern=ROUTE,
        json_schema_extra=leave_out(),
    )
    customer_class: Omissible[CustomerClass] = None
    department: Omissible[Department] = None
    service: Omissible[Service] = None
    revenue_type: str | None = Field(
        default=None,
        description="ar-aging: of this revenue type",
        pattern=REVENUE_TYPE,
        json_schema_extra=leave_out(),
    )
    by: Omissible[RowKind] = Field(
        default=None, description="ar-aging: one row per customer, or per account, that owes"
    )
    customer_id: str | None = Field(
        default=None,
        description="ar-aging with by: only this customer's row, or accounts",
        pattern=CUSTOMER_ID,
        json_schema_extra=leave_out(),
    )

    def ask(self) -> CollectionExportAsk:
        return CollectionExportAsk(
            report=self.report,
            months=self.months,
            as_of=self.as_of,
            filters=AgingFilter(
                route=self.route,
                customer_class=self.customer_class.value if self.customer_class else None,
                department=self.department.value if self.department else None,
                service=self.service.value if self.service else None,
                revenue_type=self.revenue_type,
            ),
            by=self.by,
            customer_id=self.customer_id,
        )


class CollectionExportResponse(ExportStatusOut):
    report: CollectionReport
    parameters: dict[str, str] = Field(
        description="What the report is of, defaults filled in: months; as_of, the filters, by"
    )

    @classmethod
    def of(
        cls, export: Export, url: str | None = None, expires_in: int | None = None
    ) -> CollectionExportResponse:
        return cls.model_validate(
            cls.fields_of(export, url, expires_in)
            | {"report": export.report, "parameters": dict(export.parameters)}
        )
