"""In-memory fake of the rate schedule port (:mod:`civiq.rates.ports`), for unit tests and the
contract suite."""

from __future__ import annotations

from collections.abc import Sequence

from civiq.accounts.adapters.memory import InMemoryStore
from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict, NotFound, VersionConflict
from civiq.rates.domain.rates import RateSchedule


class InMemoryRateSchedules:
    """Schedules by id, with optimistic locking; history entries go to the shared store."""

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self.schedules: dict[str, RateSchedule] = {}

    def get(self, schedule_id: str) -> RateSchedule:
        found = self.schedules.get(schedule_id)
        if found is None:
            raise NotFound(f"no rate schedule {schedule_id}", "schedule_id")
        return found

    def list(self) -> Sequence[RateSchedule]:
        return [self.schedules[key] for key in sorted(self.schedules)]

    def save(self, before: RateSchedule | None, after: RateSchedule, entry: AuditEntry) -> None:
        current = self.schedules.get(after.schedule_id)
        if before is None and current is not None:
            raise Conflict(f"rate schedule {after.schedule_id} already exists", "schedule_id")
        if before is not None:
            if current is None:
                raise NotFound(f"no rate schedule {after.schedule_id}", "schedule_id")
            if current.version != before.version:
                raise VersionConflict(
                    "the rate schedule was changed by someone else; reload it", current.version
                )
        self.schedules[after.schedule_id] = after
        self.store.history[entry.entry_id] = entry
