"""In-memory fakes of the generic ports (clock, ids, publisher, audit log, documents,
workflows), for unit tests and the contract suite. Each feature keeps its own in
``<feature>/adapters/memory.py``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any, Protocol, TypeVar

from civiq.core.audit import AuditEntry
from civiq.core.events import DomainEvent
from civiq.core.language import Language
from civiq.core.ports import Execution, Page

T = TypeVar("T")


class SharedStore(Protocol):
    """What the fakes share with the accounts' in-memory store: history and the outbox."""

    history: dict[str, AuditEntry]
    outbox: dict[str, DomainEvent]


class FixedClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 26, 14, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class SequentialIds:
    def __init__(self, prefix: str = "ID") -> None:
        self._next = count(1)
        self._prefix = prefix

    def new_id(self) -> str:
        return f"{self._prefix}{next(self._next):08d}"


def page_of(items: Sequence[T], limit: int, cursor: str | None) -> Page[T]:
    """Offset cursors: enough for a fake."""
    start = int(cursor or 0)
    more = start + limit < len(items)
    return Page(items[start : start + limit], str(start + limit) if more else None)


class RecordingPublisher:
    def __init__(self, fail: bool = False) -> None:
        self.published: list[DomainEvent] = []
        self.fail = fail

    def publish(self, events: Sequence[DomainEvent]) -> None:
        if self.fail:
            raise ConnectionError("event bus unavailable")
        self.published.extend(events)


class InMemoryAuditLog:
    def __init__(self, store: SharedStore | None = None) -> None:
        self.entries: dict[str, AuditEntry] = store.history if store is not None else {}

    def record(self, entry: AuditEntry) -> bool:
        if entry.entry_id in self.entries:
            return False
        self.entries[entry.entry_id] = entry
        return True

    def entries_for(self, subject_id: str, limit: int, cursor: str | None) -> Page[AuditEntry]:
        found = sorted(
            (e for e in self.entries.values() if e.subject_id == subject_id),
            key=lambda e: (e.occurred_at, e.entry_id),
        )
        return page_of(found, limit, cursor)


class InMemoryDocuments:
    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, dict[str, str]]] = {}

    def put_pdf(self, key: str, body: bytes, metadata: Mapping[str, str]) -> None:
        self.objects[key] = (body, dict(metadata))


class FakeRenderer:
    """Records what it was asked to render; returns a minimal PDF-looking body."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Language, dict[str, object]]] = []

    def render_pdf(self, template: str, language: Language, context: Mapping[str, object]) -> bytes:
        self.calls.append((template, language, dict(context)))
        return b"%PDF-1.7 fake " + template.encode() + b" " + language.value.encode()


class InMemoryMilestones:
    def __init__(self, store: SharedStore) -> None:
        self.store = store
        self.recorded: set[tuple[str, str]] = set()

    def record(self, subject_id: str, milestone: str, events: Sequence[DomainEvent]) -> bool:
        if (subject_id, milestone) in self.recorded:
            return False
        self.recorded.add((subject_id, milestone))
        self.store.outbox.update({e.event_id: e for e in events})
        self.store.history.update({e.event_id: AuditEntry.of(e) for e in events})
        return True


class RecordingWorkflow:
    """A state machine that records starts (names are unique, as in Step Functions)."""

    def __init__(self) -> None:
        self.started: dict[str, Mapping[str, Any]] = {}
        self.stopped: dict[str, str] = {}  # name -> cause

    def start(self, name: str, payload: Mapping[str, Any]) -> bool:
        if name in self.started:
            return False
        self.started[name] = dict(payload)
        return True

    def stop(self, name: str, cause: str) -> bool:
        if name not in self.started or name in self.stopped:
            return False
        self.stopped[name] = cause
        return True

    def describe(self, name: str) -> Execution | None:
        if name not in self.started:
            return None
        status = "ABORTED" if name in self.stopped else "RUNNING"
        return Execution(name, status, datetime.now(UTC), None, self.started[name], None)


class RecordingCallbacks:
    """Task-token answers; ``expired`` tokens are refused as Step Functions refuses them."""

    def __init__(self) -> None:
        self.answers: list[tuple[str, str, Any]] = []  # (token, "succeed"|"fail", detail)
        self.expired: set[str] = set()

    def succeed(self, task_token: str, output: Mapping[str, Any]) -> bool:
        if task_token in self.expired:
            return False
        self.answers.append((task_token, "succeed", dict(output)))
        return True

    def fail(self, task_token: str, error: str, cause: str) -> bool:
        if task_token in self.expired:
            return False
        self.answers.append((task_token, "fail", (error, cause)))
        return True
