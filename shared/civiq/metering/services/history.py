"""History entries and events of a metering change, kept in the meter's own partition.

Like :meth:`civiq.accounts.services.recording.Recorder.change`: one entry per changed meter or read
(who, when, before/after); an entry announcing events takes the first event's id, and each
further event gets its own entry with its id, so the audit writer, which records every event when
it comes back from the bus, finds them already written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from civiq.accounts.services.recording import Recorder
from civiq.core.audit import AuditEntry
from civiq.core.events import Actor, DomainEvent
from civiq.core.history import changes
from civiq.metering.domain.metering import InstalledMeter, Reading
from civiq.metering.ports import MeteringChange

Announcement = tuple[str, dict[str, Any]]  # (event type, payload)


def meter_subject(meter_id: str) -> str:
    return f"METER#{meter_id}"


@dataclass
class MeteringAudit:
    recorder: Recorder
    actor: Actor
    correlation_id: str
    history: list[AuditEntry] = field(default_factory=list)
    events: list[DomainEvent] = field(default_factory=list)

    def entry(
        self,
        action: str,
        before: InstalledMeter | Reading | None,
        after: InstalledMeter | Reading,
        announce: list[Announcement] | None = None,
    ) -> None:
        now = self.recorder.clock.now()
        subject = meter_subject(after.meter_id)
        new = [
            DomainEvent(
                self.recorder.ids.new_id(),
                event_type,
                1,
                now,
                self.actor,
                self.correlation_id,
                subject,
                payload,
            )
            for event_type, payload in announce or []
        ]
        self.history.append(
            AuditEntry(
                entry_id=new[0].event_id if new else self.recorder.ids.new_id(),
                subject_id=subject,
                action=action,
                actor_subject=self.actor.subject,
                actor_role=self.actor.role,
                occurred_at=now,
                correlation_id=self.correlation_id,
                detail={"version": after.version, "changes": changes(before, after)},
            )
        )
        self.history.extend(AuditEntry.of(event) for event in new[1:])
        self.events.extend(new)

    def change(
        self,
        installed: list[InstalledMeter] | None = None,
        revised: list[tuple[InstalledMeter, InstalledMeter]] | None = None,
        recorded: list[Reading] | None = None,
        reviewed: list[tuple[Reading, Reading]] | None = None,
    ) -> MeteringChange:
        return MeteringChange(
            installed=installed or [],
            revised=revised or [],
            recorded=recorded or [],
            reviewed=reviewed or [],
            history=list(self.history),
            events=list(self.events),
        )
