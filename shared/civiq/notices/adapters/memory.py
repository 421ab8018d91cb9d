"""In-memory fakes of the notices' ports, for unit tests."""

from __future__ import annotations

from collections.abc import Sequence

from civiq.accounts.adapters.memory import InMemoryStore
from civiq.core.audit import AuditEntry
from civiq.core.events import DomainEvent
from civiq.core.fakes import InMemoryDocuments
from civiq.notices.domain.alerts import RouteReminder


class InMemoryNotificationLog:
    """Writes to the store's history and outbox, like the DynamoDB adapter's transaction."""

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store

    def record(self, event: DomainEvent) -> bool:
        if event.event_id in self.store.history:
            return False
        self.store.history[event.event_id] = AuditEntry.of(event)
        self.store.outbox[event.event_id] = event
        return True


class RecordingReminderQueue:
    def __init__(self) -> None:
        self.sent: list[RouteReminder] = []

    def send(self, tasks: Sequence[RouteReminder]) -> None:
        self.sent.extend(tasks)


class InMemoryReceiptDocuments(InMemoryDocuments):
    def exists(self, key: str) -> bool:
        return key in self.objects
