"""Write the audit record of a domain event (idempotent on the event id)."""

from __future__ import annotations

from dataclasses import dataclass

from civiq.core.audit import AuditEntry
from civiq.core.events import DomainEvent
from civiq.core.ports import AuditLog


@dataclass(frozen=True)
class RecordAudit:
    audit: AuditLog

    def __call__(self, event: DomainEvent) -> bool:
        """True when recorded now, False when it was a redelivery."""
        return self.audit.record(AuditEntry.of(event))
