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

from civiq.payments.config import PaymentSettings
from civiq.payments.schemas.processor_events import ProcessorEventIn
from civiq.payments.services.processor_events import ApplyProcessorEvent
from civiq.payments.wiring import apply_processor_event
from civiq.platform.sqs import process_messages

logger = Logger(service="civiq-processor-events")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def apply_event() -> ApplyProcessorEvent:
    return apply_processor_event(PaymentSettings())


def _event(message: ProcessorEventIn) -> None:
    event = message.to_domain()
    logger.set_correlation_id(event.event_id)
    logger.append_keys(processor_payment=event.processor_payment_id, kind=event.kind.value)
    posted = apply_event()(event, event.event_id)
    logger.info("processor event applied", extra={"posted": [e.key for e in posted]})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_messages(event, context, ProcessorEventIn.model_validate_json, _event)
