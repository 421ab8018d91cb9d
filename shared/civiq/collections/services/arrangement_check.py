"""The daily check of the payment arrangements in force (functions/arrangement_check).

A broken arrangement is ended with its notice to the holder, in one transaction, and the
account's collection case resumes where it left off (or opens, when the account had none); a
completed one lets the case resume too, which closes it when nothing is past due any more.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, replace

from civiq.accounts.services.recording import Recorder
from civiq.collections.domain.arrangements import (
    Arrangement,
    ArrangementPolicy,
    ArrangementStatus,
    Compliance,
    Standing,
    compliance,
    paid_toward,
)
from civiq.collections.domain.dunning import arrangement_hold
from civiq.collections.ports import Arrangements
from civiq.collections.services.case_holds import ResumeCase
from civiq.collections.services.case_opening import OpenCase
from civiq.core.errors import Conflict
from civiq.core.events import Actor, DomainEvent
from civiq.core.money import dollars as money
from civiq.ledger.ports import JournalReader


@dataclass(frozen=True)
class Checked:
    kept: int
    broken: int
    completed: int


@dataclass(frozen=True)
class CheckArrangements:
    """The daily check: each arrangement whose next payment's grace ended is checked against
    what the account paid since it was made; kept, it is checked again past the next payment's
    grace; missed, it is broken; paid in full, it is completed. Each end is recorded once (the
    store ends an arrangement only while it is in force), so a rerun changes nothing."""

    arrangements: Arrangements
    ledger: JournalReader
    policy: ArrangementPolicy
    recorder: Recorder
    resume_case: ResumeCase
    open_case: OpenCase

    def __call__(self, correlation_id: str) -> Checked:
        today = self.recorder.today()
        counts = {standing: 0 for standing in Standing}
        for arrangement in self.arrangements.due_for_check(today):
            since = self.ledger.entries_since(arrangement.account_id, arrangement.ledger_head)
            found = compliance(
                arrangement.terms,
                arrangement.instalments,
                paid_toward(since.entries),
                today,
                self.policy.grace_days,
            )
            counts[found.standing] += 1
            if found.standing is Standing.KEPT:
                next_check = arrangement.check_on(self.policy.grace_days, today)
                self.arrangements.recheck(arrangement, next_check)
                continue
            status = (
                ArrangementStatus.BROKEN
                if found.standing is Standing.MISSED
                else ArrangementStatus.COMPLETED
            )
            ended = replace(arrangement, status=status, ended_on=today)
            self._end(arrangement, ended, found, correlation_id)
        return Checked(counts[Standing.KEPT], counts[Standing.MISSED], counts[Standing.COMPLETED])

    def _end(
        self, before: Arrangement, ended: Arrangement, found: Compliance, correlation_id: str
    ) -> None:
        work = self.resume_case.work
        today = self.recorder.today()
        events = [self._ended(ended, found, correlation_id)]
        if found.missed is not None:
            _, late = work.late(before.account_id, today)
            events += work.breach_events(ended, found.missed, late, today, correlation_id)
        if self.arrangements.end(before, ended, events):
            work.events.after_commit(events)
        hold = arrangement_hold(before.arrangement_id)
        resumed = self.resume_case(before.account_id, CHECK, correlation_id, held_by=hold)
        if resumed is None:  # no case was waiting for it: one opens if enough is past due
            with suppress(Conflict):  # a case already, or too little past due to follow
                self.open_case(before.account_id, CHECK, correlation_id)

    def _ended(self, ended: Arrangement, found: Compliance, correlation_id: str) -> DomainEvent:
        """ArrangementBroken (the instalment missed) or ArrangementCompleted."""
        missed = found.missed
        broken = ended.status is ArrangementStatus.BROKEN
        return DomainEvent(
            event_id=self.recorder.ids.new_id(),
            event_type="ArrangementBroken" if broken else "ArrangementCompleted",
            version=1,
            occurred_at=self.recorder.clock.now(),
            actor=CHECK,
            correlation_id=correlation_id,
            subject_id=f"ACCOUNT#{ended.account_id}",
            detail={
                "arrangement_id": ended.arrangement_id,
                "account_id": ended.account_id,
                "ended_on": ended.ended_on.isoformat() if ended.ended_on else None,
                "due": money(found.due),
                "paid": money(found.paid),
                "missed_instalment": None if missed is None else missed.number,
                "missed_due_on": None if missed is None else missed.due_on.isoformat(),
            },
        )


CHECK = Actor(subject="civiq-arrangement-check", role="system")
