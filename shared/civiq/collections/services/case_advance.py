"""A case's workflow task: take the case up its ladder as far as today allows, and say when to
look again.

The case's execution (infra/statemachines/collection_case.asl.json) runs this, then waits until
the day it returns, and runs it again, until the case closes, pauses, or reaches its last stage.
An execution that is no longer the case's (it was stopped when the case paused, and a new one
started when it resumed) changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from civiq.collections.domain.dunning import (
    Case,
    CaseStatus,
    CollectionTask,
    advance,
    arrangement_hold,
    pause,
)
from civiq.collections.ports import CaseChange
from civiq.collections.services.casework import COLLECTIONS, Casework, Reading
from civiq.core.reruns import first_run_name

WAKE_TIME = time(6, 0)  # a stage's day starts its notices at 06:00, municipal time


@dataclass(frozen=True)
class CaseStep:
    """What the workflow does next: wait until ``wake_at``, or end (None)."""

    case: Case | None
    wake_at: datetime | None


@dataclass(frozen=True)
class AdvanceCase:
    work: Casework

    def __call__(
        self,
        case_id: str,
        account_id: str,
        execution: str,
        woke_for: date | None,
        correlation_id: str,
    ) -> CaseStep:
        """``woke_for``: the day the execution waited for (None on its first run). The case is
        taken as of that day at the earliest, so a wait that ended a little early never makes
        an execution wait again for the same day."""
        work = self.work
        today = work.recorder.today()
        on = max(today, woke_for) if woke_for is not None else today

        def ours(case: Case) -> bool:
            return case.case_id == case_id and case.execution == first_run_name(execution)

        read: list[Case] = []  # the case as the last decision read it

        def decision(reading: Reading) -> CaseChange | None:
            case = reading.case
            read[:] = [case]
            if not ours(case) or case.status is not CaseStatus.OPEN:
                return None
            held = work.arrangement_in_force(account_id)
            if held is not None:  # made, and the case not paused yet: pause it now
                after = pause(case, arrangement_hold(held.arrangement_id), on)
                entry = work.entry(
                    after,
                    "CollectionCasePaused",
                    COLLECTIONS,
                    correlation_id,
                    reason=after.paused_by,
                )
                return CaseChange(after, entries=[entry])
            ladder = work.ladder(case)
            due = case.next_on is not None and case.next_on <= on  # troubles read only then
            moved = advance(ladder, case, reading.late, on, work.shield(account_id) if due else [])
            after = moved.case
            if after == case:
                return None
            if moved.reached is not None:
                stage = moved.reached
                tasks = (
                    [
                        CollectionTask(
                            work.recorder.ids.new_id(), case_id, account_id, stage.code, on
                        )
                    ]
                    if stage.staff_task
                    else []
                )
                events = work.stage_events(after, stage, on, correlation_id)
                return CaseChange(after, reading.ledger_sequence, events, tasks=tasks)
            step = after.steps[-1]
            entry = work.entry(
                after,
                f"CollectionCase{step.kind.value.capitalize()}",
                COLLECTIONS,
                correlation_id,
                stage=step.stage,
                reason=step.reason,
                statement_id=after.anchor.statement_id,
                past_due=f"{after.past_due:.2f}",
            )
            return CaseChange(after, reading.ledger_sequence, entries=[entry])

        change = work.decide(account_id, on, decision)
        case = change.after if change is not None else next(iter(read), None)
        if case is None or not ours(case) or case.status is not CaseStatus.OPEN:
            return CaseStep(None, None)
        if case.next_on is None:
            return CaseStep(case, None)  # at its last stage: staff take it from here
        wake_at = datetime.combine(case.next_on, WAKE_TIME, work.recorder.time_zone)
        return CaseStep(case, wake_at)
