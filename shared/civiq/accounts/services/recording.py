"""Recording a use case: its before/after as one atomic :class:`Change`, with history
and events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from civiq.accounts.ports import Change, Entity
from civiq.core.audit import AuditEntry
from civiq.core.clock import SystemClock
from civiq.core.dates import MUNICIPAL_TIME_ZONE, local_today
from civiq.core.events import Actor, DomainEvent
from civiq.core.history import changes, subject_of
from civiq.core.ids import UlidGenerator
from civiq.core.ports import Clock, IdGenerator


@dataclass(frozen=True)
class Step:
    """One entity's part of a change: created (``before`` None) or revised."""

    after: Entity
    action: str
    before: Entity | None = None
    event: tuple[str, dict[str, Any]] | None = None  # (event type, payload) to announce


@dataclass(frozen=True)
class Recorder:
    clock: Clock
    ids: IdGenerator
    time_zone: ZoneInfo = MUNICIPAL_TIME_ZONE

    @classmethod
    def system(cls, time_zone: ZoneInfo) -> Recorder:
        """On the real clock, with new ULIDs: what a function's services record with."""
        return cls(SystemClock(), UlidGenerator(), time_zone)

    def today(self) -> date:
        """The municipality's calendar date: service dates and due dates are local dates."""
        return local_today(self.clock, self.time_zone)

    def change(self, steps: list[Step], actor: Actor, correlation_id: str) -> Change:
        """History entries (who, when, before/after) and events for ``steps``, as one change.

        A step's history entry takes its event's id, so the audit writer, which records the
        same event when it arrives from the bus, finds it already written.
        """
        now = self.clock.now()
        history: list[AuditEntry] = []
        events: list[DomainEvent] = []
        for step in steps:
            entry_id = self.ids.new_id()
            subject = subject_of(step.after)
            if step.event is not None:
                event_type, payload = step.event
                events.append(
                    DomainEvent(
                        entry_id, event_type, 1, now, actor, correlation_id, subject, payload
                    )
                )
            history.append(
                AuditEntry(
                    entry_id=entry_id,
                    subject_id=subject,
                    action=step.action,
                    actor_subject=actor.subject,
                    actor_role=actor.role,
                    occurred_at=now,
                    correlation_id=correlation_id,
                    detail={
                        "version": step.after.version,
                        "changes": changes(step.before, step.after),
                    },
                )
            )
        return Change(
            token=history[0].entry_id,
            created=[s.after for s in steps if s.before is None],
            revised=[(s.before, s.after) for s in steps if s.before is not None],
            history=history,
            events=events,
        )
