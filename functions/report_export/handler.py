"""SQS consumer of the export queue: make each asked-for report file (CSV, XLSX or PDF).

A message names an export; the worker reads its run's statements page by page, streams the rows
into the format's writer, stores the file as ``exports/<id>.<ext>`` and marks the export done.
A message it cannot read, or an export it cannot make, fails its record alone
(``batchItemFailures``): SQS redelivers it and, after maxReceiveCount, dead-letters it. A
redelivered message rewrites the same key and finishes the export once.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from civiq.core.clock import SystemClock
from civiq.platform import aws
from civiq.platform.dynamodb.table import configure_models
from civiq.platform.pdf import WeasyPrintRenderer, default_templates_dir
from civiq.reporting.adapters.dynamodb_dashboard import DynamoDashboard
from civiq.reporting.adapters.dynamodb_exports import DynamoExports
from civiq.reporting.adapters.reports import (
    CsvReportWriter,
    MessageCatalogs,
    PdfReportWriter,
    S3ReportFiles,
    XlsxReportWriter,
)
from civiq.reporting.config import ReportExportSettings
from civiq.reporting.domain.exports import ExportFormat
from civiq.reporting.schemas.dashboard import ExportMessage
from civiq.reporting.services.exports import ProduceExport

logger = Logger(service="civiq-report-export")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def produce_export() -> ProduceExport:
    settings = ReportExportSettings()
    configure_models(settings.table_name, settings.aws_region, settings.aws_endpoint_url)
    templates = settings.templates_dir or default_templates_dir()
    catalogs = MessageCatalogs(templates)
    s3 = aws.client("s3", settings.aws_region, settings.aws_endpoint_url)
    return ProduceExport(
        exports=DynamoExports(),
        reader=DynamoDashboard(),
        writers={
            ExportFormat.CSV: CsvReportWriter(catalogs),
            ExportFormat.XLSX: XlsxReportWriter(catalogs, settings.municipality_name),
            ExportFormat.PDF: PdfReportWriter(
                WeasyPrintRenderer(templates), settings.municipality_name
            ),
        },
        files=S3ReportFiles(s3, settings.documents_bucket),
        clock=SystemClock(),
        time_zone=ZoneInfo(settings.municipal_time_zone),
    )


def _export(record: SQSRecord) -> None:
    message = ExportMessage.model_validate_json(record.body)
    logger.set_correlation_id(message.export_id)
    export = produce_export()(message.export_id)
    logger.info(
        "export made",
        extra={"export_id": export.export_id, "format": export.format.value, "rows": export.rows},
    )


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    processor = BatchProcessor(event_type=EventType.SQS)
    return dict(
        process_partial_response(
            event=event, record_handler=_export, processor=processor, context=context
        )
    )
