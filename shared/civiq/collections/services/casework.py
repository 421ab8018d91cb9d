"""What every use case on collection cases shares: the ladder of a case, the ledger's view of
what is past due, and writing a decision so that it holds.

A decision about a case is read from the case and the account's ledger and written on condition
that neither moved since (the store checks the case's steps and the ledger's head in the same
transaction). When either moved, for instance a payment posted while a stage was advancing, the
decision is taken again from what they are now, so a stage is never decided on a ledger that
was already out of date.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from civiq.accounts.domain.customers import ContactMethod, Customer
from civiq.accounts.ports import AccountRepository, AccountSummary, CustomerRepository
from civiq.accounts.services.recording import Recorder
from civiq.collections.domain.arrangements import Arrangement, Instalment
from civiq.collections.domain.dunning import (
    Case,
    CaseMoved,
    DunningPolicy,
    Hold,
    Ladder,
    Notice,
    PastDue,
    Stage,
    past_due,
)
from civiq.collections.ports import Arrangements, CaseChange, CaseRanking, Cases, Ladders
from civiq.core.audit import AuditEntry
from civiq.core.events import Actor, DomainEvent
from civiq.core.ids import DeterministicIds
from civiq.core.ports import Workflow
from civiq.core.publishing import PublishEvents
from civiq.ledger.domain.journal import AccountLedger, LedgerMoved
from civiq.ledger.ports import JournalReader
from civiq.notices.domain.alerts import (
    ArrangementBreach,
    CollectionNotice,
    NotificationKind,
    recipient_for,
)
from civiq.notices.domain.deliveries import route
from civiq.notices.services.alerts import Notifier, notification_id
from civiq.payments.domain.payment_troubles import SHIELD_DAYS, shielded_through
from civiq.payments.ports import PaymentTroubles

COLLECTIONS = Actor("civiq-collections", "system")
ATTEMPTS = 5  # decisions taken again after the case or the ledger moved
STAGE_ADVANCED = "CollectionStageAdvanced"
NOTICE_KINDS = {
    Notice.REMINDER: NotificationKind.COLLECTION_REMINDER,
    Notice.SECOND_NOTICE: NotificationKind.COLLECTION_SECOND_NOTICE,
    Notice.DEMAND: NotificationKind.COLLECTION_DEMAND,
    Notice.SHUTOFF_WARNING: NotificationKind.COLLECTION_SHUTOFF_WARNING,
}


@dataclass(frozen=True)
class Reading:
    """A case and the account's ledger, read together, and what is past due on the day."""

    case: Case
    ledger: AccountLedger
    late: PastDue

    @property
    def ledger_sequence(self) -> int:
        return self.ledger.head.sequence if self.ledger.head is not None else 0


