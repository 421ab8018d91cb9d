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
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from civiq.metering.adapters.dynamodb import DynamoImports
from civiq.metering.adapters.reading_files import S3ImportFiles, SqsRowQueue
from civiq.metering.config import ReadingImportSettings
from civiq.metering.services.reading_imports import SplitImport
from civiq.platform import aws
from civiq.platform.dynamodb.table import configure_models

logger = Logger(service="civiq-reading-import")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def split_import() -> SplitImport:
    settings = ReadingImportSettings()
    configure_models(settings.table_name, settings.aws_region, settings.aws_endpoint_url)
    region, endpoint = settings.aws_region, settings.aws_endpoint_url
    return SplitImport(
        DynamoImports(),
        S3ImportFiles(aws.client("s3", region, endpoint), settings.readings_bucket),
        SqsRowQueue(aws.client("sqs", region, endpoint), settings.reading_queue_url),
    )


def _uploaded(record: SQSRecord) -> None:
    notification = json.loads(record.body)
    if notification.get("Event") == "s3:TestEvent":  # S3 checks the queue when configured
        return
    for upload in notification["Records"]:
        key = unquote_plus(upload["s3"]["object"]["key"])
        job = split_import()(key)
        if job is not None:
            summary = {"import_id": job.import_id, "status": job.status.value}
            logger.info("reading file split", extra={**summary, "rows": job.rows_total})


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    processor = BatchProcessor(event_type=EventType.SQS)
    return dict(
        process_partial_response(
            event=event, record_handler=_uploaded, processor=processor, context=context
        )
    )
