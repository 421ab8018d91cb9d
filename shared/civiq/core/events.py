"""Domain events: an envelope that every event shares, and the event types."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

EVENT_SOURCE = "civiq.utility"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did it: a staff subject and role, or a system component."""

    subject: str
    role: str


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """One fact that happened. ``event_id`` is the idempotency key of every consumer."""

    event_id: str
    event_type: str
    version: int
    occurred_at: datetime
    actor: Actor
    correlation_id: str
    subject_id: str
    detail: dict[str, Any]
