"""Generic ports every feature uses: the clock, ids, pages, the outbox and event publisher, the
audit log, documents, and workflows (Step Functions executions, task-token callbacks, milestones).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from civiq.core.audit import AuditEntry
from civiq.core.events import DomainEvent
from civiq.core.language import Language

T = TypeVar("T")


class Clock(Protocol):
    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        ...


class IdGenerator(Protocol):
    def new_id(self) -> str: ...


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None


class Outbox(Protocol):
    """Events stored with the change that caused them, until they are published."""

    def pending(self, older_than: datetime, limit: int) -> Sequence[DomainEvent]: ...

    def mark_published(self, events: Sequence[DomainEvent]) -> None:
        """Forget ``events``: they were published (in as few requests as the store allows)."""
        ...


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


class Milestones(Protocol):
    """A workflow step that changes no entity records its completion here, once."""

    def record(self, subject_id: str, milestone: str, events: Sequence[DomainEvent]) -> bool:
        """Record ``milestone`` of ``subject_id`` with ``events`` (to the outbox) atomically.

        Returns False, writing nothing, when it was recorded before (a retried task).
        """
        ...


@dataclass(frozen=True)
class Execution:
    """One run of a workflow, as the API reports it."""

    name: str
    status: str  # RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED
    started_at: datetime
    stopped_at: datetime | None
    input: Mapping[str, Any]
    output: Mapping[str, Any] | None
    error: str | None = None
    cause: str | None = None


class Workflow(Protocol):
    """One state machine."""

    def start(self, name: str, payload: Mapping[str, Any]) -> bool:
        """Start the execution ``name``; False when it exists already (idempotent)."""
        ...

    def describe(self, name: str) -> Execution | None: ...

    def stop(self, name: str, cause: str) -> bool:
        """Stop the execution ``name``; False when it is not running (ended, or never started)."""
        ...


class Callbacks(Protocol):
    """Answers to a workflow waiting on a task token."""

    def succeed(self, task_token: str, output: Mapping[str, Any]) -> bool:
        """False when the token is no longer awaited (timed out, already answered)."""
        ...

    def fail(self, task_token: str, error: str, cause: str) -> bool: ...
