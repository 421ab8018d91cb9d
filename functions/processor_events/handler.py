"""SQS consumer of the payment processor's webhook deliveries: post what each requires.

A message is one verified event (the API checked its signature and its form before queueing it).
Posting is idempotent (the event is kept once, every ledger effect named by a key), so a
redelivery, a duplicate delivery or two events of one payment processed at once change nothing
twice. An event no retry will post (a wrong account number, money the ledger cannot take, events
that disagree) becomes a processor exception that clerks decide through the API. Only what a
retry may cure fails its message alone (``batchItemFailures``), for SQS to deliver it again.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from civiq.payments.config import PaymentSettings
from civiq.payments.domain.processor_exceptions import Delivery
from civiq.payments.schemas.processor_events import read_delivery
from civiq.payments.services.processor_events import ApplyProcessorEvent
from civiq.payments.wiring import apply_processor_event
from civiq.platform.sqs import process_messages

logger = Logger(service="civiq-processor-events")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def apply_event() -> ApplyProcessorEvent:
    return apply_processor_event(PaymentSettings())


def _event(delivery: Delivery) -> None:
    reported = delivery.reported
    logger.set_correlation_id(reported.event_id)
    logger.append_keys(processor_payment=reported.processor_payment_id, kind=reported.event_type)
    handled = apply_event()(delivery, reported.event_id)
    if handled.exception is not None:
        logger.warning("processor exception kept for a clerk", extra={"reason": handled.exception})
    else:
        logger.info("processor event applied", extra={"posted": [e.key for e in handled.posted]})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_messages(event, context, read_delivery, _event)
