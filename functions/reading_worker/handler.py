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
from zoneinfo import ZoneInfo

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from civiq.accounts.services.recording import Recorder
from civiq.core.clock import SystemClock
from civiq.core.ids import UlidGenerator
from civiq.core.publishing import PublishEvents
from civiq.core.settings import CommonSettings
from civiq.metering.adapters.dynamodb import DynamoImports, DynamoMetering
from civiq.metering.schemas.reading_imports import RowBatchMessage
from civiq.metering.services.reading_imports import LoadImportRows
from civiq.metering.services.readings import RecordReading
from civiq.platform import aws
from civiq.platform.dynamodb.outbox import DynamoOutbox
from civiq.platform.dynamodb.table import configure_models
from civiq.platform.eventbridge import EventBridgePublisher

logger = Logger(service="civiq-reading-worker")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def load_rows() -> LoadImportRows:
    settings = CommonSettings()
    configure_models(settings.table_name, settings.aws_region, settings.aws_endpoint_url)
    events = PublishEvents(
        DynamoOutbox(),
        EventBridgePublisher(
            aws.client("events", settings.aws_region, settings.aws_endpoint_url),
            settings.event_bus_name,
        ),
    )
    recorder = Recorder(SystemClock(), UlidGenerator(), ZoneInfo(settings.municipal_time_zone))
    store = DynamoMetering()
    record = RecordReading(store, store, store, events, recorder)
    return LoadImportRows(store, record, DynamoImports())


def _rows(record: SQSRecord) -> None:
    batch = RowBatchMessage.model_validate_json(record.body).to_batch()
    logger.set_correlation_id(batch.import_id)
    errors = load_rows()(batch)
    logger.info("rows recorded", extra={"rows": len(batch.rows), "rejected": len(errors)})


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    processor = BatchProcessor(event_type=EventType.SQS)
    return dict(
        process_partial_response(
            event=event, record_handler=_rows, processor=processor, context=context
        )
    )
