"""SQS consumer of the readings bucket's upload notifications: split each uploaded reading file.

Malformed rows are counted on the import with their line and column; the good rows go to the
reading queue, each meter's rows together and in date order. A redelivered notification loads
nothing twice (the import keeps the file's ETag; rows are idempotent downstream).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.utilities.data_classes import S3Event

from civiq.metering import wiring
from civiq.metering.config import ReadingImportSettings
from civiq.metering.services.reading_imports import SplitImport
from civiq.platform.sqs import process_messages

logger = Logger(service="civiq-reading-import")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def split_import() -> SplitImport:
    return wiring.split_import(ReadingImportSettings())


def _notification(body: str) -> S3Event:
    return S3Event(json.loads(body))


def _uploaded(notification: S3Event) -> None:
    if notification.get("Event") == "s3:TestEvent":  # S3 checks the queue when configured
        return
    for upload in notification.records:
        key = unquote_plus(upload.s3.get_object.key)
        job = split_import()(key)
        if job is not None:
            summary = {"import_id": job.import_id, "status": job.status.value}
            logger.info("reading file split", extra={**summary, "rows": job.rows_total})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_messages(event, context, _notification, _uploaded)
