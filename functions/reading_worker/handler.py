"""SQS consumer of import rows: record each row's read through RecordReading.

A message is rows of one import; a row the rules refuse (unknown meter, a different value for a
recorded date, a date in the future...) is counted rejected with its column, not failed. Only an
unreadable message or an infrastructure error fails its record, which SQS redelivers alone
(``batchItemFailures``) and, after maxReceiveCount, dead-letters; a redelivered row changes
nothing (idempotent on meter and read date, its outcome counted once).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from civiq.core.settings import CommonSettings
from civiq.metering.schemas.reading_imports import RowBatchMessage
from civiq.metering.services.reading_imports import LoadImportRows
from civiq.metering.wiring import load_import_rows
from civiq.platform.sqs import process_messages

logger = Logger(service="civiq-reading-worker")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def load_rows() -> LoadImportRows:
    return load_import_rows(CommonSettings())


def _rows(message: RowBatchMessage) -> None:
    batch = message.to_batch()
    logger.set_correlation_id(batch.import_id)
    errors = load_rows()(batch)
    logger.info("rows recorded", extra={"rows": len(batch.rows), "rejected": len(errors)})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_messages(event, context, RowBatchMessage.model_validate_json, _rows)
