"""SQS consumer of the export queue: make each asked-for report file (CSV, XLSX or PDF).

A message names an export; the worker reads its report's rows (a run's statements page by
page; the collection KPIs, the recovery per stage, the receivables aging from collections'
counters), streams them into the format's writer, stores the file as ``exports/<id>.<ext>`` and
marks the export done.
A message it cannot read, or an export it cannot make, fails its record alone
(``batchItemFailures``): SQS redelivers it and, after maxReceiveCount, dead-letters it. A
redelivered message rewrites the same key and finishes the export once.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

# The writers (XlsxWriter, WeasyPrint) load during the Lambda init, not at the first export
import civiq.platform.pdf
import civiq.reporting.adapters.reports  # noqa: F401
from civiq.collections import wiring as collections_wiring
from civiq.platform.sqs import process_messages
from civiq.reporting import wiring
from civiq.reporting.config import ReportExportSettings
from civiq.reporting.schemas.dashboard import ExportMessage
from civiq.reporting.services.exports import ProduceExport

logger = Logger(service="civiq-report-export")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def produce_export() -> ProduceExport:
    settings = ReportExportSettings()
    return wiring.produce_export(settings, collections_wiring.report_sources(settings))


def _export(message: ExportMessage) -> None:
    logger.set_correlation_id(message.export_id)
    export = produce_export()(message.export_id)
    logger.info(
        "export made",
        extra={"export_id": export.export_id, "format": export.format.value, "rows": export.rows},
    )


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_messages(event, context, ExportMessage.model_validate_json, _export)
