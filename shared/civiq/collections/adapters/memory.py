"""In-memory fakes of the collections ports, for tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from civiq.collections.domain.arrangements import Arrangement
from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict


class InMemoryArrangements:
    def __init__(self) -> None:
        self.arrangements: list[Arrangement] = []
        self.history: list[AuditEntry] = []
        self.checks: dict[str, date] = {}  # arrangement id (in force): its next check

    def of_account(self, account_id: str) -> Sequence[Arrangement]:
        found = [a for a in self.arrangements if a.account_id == account_id]
        return sorted(found, key=lambda a: a.made_at, reverse=True)

    def make(self, arrangement: Arrangement, first_check: date, entry: AuditEntry) -> None:
        if any(a.ended_on is None for a in self.of_account(arrangement.account_id)):
            raise Conflict("the account has an arrangement in force", "account_id")
        self.arrangements.append(arrangement)
        self.checks[arrangement.arrangement_id] = first_check
        self.history.append(entry)

    def due_for_check(self, day: date) -> Sequence[Arrangement]:
        return [
            a
            for a in self.arrangements
            if a.arrangement_id in self.checks and self.checks[a.arrangement_id] <= day
        ]

    def recheck(self, arrangement: Arrangement, on: date) -> None:
        if arrangement.arrangement_id in self.checks:
            self.checks[arrangement.arrangement_id] = on

    def end(self, before: Arrangement, after: Arrangement, entry: AuditEntry) -> None:
        if self.checks.pop(before.arrangement_id, None) is None:
            return
        self.arrangements[self.arrangements.index(before)] = after
        self.history.append(entry)
