"""Refer a delinquent account to a collection agency (supervisors).

What is referred is what the ledger says is past due today, to one agency of the roster, one at
a time per account. The referral goes in the agency's file of the day, and the account's
collection case is paused while the agency works the account (no stage notices); an account
without one gets none while it is referred.
A ``referral_id`` chosen by the caller makes a retried request answer what the first did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from civiq.accounts.services.recording import Recorder
from civiq.collections.domain.agencies import (
    Debtor,
    FileLine,
    LineType,
    Referral,
    ReferralStatus,
    agency_hold,
)
from civiq.collections.domain.dunning import CaseStatus
from civiq.collections.ports import AgencyRosters, Referrals
from civiq.collections.services.case_holds import PauseCase
from civiq.collections.services.case_opening import OpenCase
from civiq.core.errors import Conflict, InvalidInput
from civiq.core.events import Actor, DomainEvent
from civiq.core.money import dollars as money

REFERRED = "AccountReferredToAgency"


def referral_event(
    recorder: Recorder,
    event_type: str,
    referral: Referral,
    at: datetime,
    actor: Actor,
    correlation_id: str,
    **detail: str,
) -> DomainEvent:
    """An event of ``referral`` (its id, account, agency and amount, and ``detail``), which is
    also the account's history entry."""
    return DomainEvent(
        event_id=recorder.ids.new_id(),
        event_type=event_type,
        version=1,
        occurred_at=at,
        actor=actor,
        correlation_id=correlation_id,
        subject_id=f"ACCOUNT#{referral.account_id}",
        detail={
            "referral_id": referral.referral_id,
            "account_id": referral.account_id,
            "agency": referral.agency,
            "amount": money(referral.amount),
            **detail,
        },
    )


@dataclass(frozen=True)
class ReferralAsked:
    account_id: str
    agency: str
    referral_id: str | None = None  # the caller's, to retry safely


@dataclass(frozen=True)
class Referred:
    referral: Referral
    new: bool  # False: the same referral asked again


@dataclass(frozen=True)
class ReferAccount:
    rosters: AgencyRosters
    referrals: Referrals
    open_case: OpenCase

    def __call__(self, asked: ReferralAsked, actor: Actor, correlation_id: str) -> Referred:
        """Raises NotFound (no such account), InvalidInput (``agency``: not on the roster),
        Conflict (``account_id``: referred already, a payment arrangement in force, its case
        paused for a dispute, nothing past due; ``referral_id``: the id names another
        referral)."""
        work = self.open_case.work
        account = work.accounts.get(asked.account_id)
        if asked.referral_id is not None:
            earlier = self.referrals.find(asked.referral_id)
            if earlier is not None:
                if (earlier.account_id, earlier.agency) != (asked.account_id, asked.agency):
                    raise Conflict("the referral id names another referral", "referral_id")
                if earlier.status is ReferralStatus.REFERRED:
                    self._hold_case(earlier, actor, correlation_id)
                return Referred(earlier, False)
        agency = self.rosters.get().get(asked.agency)
        if agency is None:
            raise InvalidInput(f"no collection agency {asked.agency} is on the roster", "agency")
        if self.referrals.in_force(account.account_id) is not None:
            raise Conflict("the account is referred to a collection agency already", "account_id")
        if work.arrangement_in_force(account.account_id) is not None:
            raise Conflict("the account has a payment arrangement in force", "account_id")
        case = work.cases.current(account.account_id)
        if case is not None and case.status is CaseStatus.PAUSED:
            raise Conflict(
                f"the account's collection case is paused ({case.paused_by}): settle that first",
                "account_id",
            )
        today = work.recorder.today()
        _, late = work.late(account.account_id, today)
        if late.anchor is None:
            raise Conflict("nothing is past due on the account", "account_id")
        customer = work.customers.get(account.holder.customer_id)
        contact = customer.contact
        referral = Referral(
            referral_id=asked.referral_id or work.recorder.ids.new_id(),
            account_id=account.account_id,
            account_number=account.account_number,
            agency=agency.code,
            amount=late.amount,
            oldest_due_on=late.anchor.due_on,
            debtor=Debtor(
                name=customer.name,
                language=customer.language,
                address=contact.mailing_address or account.service_address,
                email=contact.email,
                phone=contact.phone,
            ),
            referred_by=actor.subject,
            referred_at=work.recorder.clock.now(),
            referred_on=today,
        )
        event = referral_event(
            work.recorder,
            REFERRED,
            referral,
            referral.referred_at,
            actor,
            correlation_id,
            oldest_due_on=referral.oldest_due_on.isoformat(),
            referred_on=referral.referred_on.isoformat(),
        )
        self.referrals.refer(
            referral, FileLine(agency.code, today, LineType.REFERRAL, referral), [event]
        )
        work.events.after_commit([event])
        self._hold_case(referral, actor, correlation_id)
        return Referred(referral, True)

    def _hold_case(self, referral: Referral, actor: Actor, correlation_id: str) -> None:
        """The account's case, if it has one open, paused for the referral (while it is
        referred, no case opens)."""
        hold = agency_hold(referral.referral_id)
        PauseCase(self.open_case.work)(referral.account_id, hold, actor, correlation_id)
