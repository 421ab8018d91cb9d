"""SQS consumer of remittance chunks: match a chunk of a bank file's lines and post the certain
ones (functions/api queued the chunks when the file was uploaded).

A chunk is idempotent line by line (a line's outcome is recorded once, its payment id is the
file and the line), so a redelivered or duplicated chunk pays nothing twice. A chunk that fails
(an infrastructure error) is retried alone (``batchItemFailures``) and, after maxReceiveCount,
waits in the DLQ.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.payments.adapters.dynamodb_remittances import DynamoRemittances
from civiq.payments.config import PaymentSettings
from civiq.payments.schemas.remittances import ChunkMessage
from civiq.payments.services.payments import PostPayment
from civiq.payments.services.remittances import ApplyRemittanceChunk, LedgerDirectory
from civiq.payments.wiring import dynamo_payment_ledger
from civiq.platform import aws
from civiq.platform.s3 import S3RemittanceContents

logger = Logger(service="civiq-remittances")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def apply_chunk() -> ApplyRemittanceChunk:
    settings = PaymentSettings()
    if not settings.documents_bucket:
        raise RuntimeError("DOCUMENTS_BUCKET must be set")
    books = dynamo_payment_ledger(settings)
    region, endpoint = settings.aws_region, settings.aws_endpoint_url
    return ApplyRemittanceChunk(
        DynamoRemittances(),
        S3RemittanceContents(aws.client("s3", region, endpoint), settings.documents_bucket),
        LedgerDirectory(books.accounts, books.ledger, books.payments),
        PostPayment(books, settings.allocation_order),
        AccountNumberScheme(settings.account_number_prefix, settings.account_number_width),
    )


def _chunk(record: SQSRecord) -> None:
    chunk = ChunkMessage.model_validate_json(record.body)
    logger.set_correlation_id(chunk.remittance_id)
    done = apply_chunk()(chunk.remittance_id, chunk.first_line, chunk.last_line)
    logger.info(
        "remittance lines matched",
        extra={
            "lines": [chunk.first_line, chunk.last_line],
            "posted": done.posted,
            "exceptions": done.exceptions,
        },
    )


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    processor = BatchProcessor(event_type=EventType.SQS)
    return dict(
        process_partial_response(
            event=event, record_handler=_chunk, processor=processor, context=context
        )
    )
