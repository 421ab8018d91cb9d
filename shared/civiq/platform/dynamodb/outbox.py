"""The transactional outbox: events saved with the change, deleted once published."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from civiq.core.envelope import EventEnvelope
from civiq.core.events import DomainEvent
from civiq.platform.dynamodb import keys
from civiq.platform.dynamodb.table import OutboxItem


def outbox_item(event: DomainEvent) -> OutboxItem:
    return OutboxItem(
        pk=keys.outbox_pk(event.event_id),
        sk=keys.outbox_sk(event.occurred_at, event.event_id),
        envelope=EventEnvelope.of(event).model_dump(mode="json"),
    )


class DynamoOutbox:
    def pending(self, older_than: datetime, limit: int) -> Sequence[DomainEvent]:
        """Events left unpublished (the publisher failed after the commit)."""
        events: list[DomainEvent] = []
        for shard in range(keys.OUTBOX_SHARDS):
            for item in OutboxItem.query(
                f"OUTBOX#{shard}", OutboxItem.sk < older_than.isoformat(), limit=limit
            ):
                events.append(EventEnvelope.model_validate(item.envelope).to_domain())
        events.sort(key=lambda e: e.occurred_at)
        return events[:limit]

    def mark_published(self, events: Sequence[DomainEvent]) -> None:
        """Delete the events' items: one by DeleteItem, several 25 to a BatchWriteItem request
        (PynamoDB sends again what DynamoDB leaves unprocessed), which a function publishing
        several events at once must be allowed."""
        items = [
            OutboxItem(
                pk=keys.outbox_pk(event.event_id),
                sk=keys.outbox_sk(event.occurred_at, event.event_id),
            )
            for event in events
        ]
        if len(items) == 1:
            items[0].delete()
            return
        with OutboxItem.batch_write() as batch:
            for item in items:
                batch.delete(item)
