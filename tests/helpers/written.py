"""Where a repository under a contract test writes its changes' history entries and events: the
accounts' in-memory store (its fakes share it), or the table's audit log and outbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import pytest

from civiq.accounts.adapters.memory import InMemoryStore
from civiq.core.fakes import InMemoryAuditLog
from civiq.platform.dynamodb.audit import DynamoAuditLog
from civiq.platform.dynamodb.outbox import DynamoOutbox

T = TypeVar("T")


@dataclass(frozen=True)
class Written:
    audit: Any
    outbox: Any

    @classmethod
    def in_memory(cls, store: InMemoryStore) -> Written:
        return cls(InMemoryAuditLog(store), store)

    @classmethod
    def on_dynamodb(cls) -> Written:
        return cls(DynamoAuditLog(), DynamoOutbox())

    def pending(self, before: datetime) -> list[str]:
        """The ids of the events in the outbox that occurred before ``before``."""
        if isinstance(self.outbox, InMemoryStore):
            return sorted(e.event_id for e in self.outbox.outbox.values() if e.occurred_at < before)
        return sorted(e.event_id for e in self.outbox.pending(before, 100))


def under_contract(
    request: pytest.FixtureRequest,
    in_memory: Callable[[InMemoryStore], T],
    on_dynamodb: Callable[[], T],
) -> tuple[T, Written]:
    """The repository of a ``params=["memory", "dynamodb"]`` fixture's ``request``, with where it
    writes (on DynamoDB: in-process moto, the ``aws`` fixture)."""
    if request.param == "memory":
        store = InMemoryStore()
        return in_memory(store), Written.in_memory(store)
    request.getfixturevalue("aws")
    return on_dynamodb(), Written.on_dynamodb()
