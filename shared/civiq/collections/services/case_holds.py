"""Hold a collection case, and let it go on: a payment arrangement or a dispute pauses the case
(its execution is stopped: no stage advances while it is held), and the case resumes where it
left off when the arrangement is broken or the dispute settled, under a new execution.

Staff pause and resume a case for a dispute through the API; making an arrangement pauses the
account's case, and the daily arrangement check resumes it when the arrangement is broken or
completed (a completed arrangement usually leaves nothing past due: the case then closes).
"""

from __future__ import annotations

from dataclasses import dataclass

from civiq.collections.domain.dunning import Case, CaseStatus, pause, resume
from civiq.collections.ports import CaseChange
from civiq.collections.services.casework import Casework, Reading
from civiq.core.events import Actor

DISPUTE = "dispute"


@dataclass(frozen=True)
class PauseCase:
    work: Casework

    def __call__(
        self, account_id: str, reason: str, actor: Actor, correlation_id: str
    ) -> Case | None:
        """The account's open case paused for ``reason``; None when it has no case open (a
        paused case stays paused, for its first reason)."""
        work = self.work

        def decision(reading: Reading) -> CaseChange | None:
            case = reading.case
            if case.status is not CaseStatus.OPEN:
                return None
            after = pause(case, reason, work.recorder.today())
            entry = work.entry(after, "CollectionCasePaused", actor, correlation_id, reason=reason)
            return CaseChange(after, entries=[entry])

        change = work.decide(account_id, work.recorder.today(), decision)
        if change is None:
            return None
        work.stop(change.after, f"paused: {reason}")  # pausing keeps the execution's name
        return change.after


@dataclass(frozen=True)
class ResumeCase:
    work: Casework

    def __call__(
        self, account_id: str, actor: Actor, correlation_id: str, held_by: str | None = None
    ) -> Case | None:
        """The account's paused case back on its ladder (closed instead when nothing worth
        following is past due any more); None when it has no case paused (``held_by``: for
        that reason; an arrangement resumes only the case it paused)."""
        work = self.work
        today = work.recorder.today()

        def decision(reading: Reading) -> CaseChange | None:
            case = reading.case
            if case.status is not CaseStatus.PAUSED:
                return None
            if held_by is not None and case.paused_by != held_by:
                return None
            after = resume(work.ladder(case), case, reading.late, today)
            action = (
                "CollectionCaseResumed"
                if after.status is CaseStatus.OPEN
                else "CollectionCaseClosed"
            )
            entry = work.entry(
                after,
                action,
                actor,
                correlation_id,
                held_by=case.paused_by,
                past_due=f"{after.past_due:.2f}",
                next_stage_on=after.next_on.isoformat() if after.next_on else None,
            )
            return CaseChange(after, reading.ledger_sequence, entries=[entry])

        change = work.decide(account_id, today, decision)
        if change is None:
            return None
        if change.after.status is CaseStatus.OPEN:
            work.start(change.after)
        return change.after
