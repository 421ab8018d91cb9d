"""Ports of notices: wording alerts and receipts, recording notifications, queueing route
reminders, storing receipt documents."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from civiq.core.events import DomainEvent
from civiq.core.language import Language
from civiq.core.ports import DocumentStore
from civiq.notices.domain.alerts import Message, NotificationKind, RouteReminder
from civiq.notices.domain.receipts import Receipt


class Wording(Protocol):
    def word(
        self, kind: NotificationKind, language: Language, arguments: Mapping[str, object]
    ) -> Message:
        """The plain-text subject and body of ``kind`` in ``language``; dates and numbers in
        ``arguments`` are written as that language writes them. A missing message raises."""
        ...


class NotificationLog(Protocol):
    def record(self, event: DomainEvent) -> bool:
        """The NotificationRequested event to the outbox with its history entry on the account,
        atomically; False (nothing written) when it was recorded before (a redelivery)."""
        ...


class ReminderQueue(Protocol):
    def send(self, tasks: Sequence[RouteReminder]) -> None:
        """One message per task (a route of a cycle period, or the rest of one); raises when
        any is not accepted."""
        ...


class ReceiptDocuments(DocumentStore, Protocol):
    def exists(self, key: str) -> bool:
        """True when a document is stored under ``key``: a redelivered payment's receipt is
        not rendered again."""
        ...


class ReceiptWording(Protocol):
    def word(self, receipt: Receipt) -> Message:
        """The receipt's plain-text subject and body in ``receipt.language``, amounts and dates
        written as that language writes them. A missing message raises."""
        ...
