"""Put an account's case on a staff member's worklist (or take it off every worklist)."""

from __future__ import annotations

from dataclasses import dataclass

from civiq.collections.domain.dunning import Case, assigned
from civiq.collections.ports import CaseChange
from civiq.collections.services.casework import Casework, Reading
from civiq.core.errors import Conflict
from civiq.core.events import Actor


@dataclass(frozen=True)
class AssignCase:
    work: Casework

    def __call__(
        self, account_id: str, assignee: str | None, actor: Actor, correlation_id: str
    ) -> Case:
        """Raises Conflict (no case open or paused on the account)."""
        work = self.work
        today = work.recorder.today()

        def decision(reading: Reading) -> CaseChange | None:
            case = reading.case
            if case.assigned_to == assignee:
                return None
            after = assigned(case, assignee, today)
            entry = work.entry(
                after, "CollectionCaseAssigned", actor, correlation_id, assignee=assignee
            )
            return CaseChange(after, entries=[entry])

        change = work.decide(account_id, today, decision)
        if change is not None:
            return change.after
        current = work.cases.current(account_id)
        if current is None:
            raise Conflict("the account has no collection case open", "id")
        return current
