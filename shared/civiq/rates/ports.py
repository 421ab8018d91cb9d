"""The port of rate schedules (bylaw rates as versioned data). Adapters implement it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from civiq.core.audit import AuditEntry
from civiq.rates.domain.rates import RateSchedule


class RateScheduleRepository(Protocol):
    def get(self, schedule_id: str) -> RateSchedule:
        """Raises NotFound (field ``schedule_id``)."""
        ...

    def list(self) -> Sequence[RateSchedule]:
        """Every schedule, by id (a municipality has a handful); never scans the table."""
        ...

    def save(self, before: RateSchedule | None, after: RateSchedule, entry: AuditEntry) -> None:
        """Create (``before`` None; Conflict naming ``schedule_id`` when the id is taken) or
        replace if the stored version is still ``before.version`` (else VersionConflict), with
        its history entry, atomically."""
        ...
