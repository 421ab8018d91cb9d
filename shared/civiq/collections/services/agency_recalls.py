"""Take a referral back from its agency (supervisors): the recall goes in the agency's file of
the day, and the account's collection case resumes on its ladder where the referral left it
(closed instead when nothing worth following is past due any more), as when an arrangement
ends."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass

from civiq.collections.domain.agencies import (
    FileLine,
    LineType,
    Referral,
    ReferralStatus,
    agency_hold,
)
from civiq.collections.ports import Referrals
from civiq.collections.services.agency_referrals import referral_event
from civiq.collections.services.case_holds import ResumeCase
from civiq.collections.services.case_opening import OpenCase
from civiq.core.errors import Conflict, NotFound
from civiq.core.events import Actor
from civiq.core.money import dollars as money

RECALLED = "AgencyReferralRecalled"


def release_case(
    open_case: OpenCase, referral: Referral, actor: Actor, correlation_id: str
) -> None:
    """The account's case back on its ladder, if the referral holds it (a case paused for
    another reason stays paused); one opens when the account had none and enough is past due
    (a bill that fell due while it was referred)."""
    hold = agency_hold(referral.referral_id)
    resumed = ResumeCase(open_case.work)(referral.account_id, actor, correlation_id, held_by=hold)
    if resumed is None and open_case.work.cases.current(referral.account_id) is None:
        with suppress(Conflict):  # too little past due to follow, an arrangement in force
            open_case(referral.account_id, actor, correlation_id)


@dataclass(frozen=True)
class RecallReferral:
    open_case: OpenCase
    referrals: Referrals

    def __call__(self, referral_id: str, actor: Actor, correlation_id: str) -> Referral:
        """Raises NotFound (no such referral), Conflict (paid already). A referral recalled
        already is answered as it is."""
        before = self.referrals.find(referral_id)
        if before is None:
            raise NotFound(f"no referral {referral_id}", "referral_id")
        if before.status is ReferralStatus.PAID:
            raise Conflict("the referral is paid: there is nothing to recall", "referral_id")
        if before.status is ReferralStatus.REFERRED:
            work = self.open_case.work
            now, today = work.recorder.clock.now(), work.recorder.today()
            after = before.recalled(actor.subject, now, today)
            event = referral_event(
                work.recorder,
                RECALLED,
                after,
                now,
                actor,
                correlation_id,
                collected=money(after.collected),
                recalled_on=today.isoformat(),
            )
            line = FileLine(after.agency, today, LineType.RECALL, after)
            self.referrals.end(before, after, line, [event])
            work.events.after_commit([event])
            before = after
        release_case(self.open_case, before, actor, correlation_id)
        return before
