"""EventPublisher on EventBridge."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from civiq.core.envelope import EventEnvelope
from civiq.core.events import EVENT_SOURCE, DomainEvent

MAX_ENTRIES_PER_CALL = 10


class PublishFailed(Exception):
    """EventBridge refused some entries; the outbox keeps them for the relay."""


class EventBridgePublisher:
    def __init__(self, events_client: Any, bus_name: str) -> None:
        self._events = events_client
        self._bus = bus_name

    def publish(self, events: Sequence[DomainEvent]) -> None:
        for start in range(0, len(events), MAX_ENTRIES_PER_CALL):
            batch = events[start : start + MAX_ENTRIES_PER_CALL]
            response = self._events.put_events(
                Entries=[
                    {
                        "EventBusName": self._bus,
                        "Source": EVENT_SOURCE,
                        "DetailType": event.event_type,
                        "Detail": EventEnvelope.of(event).model_dump_json(),
                        "Resources": [],
                    }
                    for event in batch
                ]
            )
            if response.get("FailedEntryCount"):
                raise PublishFailed(f"{response['FailedEntryCount']} event(s) not accepted")
