"""SQS consumer of the payment processor's webhook deliveries: post what each requires.

A message is one verified event (the API checked its signature before queueing it). Posting is
idempotent (the event is kept once, every ledger effect named by a key), so a redelivery, a
duplicate delivery or two events of one payment processed at once change nothing twice. A
message that cannot be applied (an unknown account number, a processor contradicting itself)
fails alone (``batchItemFailures``) and, after maxReceiveCount, waits in the DLQ for staff.
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
from civiq.payments.adapters.dynamodb_processor_events import DynamoProcessorEvents
from civiq.payments.config import PaymentSettings
from civiq.payments.schemas.processor_events import ProcessorEventIn
from civiq.payments.services.payments import PostPayment, RefundPayment
from civiq.payments.services.processor_events import ApplyProcessorEvent
from civiq.payments.wiring import dynamo_payment_ledger

logger = Logger(service="civiq-processor-events")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def apply_event() -> ApplyProcessorEvent:
    settings = PaymentSettings()
    books = dynamo_payment_ledger(settings)
    return ApplyProcessorEvent(
        DynamoProcessorEvents(),
        books,
        PostPayment(books, settings.allocation_order),
        RefundPayment(books),
        AccountNumberScheme(settings.account_number_prefix, settings.account_number_width),
        books.time_zone,
    )


def _event(record: SQSRecord) -> None:
    event = ProcessorEventIn.model_validate_json(record.body).to_domain()
    logger.set_correlation_id(event.event_id)
    logger.append_keys(processor_payment=event.processor_payment_id, kind=event.kind.value)
    posted = apply_event()(event, event.event_id)
    logger.info("processor event applied", extra={"posted": [e.key for e in posted]})


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    processor = BatchProcessor(event_type=EventType.SQS)
    return dict(
        process_partial_response(
            event=event, record_handler=_event, processor=processor, context=context
        )
    )
