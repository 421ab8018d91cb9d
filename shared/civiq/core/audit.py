"""Audit entries: append-only who/what/when records, one per domain event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from civiq.core.events import DomainEvent


@dataclass(frozen=True, slots=True)
class AuditEntry:
    entry_id: str
    subject_id: str
    action: str
    actor_subject: str
    actor_role: str
    occurred_at: datetime
    correlation_id: str
    detail: dict[str, Any]

    @classmethod
    def of(cls, event: DomainEvent) -> AuditEntry:
        return cls(
            entry_id=event.event_id,
            subject_id=event.subject_id,
            action=event.event_type,
            actor_subject=event.actor.subject,
            actor_role=event.actor.role,
            occurred_at=event.occurred_at,
            correlation_id=event.correlation_id,
            detail=event.detail,
        )
