"""Ports: what the services need from the outside world. Adapters implement them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeAlias, TypeVar

from civiq.domain.accounts import Account, AccountStatus, HolderRole, ServiceType
from civiq.domain.audit import AuditEntry
from civiq.domain.customers import Customer
from civiq.domain.events import DomainEvent
from civiq.domain.language import Language
from civiq.domain.properties import Property
from civiq.domain.search import SearchQuery

Entity: TypeAlias = Account | Customer | Property
T = TypeVar("T")


class Clock(Protocol):
    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        ...


class IdGenerator(Protocol):
    def new_id(self) -> str: ...


@dataclass(frozen=True)
class Change:
    """One atomic change: every item is written, or none is.

    ``revised`` pairs are (before, after); each is written only if the stored version is still
    ``before.version`` (optimistic locking). Uniqueness (account numbers, roll numbers) is
    enforced by the adapter. ``token`` makes a retried commit a no-op (the first event's id).
    """

    token: str
    created: Sequence[Entity] = ()
    revised: Sequence[tuple[Entity, Entity]] = ()
    history: Sequence[AuditEntry] = ()
    events: Sequence[DomainEvent] = ()


@dataclass(frozen=True)
class AccountSummary:
    """An account as lists and search results show it."""

    account_id: str
    account_number: str
    property_id: str
    unit: str | None
    holder_customer_id: str
    holder_name: str
    holder_role: HolderRole
    service_address: str
    status: AccountStatus
    services: tuple[ServiceType, ...]
    autopay: bool

    @classmethod
    def of(cls, account: Account) -> AccountSummary:
        return cls(
            account.account_id,
            account.account_number,
            account.property_id,
            account.service_address.unit,
            account.holder.customer_id,
            account.holder.name,
            account.holder_role,
            account.service_address.one_line(),
            account.status,
            account.active_services(),
            account.autopay,
        )


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None


class Changes(Protocol):
    def commit(self, change: Change) -> None:
        """Write ``change`` atomically. Raises Conflict (a taken account or roll number) or
        VersionConflict (a revised entity changed since it was read)."""
        ...


class AccountRepository(Protocol):
    def next_sequence(self) -> int:
        """Next account-number sequence value (atomic, never reused)."""
        ...

    def get(self, account_id: str) -> Account:
        """Raises NotFound."""
        ...

    def get_by_number(self, account_number: str) -> Account:
        """Raises NotFound."""
        ...

    def list_by_status(
        self, status: AccountStatus, service: ServiceType | None, limit: int, cursor: str | None
    ) -> Page[AccountSummary]:
        """One page in account-number order; ``cursor`` is the previous page's ``next_cursor``."""
        ...

    def search(
        self,
        query: SearchQuery,
        status: AccountStatus | None,
        service: ServiceType | None,
        limit: int,
        cursor: str | None,
    ) -> Page[AccountSummary]:
        """Accounts matching every word of ``query``; never scans the table."""
        ...

    def of_property(self, property_id: str) -> Sequence[AccountSummary]: ...

    def of_customer(self, customer_id: str) -> Sequence[AccountSummary]:
        """Accounts the customer holds or owns as owner of record."""
        ...

    def on_route(self, route: str) -> Iterator[AccountSummary]:
        """Every account on a meter-reading route that is not closed, in id order, read page
        by page as the caller consumes it."""
        ...


class PropertyRepository(Protocol):
    def get(self, property_id: str) -> Property:
        """Raises NotFound."""
        ...

    def get_by_roll_number(self, roll_number: str) -> Property:
        """Raises NotFound."""
        ...


class CustomerRepository(Protocol):
    def get(self, customer_id: str) -> Customer:
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

    def entries_for(self, subject_id: str, limit: int, cursor: str | None) -> Page[AuditEntry]:
        """Oldest first."""
        ...


class DocumentRenderer(Protocol):
    def render_pdf(self, template: str, language: Language, context: Mapping[str, object]) -> bytes:
        """Render ``templates/<template>.html.j2`` in ``language`` to a tagged PDF."""
        ...


class DocumentStore(Protocol):
    def put_pdf(self, key: str, body: bytes, metadata: Mapping[str, str]) -> None: ...
