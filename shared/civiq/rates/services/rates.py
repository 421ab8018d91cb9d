"""Rate schedules: create one, add a version, quote what an account would be charged.

Schedules are bylaw data: every change is a new schedule version, written with its history
entry (who, when, before and after) in the schedule's own history (``RATE#<id>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from civiq.accounts.services.recording import Recorder
from civiq.core.audit import AuditEntry
from civiq.core.errors import check_version
from civiq.core.events import Actor
from civiq.core.history import changes
from civiq.rates.domain.charges import RatedBill
from civiq.rates.domain.rates import RateSchedule, RateVersion
from civiq.rates.domain.rating import RatingInput, rate
from civiq.rates.ports import RateScheduleRepository


def rate_subject(schedule_id: str) -> str:
    return f"RATE#{schedule_id}"


def _entry(
    recorder: Recorder,
    action: str,
    before: RateSchedule | None,
    after: RateSchedule,
    actor: Actor,
    correlation_id: str,
) -> AuditEntry:
    detail: dict[str, Any] = {"version": after.version, "changes": changes(before, after)}
    return AuditEntry(
        entry_id=recorder.ids.new_id(),
        subject_id=rate_subject(after.schedule_id),
        action=action,
        actor_subject=actor.subject,
        actor_role=actor.role,
        occurred_at=recorder.clock.now(),
        correlation_id=correlation_id,
        detail=detail,
    )


@dataclass(frozen=True)
class CreateRateSchedule:
    schedules: RateScheduleRepository
    recorder: Recorder

    def __call__(self, schedule: RateSchedule, actor: Actor, correlation_id: str) -> RateSchedule:
        """Store a new schedule (version 1). Conflict naming ``schedule_id`` when it exists."""
        if schedule.version != 1:
            raise ValueError("a new schedule is version 1")
        entry = _entry(self.recorder, "RateScheduleCreated", None, schedule, actor, correlation_id)
        self.schedules.save(None, schedule, entry)
        return schedule


@dataclass(frozen=True)
class AddRateVersion:
    schedules: RateScheduleRepository
    recorder: Recorder

    def __call__(
        self,
        schedule_id: str,
        expected_version: int,
        version: RateVersion,
        actor: Actor,
        correlation_id: str,
    ) -> RateSchedule:
        """Add ``version`` to the schedule read at ``expected_version`` (else VersionConflict).

        A version starting after an open-ended last version closes it the day before; any other
        overlap is a Conflict naming ``effective_from``.
        """
        before = self.schedules.get(schedule_id)
        check_version(before.version, expected_version, "the rate schedule")
        after = before.with_version(version)
        entry = _entry(self.recorder, "RateVersionAdded", before, after, actor, correlation_id)
        self.schedules.save(before, after, entry)
        return after


@dataclass(frozen=True)
class QuoteRate:
    schedules: RateScheduleRepository

    def __call__(self, schedule_id: str, request: RatingInput) -> RatedBill:
        """What ``request`` would be charged under the schedule (nothing is written)."""
        return rate(self.schedules.get(schedule_id), request)
