"""The staff dashboard and report exports, wired to DynamoDB, S3 and SQS from settings: the one
place their services are built, for the API (``dashboard_composition.py``) and the report-export
worker.

The API imports this module at its cold start: what only the report-export worker builds (its
settings, the report writers with XlsxWriter and WeasyPrint) is imported by the function
building it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from civiq.accounts.adapters.dynamodb_workflows import DynamoBalances
from civiq.accounts.services.recording import Recorder
from civiq.billing.adapters.dynamodb import DynamoCycles, DynamoRuns
from civiq.core.clock import SystemClock
from civiq.core.export_formats import ExportFormat
from civiq.core.settings import CommonSettings
from civiq.platform.catalogs import default_templates_dir
from civiq.platform.runtime import client, configure_table, pdf_renderer, time_zone
from civiq.platform.s3 import S3DocumentLinks
from civiq.reporting.adapters.dynamodb_dashboard import DynamoDashboard
from civiq.reporting.adapters.dynamodb_exports import DynamoExports
from civiq.reporting.adapters.export_queue import SqsExportQueue
from civiq.reporting.services.dashboard import Dashboard
from civiq.reporting.services.exports import ProduceExport, RequestExport
from civiq.reporting.services.run_reports import run_report_sources

if TYPE_CHECKING:
    from civiq.reporting.config import ReportExportSettings
    from civiq.reporting.ports import ReportSource


def dashboard(settings: CommonSettings) -> Dashboard:
    """Staff's dashboard (the API's routes)."""
    configure_table(settings)
    return Dashboard(
        reader=DynamoDashboard(),
        cycles=DynamoCycles(),
        runs=DynamoRuns(),
        balances=DynamoBalances(),
        clock=SystemClock(),
        time_zone=time_zone(settings),
    )


@dataclass(frozen=True)
class ExportServices:
    """Report exports asked for by staff, and links to the files made (the API's routes)."""

    exports: DynamoExports
    request_export: RequestExport
    links: S3DocumentLinks


def export_services(
    settings: CommonSettings, *, export_queue_url: str, documents_bucket: str
) -> ExportServices:
    configure_table(settings)
    exports = DynamoExports()
    return ExportServices(
        exports=exports,
        request_export=RequestExport(
            exports,
            SqsExportQueue(client(settings, "sqs"), export_queue_url),
            DynamoRuns(),
            Recorder.system(time_zone(settings)),
        ),
        links=S3DocumentLinks(client(settings, "s3"), documents_bucket),
    )


def produce_export(
    settings: ReportExportSettings, sources: Mapping[str, ReportSource] | None = None
) -> ProduceExport:
    """Each asked-for report file made, CSV, XLSX or PDF (functions/report_export): a billing
    run's reports, and those of ``sources`` (other features' report kinds, built by their
    wirings)."""
    from civiq.reporting.adapters.reports import (
        CsvReportWriter,
        MessageCatalogs,
        PdfReportWriter,
        S3ReportFiles,
        XlsxReportWriter,
    )

    configure_table(settings)
    templates = settings.templates_dir or default_templates_dir()
    catalogs = MessageCatalogs(templates)
    return ProduceExport(
        exports=DynamoExports(),
        sources={**run_report_sources(DynamoDashboard()), **(sources or {})},
        writers={
            ExportFormat.CSV: CsvReportWriter(catalogs),
            ExportFormat.XLSX: XlsxReportWriter(catalogs, settings.municipality_name),
            ExportFormat.PDF: PdfReportWriter(pdf_renderer(templates), settings.municipality_name),
        },
        files=S3ReportFiles(client(settings, "s3"), settings.documents_bucket),
        clock=SystemClock(),
        time_zone=time_zone(settings),
    )