@dataclass(frozen=True)
class Casework:
    accounts: AccountRepository
    customers: CustomerRepository
    cases: Cases
    arrangements: Arrangements
    ladders: Ladders
    ledger: JournalReader
    workflow: Workflow
    notifier: Notifier
    events: PublishEvents
    policy: DunningPolicy
    recorder: Recorder
    troubles: PaymentTroubles
    ranking: CaseRanking
    shield_days: int = SHIELD_DAYS

    def ladder(self, case: Case) -> Ladder:
        return self.policy.ladder_for(
            self.ladders.stored(), case.customer_class, case.revenue_category
        )

    def arrangement_in_force(self, account_id: str) -> Arrangement | None:
        return next(
            (a for a in self.arrangements.of_account(account_id) if a.ended_on is None), None
        )

    def shield(self, account_id: str) -> list[Hold]:
        """The account's shield from new stages (a payment attempt failed on our side lately),
        if it has one."""
        through = shielded_through(self.troubles.latest(account_id), self.shield_days)
        return [] if through is None else [Hold(through, "a payment attempt failed on our side")]

    def late(self, account_id: str, on: date) -> tuple[AccountLedger, PastDue]:
        ledger = self.ledger.state(account_id)
        return ledger, past_due(ledger.open_statements, on)

    def decide(
        self,
        account_id: str,
        on: date,
        decision: Callable[[Reading], CaseChange | None],
    ) -> CaseChange | None:
        """Read the account's current case and ledger, and write what ``decision`` makes of
        them (None: nothing to write); taken again when the case or the ledger moved before
        the write. None when the account has no current case."""
        for _ in range(ATTEMPTS):
            case = self.cases.current(account_id)
            if case is None:
                return None
            ledger, late = self.late(account_id, on)
            change = decision(Reading(case, ledger, late))
            if change is None:
                return None
            change = replace(change, after=self.ranking.ranked(change.after, on))
            try:
                self.cases.save(case, change)
            except (CaseMoved, LedgerMoved):
                continue
            self.events.after_commit(change.events)
            return change
        raise CaseMoved(account_id)

    def entry(
        self, case: Case, action: str, actor: Actor, correlation_id: str, **detail: Any
    ) -> AuditEntry:
        return AuditEntry(
            entry_id=self.recorder.ids.new_id(),
            subject_id=f"ACCOUNT#{case.account_id}",
            action=action,
            actor_subject=actor.subject,
            actor_role=actor.role,
            occurred_at=self.recorder.clock.now(),
            correlation_id=correlation_id,
            detail={"case_id": case.case_id, **detail},
        )

    def start(self, case: Case) -> None:
        """Start the case's current execution (idempotent: its name is the case's and run's)."""
        self.workflow.start(
            case.execution, {"case_id": case.case_id, "account_id": case.account_id}
        )

    def stop(self, case: Case, why: str) -> None:
        self.workflow.stop(case.execution, why)

    # --- what reaching a stage sends ------------------------------------------------------------

    def stage_events(
        self, after: Case, stage: Stage, today: date, correlation_id: str
    ) -> list[DomainEvent]:
        """The stage's event and its notices, by mail and, where the stage says so and the
        holder has the address, by email and text message. Their ids derive from the case and
        the stage: a stage is reached once per case, so each goes out once."""
        account = self.accounts.get(after.account_id)
        step = after.steps[-1]
        occurred_at = self.recorder.clock.now()
        ids = DeterministicIds(f"{STAGE_ADVANCED}/{after.case_id}/{stage.code}")
        events = [
            DomainEvent(
                event_id=ids.new_id(),
                event_type=STAGE_ADVANCED,
                version=1,
                occurred_at=occurred_at,
                actor=COLLECTIONS,
                correlation_id=correlation_id,
                subject_id=f"ACCOUNT#{after.account_id}",
                detail={
                    "case_id": after.case_id,
                    "account_id": after.account_id,
                    "stage": stage.code,
                    "rule": step.rule,
                    "reached_on": today.isoformat(),
                    "statement_id": after.anchor.statement_id,
                    "oldest_due_on": after.anchor.due_on.isoformat(),
                    "days_past_due": after.anchor.days_past_due(today),
                    "past_due": f"{after.past_due:.2f}",
                    "shutoff_on": step.shutoff_on.isoformat() if step.shutoff_on else None,
                    "staff_task": stage.staff_task,
                },
            )
        ]
        if stage.notice is None:
            return events
        facts = CollectionNotice(
            kind=NOTICE_KINDS[stage.notice],
            case_id=after.case_id,
            stage=stage.code,
            past_due=after.past_due,
            oldest_due_on=after.anchor.due_on,
            days_past_due=after.anchor.days_past_due(today),
            pay_by=self._pay_by(after, today),
            shutoff_on=step.shutoff_on,
        )
        customer = self.customers.get(account.holder.customer_id)
        summary = AccountSummary.of(account)
        for channel in channels(stage, customer):
            recipient = recipient_for(customer, account.service_address, channel)
            events.append(
                self.notifier.event(
                    notification_id("case", after.case_id, stage.code, channel.value),
                    summary,
                    facts,
                    occurred_at,
                    correlation_id,
                    recipient,
                    COLLECTIONS,
                )
            )
        return events

    def breach_events(
        self,
        broken: Arrangement,
        missed: Instalment,
        late: PastDue,
        today: date,
        correlation_id: str,
    ) -> list[DomainEvent]:
        """The notice that ``broken`` was broken, by mail and by email where the holder gave
        one; once per arrangement (its ids derive from it)."""
        account = self.accounts.get(broken.account_id)
        customer = self.customers.get(account.holder.customer_id)
        facts = ArrangementBreach(
            arrangement_id=broken.arrangement_id,
            missed_due_on=missed.due_on,
            missed_amount=missed.amount,
            past_due=late.amount,
            pay_by=today + timedelta(days=self.policy.days_between_stages),
        )
        found = [ContactMethod.MAIL]
        if reachable(ContactMethod.EMAIL, customer):
            found.append(ContactMethod.EMAIL)
        return [
            self.notifier.event(
                notification_id("arrangement", broken.arrangement_id, channel.value),
                AccountSummary.of(account),
                facts,
                self.recorder.clock.now(),
                correlation_id,
                recipient_for(customer, account.service_address, channel),
                COLLECTIONS,
            )
            for channel in found
        ]

    def _pay_by(self, after: Case, today: date) -> date:
        """The day before the next step: the shutoff, else the next stage."""
        shutoff_on = after.steps[-1].shutoff_on
        if shutoff_on is not None:
            return shutoff_on - timedelta(days=1)
        if after.next_on is not None and after.next_on > today + timedelta(days=1):
            return after.next_on - timedelta(days=1)
        return today + timedelta(days=self.policy.days_between_stages)


def channels(stage: Stage, customer: Customer) -> Sequence[ContactMethod]:
    """A stage's notice goes by mail always (a collection notice must reach the address on
    file), and by email or text message too where the stage says so and the holder can be
    reached that way (an address, consent in force, not undeliverable): never a second letter
    in place of an email the holder did not consent to."""
    found = [ContactMethod.MAIL]
    if stage.email and reachable(ContactMethod.EMAIL, customer):
        found.append(ContactMethod.EMAIL)
    if stage.sms and reachable(ContactMethod.SMS, customer):
        found.append(ContactMethod.SMS)
    return found


def reachable(channel: ContactMethod, customer: Customer) -> bool:
    """As the sender would route it now (the providers' lists are asked when it sends)."""
    return route(channel, customer, email_suppressed=False, sms_opted_out=False).channel is channel
