"""SQS consumers of EventBridge events, with partial batch failures (Powertools)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from civiq.core.envelope import envelope_from_eventbridge
from civiq.core.events import DomainEvent


def process_domain_events(
    event: dict[str, Any], context: Any, handle: Callable[[DomainEvent], object], logger: Logger
) -> dict[str, Any]:
    """Call ``handle`` for each record's domain event; failed records are reported back to SQS
    (``batchItemFailures``) so only they are retried and, after maxReceiveCount, land in the DLQ.
    """

    def record_handler(record: SQSRecord) -> None:
        domain_event = envelope_from_eventbridge(json.loads(record.body)).to_domain()
        logger.set_correlation_id(domain_event.correlation_id)
        logger.append_keys(event_id=domain_event.event_id, event_type=domain_event.event_type)
        handle(domain_event)

    processor = BatchProcessor(event_type=EventType.SQS)
    return dict(
        process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    )
