"""In-memory fakes of the collections ports, for tests."""

from __future__ import annotations

from collections.abc import Sequence

from civiq.collections.domain.arrangements import Arrangement
from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict


class InMemoryArrangements:
    def __init__(self) -> None:
        self.arrangements: list[Arrangement] = []
        self.history: list[AuditEntry] = []

    def of_account(self, account_id: str) -> Sequence[Arrangement]:
        found = [a for a in self.arrangements if a.account_id == account_id]
        return sorted(found, key=lambda a: a.made_at, reverse=True)

    def make(self, arrangement: Arrangement, entry: AuditEntry) -> None:
        if any(a.ended_on is None for a in self.of_account(arrangement.account_id)):
            raise Conflict("the account has an arrangement in force", "account_id")
        self.arrangements.append(arrangement)
        self.history.append(entry)
