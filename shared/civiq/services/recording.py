"""Turn a use case's before/after into one atomic :class:`Change` with its history and events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from civiq.domain.audit import AuditEntry
from civiq.domain.errors import VersionConflict
from civiq.domain.events import Actor, DomainEvent
from civiq.domain.history import changes, subject_of
from civiq.ports import Change, Clock, Entity, IdGenerator

MUNICIPAL_TIME_ZONE = ZoneInfo("America/Toronto")  # the default; each deployment sets its own


def check_version(current_version: int, expected: int, what: str) -> None:
    """Refuse early when the client edited an older version (the commit checks it again)."""
    if current_version != expected:
        raise VersionConflict(f"{what} is at version {current_version}; reload it", current_version)


@dataclass(frozen=True)
class Step:
    """One entity's part of a change: created (``before`` None) or revised."""

    after: Entity
    action: str
    before: Entity | None = None
    event: tuple[str, dict[str, Any]] | None = None  # (event type, payload) to announce


def local_today(clock: Clock, time_zone: ZoneInfo = MUNICIPAL_TIME_ZONE) -> date:
    return clock.now().astimezone(time_zone).date()


@dataclass(frozen=True)
class Recorder:
    clock: Clock
    ids: IdGenerator
    time_zone: ZoneInfo = MUNICIPAL_TIME_ZONE

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
