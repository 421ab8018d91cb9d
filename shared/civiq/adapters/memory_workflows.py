"""In-memory fakes of the workflow ports (:mod:`civiq.workflow_ports`), for unit tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from civiq.adapters.memory import InMemoryStore
from civiq.domain.audit import AuditEntry
from civiq.domain.errors import Conflict, NotFound, VersionConflict
from civiq.domain.events import DomainEvent
from civiq.domain.money import Money
from civiq.domain.transfers import Transfer
from civiq.workflow_ports import Execution


class InMemoryBalances:
    """Balances set by the test; an account never set owes nothing."""

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self.owed: dict[str, Money] = {}

    def balance_of(self, account_id: str) -> Money:
        self.store.get(account_id)  # NotFound for an unknown account
        return self.owed.get(account_id, Money.zero())


class InMemoryMilestones:
    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self.recorded: set[tuple[str, str]] = set()

    def record(self, subject_id: str, milestone: str, events: Sequence[DomainEvent]) -> bool:
        if (subject_id, milestone) in self.recorded:
            return False
        self.recorded.add((subject_id, milestone))
        self.store.outbox.update({e.event_id: e for e in events})
        self.store.history.update({e.event_id: AuditEntry.of(e) for e in events})
        return True


class InMemoryTransfers:
    """Transfers and the one-open-transfer-per-property claim, with optimistic locking."""

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self.transfers: dict[str, Transfer] = {}
        self.open_claims: dict[str, str] = {}  # property id -> transfer id

    def find(self, transfer_id: str) -> Transfer | None:
        return self.transfers.get(transfer_id)

    def get(self, transfer_id: str) -> Transfer:
        found = self.transfers.get(transfer_id)
        if found is None:
            raise NotFound(f"no transfer with id {transfer_id}", "id")
        return found

    def open_transfer_of(self, property_id: str) -> str | None:
        return self.open_claims.get(property_id)

    def create(self, transfer: Transfer, events: Sequence[DomainEvent] = ()) -> None:
        if transfer.transfer_id in self.transfers:
            raise Conflict(f"transfer {transfer.transfer_id} already exists", "id")
        holder = self.open_claims.get(transfer.property_id)
        if holder is not None:
            raise Conflict(f"the property has an open transfer ({holder})", "property_id")
        self.transfers[transfer.transfer_id] = transfer
        self.open_claims[transfer.property_id] = transfer.transfer_id
        self.store.outbox.update({e.event_id: e for e in events})
        self.store.history.update({e.event_id: AuditEntry.of(e) for e in events})

    def update(self, before: Transfer, after: Transfer, events: Sequence[DomainEvent] = ()) -> None:
        current = self.get(before.transfer_id)
        if current.version != before.version:
            raise VersionConflict("the transfer was changed meanwhile", current.version)
        self.transfers[after.transfer_id] = after
        if not after.is_open and self.open_claims.get(after.property_id) == after.transfer_id:
            del self.open_claims[after.property_id]
        self.store.outbox.update({e.event_id: e for e in events})
        self.store.history.update({e.event_id: AuditEntry.of(e) for e in events})


class RecordingWorkflow:
    """A state machine that records starts (names are unique, as in Step Functions)."""

    def __init__(self) -> None:
        self.started: dict[str, Mapping[str, Any]] = {}

    def start(self, name: str, payload: Mapping[str, Any]) -> bool:
        if name in self.started:
            return False
        self.started[name] = dict(payload)
        return True

    def describe(self, name: str) -> Execution | None:
        if name not in self.started:
            return None
        return Execution(name, "RUNNING", datetime.now(UTC), None, self.started[name], None)


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
