"""In-memory fakes of every port, for unit tests and the contract suite."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from itertools import count

from civiq.domain.accounts import Account, AccountStatus
from civiq.domain.audit import AuditEntry
from civiq.domain.errors import Conflict, NotFound
from civiq.domain.events import DomainEvent
from civiq.domain.language import Language
from civiq.ports import AccountPage


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


class InMemoryAccounts:
    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.outbox: dict[str, DomainEvent] = {}
        self._sequence = 0

    def next_sequence(self) -> int:
        self._sequence += 1
        return self._sequence

    def add(self, account: Account, event: DomainEvent) -> None:
        taken = {a.account_number for a in self.accounts.values()}
        if account.account_id in self.accounts or account.account_number in taken:
            raise Conflict(
                f"account number {account.account_number} is already in use", "account_number"
            )
        self.accounts[account.account_id] = account
        self.outbox[event.event_id] = event

    def get(self, account_id: str) -> Account:
        try:
            return self.accounts[account_id]
        except KeyError:
            raise NotFound(f"no account with id {account_id}", "id") from None

    def get_by_number(self, account_number: str) -> Account:
        for account in self.accounts.values():
            if account.account_number == account_number:
                return account
        raise NotFound(f"no account with number {account_number}", "id")

    def list_by_status(self, status: AccountStatus, limit: int, cursor: str | None) -> AccountPage:
        ordered = sorted(
            (a for a in self.accounts.values() if a.status is status),
            key=lambda a: a.account_number,
        )
        after = [a for a in ordered if cursor is None or a.account_number > cursor]
        page = after[:limit]
        more = len(after) > limit
        return AccountPage(page, page[-1].account_number if more else None)

    # Outbox
    def pending(self, older_than: datetime, limit: int) -> Sequence[DomainEvent]:
        waiting = [e for e in self.outbox.values() if e.occurred_at < older_than]
        return sorted(waiting, key=lambda e: e.occurred_at)[:limit]

    def mark_published(self, event: DomainEvent) -> None:
        self.outbox.pop(event.event_id, None)


class RecordingPublisher:
    def __init__(self, fail: bool = False) -> None:
        self.published: list[DomainEvent] = []
        self.fail = fail

    def publish(self, events: Sequence[DomainEvent]) -> None:
        if self.fail:
            raise ConnectionError("event bus unavailable")
        self.published.extend(events)


class InMemoryAuditLog:
    def __init__(self) -> None:
        self.entries: dict[str, AuditEntry] = {}

    def record(self, entry: AuditEntry) -> bool:
        if entry.entry_id in self.entries:
            return False
        self.entries[entry.entry_id] = entry
        return True

    def entries_for(self, subject_id: str) -> Sequence[AuditEntry]:
        found = [e for e in self.entries.values() if e.subject_id == subject_id]
        return sorted(found, key=lambda e: (e.occurred_at, e.entry_id))


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
