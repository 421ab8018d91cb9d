"""Ports: what the services need from the outside world. Adapters implement them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from civiq.domain.accounts import Account, AccountStatus
from civiq.domain.audit import AuditEntry
from civiq.domain.events import DomainEvent
from civiq.domain.language import Language


class Clock(Protocol):
    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        ...


class IdGenerator(Protocol):
    def new_id(self) -> str: ...


@dataclass(frozen=True)
class AccountPage:
    accounts: Sequence[Account]
    next_cursor: str | None


class AccountRepository(Protocol):
    def next_sequence(self) -> int:
        """Next account-number sequence value (atomic, never reused)."""
        ...

    def add(self, account: Account, event: DomainEvent) -> None:
        """Store a new account and its event in the outbox atomically.

        Raises Conflict when the id or the account number exists.
        """
        ...

    def get(self, account_id: str) -> Account:
        """Raises NotFound."""
        ...

    def list_by_status(self, status: AccountStatus, limit: int, cursor: str | None) -> AccountPage:
        """One page in account-number order; ``cursor`` is the previous page's ``next_cursor``."""
        ...

    def get_by_number(self, account_number: str) -> Account:
        """Raises NotFound."""
        ...


class Outbox(Protocol):
    """Events stored with the change that caused them, until they are published."""

    def pending(self, older_than: datetime, limit: int) -> Sequence[DomainEvent]: ...

    def mark_published(self, event: DomainEvent) -> None: ...


class EventPublisher(Protocol):
    def publish(self, events: Sequence[DomainEvent]) -> None:
        """Publish all events or raise; consumers de-duplicate on ``event_id``."""
        ...


class AuditLog(Protocol):
    def record(self, entry: AuditEntry) -> bool:
        """Append once; False when the entry was already recorded (a redelivery)."""
        ...

    def entries_for(self, subject_id: str) -> Sequence[AuditEntry]: ...


class DocumentRenderer(Protocol):
    def render_pdf(self, template: str, language: Language, context: Mapping[str, object]) -> bytes:
        """Render ``templates/<template>.html.j2`` in ``language`` to a tagged PDF."""
        ...


class DocumentStore(Protocol):
    def put_pdf(self, key: str, body: bytes, metadata: Mapping[str, str]) -> None: ...
