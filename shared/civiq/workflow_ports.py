"""Ports of the move-in/move-out and ownership-transfer workflows. Adapters implement them.

Kept beside :mod:`civiq.ports` (which describes accounts, properties and customers) so the two
can change independently; the services import both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from civiq.domain.events import DomainEvent
from civiq.domain.money import Money
from civiq.domain.transfers import Transfer


class Balances(Protocol):
    def balance_of(self, account_id: str) -> Money:
        """What the holder owes (negative: a credit). Raises NotFound for an unknown account."""
        ...


class Milestones(Protocol):
    """A workflow step that changes no entity records its completion here, once."""

    def record(self, subject_id: str, milestone: str, events: Sequence[DomainEvent]) -> bool:
        """Record ``milestone`` of ``subject_id`` with ``events`` (to the outbox) atomically.

        Returns False, writing nothing, when it was recorded before (a retried task).
        """
        ...


class TransferRepository(Protocol):
    def find(self, transfer_id: str) -> Transfer | None: ...

    def get(self, transfer_id: str) -> Transfer:
        """Raises NotFound."""
        ...

    def open_transfer_of(self, property_id: str) -> str | None:
        """The id of the property's open transfer, if it has one."""
        ...

    def create(self, transfer: Transfer, events: Sequence[DomainEvent] = ()) -> None:
        """Write a new transfer with the property's open-transfer claim, atomically. Raises
        Conflict (field ``property_id``) when the property has another open transfer, and
        Conflict (field ``id``) when this transfer exists."""
        ...

    def update(self, before: Transfer, after: Transfer, events: Sequence[DomainEvent] = ()) -> None:
        """Write ``after`` if the stored version is still ``before.version`` (else
        VersionConflict), with ``events``; a closed transfer releases the property's claim."""
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


class Callbacks(Protocol):
    """Answers to a workflow waiting on a task token."""

    def succeed(self, task_token: str, output: Mapping[str, Any]) -> bool:
        """False when the token is no longer awaited (timed out, already answered)."""
        ...

    def fail(self, task_token: str, error: str, cause: str) -> bool: ...
