"""SQS consumers with partial batch failures (Powertools), their records typed at the edge, and
messages put on a queue in batches.

Every queue consumer is one call: :func:`process_messages` parses each record's body into what
its handler takes (a pydantic model's ``model_validate_json``, say), then handles it;
:func:`process_domain_events` does so for the EventBridge events a rule puts on a queue. A record
that fails to parse or to be handled is reported back to SQS (``batchItemFailures``), so only it
is retried and, after the queue's maxReceiveCount, it lands in the DLQ.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from civiq.core.envelope import envelope_from_eventbridge
from civiq.core.events import DomainEvent

Message = TypeVar("Message")
MAX_BATCH_ENTRIES = 10  # SendMessageBatch's limit


def send_messages(sqs_client: Any, queue_url: str, bodies: Sequence[str]) -> None:
    """Put ``bodies`` on the queue, ten to a SendMessageBatch; raises ConnectionError when SQS
    refused any of them (the caller's run fails, and is retried)."""
    for start in range(0, len(bodies), MAX_BATCH_ENTRIES):
        batch = bodies[start : start + MAX_BATCH_ENTRIES]
        response = sqs_client.send_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(n), "MessageBody": body} for n, body in enumerate(batch)],
        )
        if response.get("Failed"):
            raise ConnectionError(f"{len(response['Failed'])} message(s) not sent to {queue_url}")


def process_messages(
    event: dict[str, Any],
    context: Any,
    parse: Callable[[str], Message],
    handle: Callable[[Message], object],
) -> dict[str, Any]:
    """Call ``handle(parse(body))`` for each record of the SQS ``event``; the partial batch
    response lists the records that raised."""

    def record_handler(record: SQSRecord) -> None:
        handle(parse(record.body))

    processor = BatchProcessor(event_type=EventType.SQS)
    return dict(
        process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    )


def domain_event(body: str) -> DomainEvent:
    """The domain event an EventBridge rule delivered to a queue (the event is the body)."""
    return envelope_from_eventbridge(json.loads(body)).to_domain()


def process_domain_events(
    event: dict[str, Any], context: Any, handle: Callable[[DomainEvent], object], logger: Logger
) -> dict[str, Any]:
    """Call ``handle`` for each record's domain event, logged with its correlation id, event id
    and type."""

    def handle_logged(domain: DomainEvent) -> None:
        logger.set_correlation_id(domain.correlation_id)
        logger.append_keys(event_id=domain.event_id, event_type=domain.event_type)
        handle(domain)

    return process_messages(event, context, domain_event, handle_logged)
