"""Processor exceptions: kept by the processor-event worker, decided by clerks through the API.

:class:`ExceptionJournal` writes each change of an exception with its history entry (who, when,
before/after, under the exception's own subject) and its event, to the outbox in the same
transaction, and publishes the event after the commit. :class:`DecideProcessorException` posts
an exception's payment to the account a clerk found, or records that the money goes back to the
payer. Either way the payment is claimed first (:class:`Assignment`), so two clerks, or a clerk
and a later event, never send one payment to two places.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from civiq.accounts.services.find_account import FindAccount
from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict, field_prefix
from civiq.core.events import Actor, DomainEvent
from civiq.core.history import changes
from civiq.core.ports import Clock, IdGenerator
from civiq.core.publishing import PublishEvents
from civiq.payments.domain.processor_exceptions import (
    Assignment,
    ProcessorException,
    Refusal,
    Reported,
    Resolution,
)
from civiq.payments.domain.processor_payments import fold
from civiq.payments.ports import ProcessorEvents, ProcessorExceptions
from civiq.payments.services.processor_postings import PostProcessorPayment

RECORDED = "ProcessorExceptionRecorded"
RESOLVED = "ProcessorExceptionResolved"


def exception_subject(event_id: str) -> str:
    """The subject an exception's history is kept under."""
    return f"PROCESSOREXCEPTION#{event_id}"


def recorded_payload(exception: ProcessorException) -> dict[str, Any]:
    reported = exception.reported
    return {
        "processor_event_id": reported.event_id,
        "event_type": reported.event_type,
        "processor_payment_id": reported.processor_payment_id,
        "amount": reported.amount,
        "currency": reported.currency,
        "account_number": reported.account_number,
        "reason": exception.reason.value,
        "explanation": exception.explanation,
    }


def resolved_payload(exception: ProcessorException) -> dict[str, Any]:
    return {
        "processor_event_id": exception.event_id,
        "processor_payment_id": exception.reported.processor_payment_id,
        "resolution": exception.resolution.value if exception.resolution else None,
        "account_id": exception.account_id,
        "note": exception.note,
    }


@dataclass(frozen=True)
class ExceptionJournal:
    exceptions: ProcessorExceptions
    clock: Clock
    ids: IdGenerator
    events: PublishEvents

    def keep(self, reported: Reported, refusal: Refusal, actor: Actor, cid: str) -> bool:
        """Keep the event as an exception, once: False when it was kept before."""
        exception = ProcessorException.of(reported, refusal, self.clock.now())
        entry, event = self._change(RECORDED, None, exception, actor, cid)
        if not self.exceptions.record(exception, entry, event):
            return False
        self.events.after_commit([event])
        return True

    def decide(
        self, before: ProcessorException, after: ProcessorException, actor: Actor, cid: str
    ) -> ProcessorException:
        """Write a clerk's decision; the stored one when a clerk made the same meanwhile."""
        entry, event = self._change(RESOLVED, before, after, actor, cid)
        try:
            self.exceptions.decide(before, after, entry, event)
        except Conflict:
            stored = self.exceptions.get(after.event_id)
            if stored.same_decision(after.resolution, after.account_id):
                return stored
            raise
        self.events.after_commit([event])
        return after

    def _change(
        self,
        action: str,
        before: ProcessorException | None,
        after: ProcessorException,
        actor: Actor,
        cid: str,
    ) -> tuple[AuditEntry, DomainEvent]:
        """The history entry and the event of one change (one id: the audit writer, which
        records the event when it comes back from the bus, finds the entry written)."""
        payload = resolved_payload(after) if before else recorded_payload(after)
        event = DomainEvent(
            self.ids.new_id(),
            action,
            1,
            after.decided_at or after.received_at,  # when it changed
            actor,
            cid,
            exception_subject(after.event_id),
            payload,
        )
        entry = AuditEntry(
            entry_id=event.event_id,
            subject_id=event.subject_id,
            action=action,
            actor_subject=actor.subject,
            actor_role=actor.role,
            occurred_at=event.occurred_at,
            correlation_id=cid,
            detail={"version": after.version, "changes": changes(before, after)},
        )
        return entry, event


@dataclass(frozen=True)
class DecideProcessorException:
    journal: ExceptionJournal
    events: ProcessorEvents
    find_account: FindAccount
    poster: PostProcessorPayment

    def post(
        self, event_id: str, account: str, note: str, actor: Actor, cid: str
    ) -> ProcessorException:
        """Post the exception's payment to ``account`` (its id or its number). The payment is
        claimed for that account, posted (once: under the processor's payment id), then the
        exception is resolved; the same decision again finishes what a failure interrupted."""
        before = self.journal.exceptions.get(event_id)
        with field_prefix("account", replace=True):
            account_id = self.find_account(account).account_id
        if before.same_decision(Resolution.POSTED, account_id):
            after = before
        else:
            after = before.posted_to(account_id, actor.subject, self.journal.clock.now(), note)
        payment_id = after.reported.processor_payment_id
        assert payment_id is not None  # a postable exception names its payment
        self.journal.exceptions.assign(Assignment(payment_id, account_id, event_id))
        try:
            payment = fold(self.events.of_payment(payment_id))
        except ValueError as contradiction:
            raise Conflict(str(contradiction), "event_id") from None
        self.poster(account_id, payment, actor, cid)
        if after is before:
            return before
        return self.journal.decide(before, after, actor, cid)

    def refund(self, event_id: str, note: str, actor: Actor, cid: str) -> ProcessorException:
        """Record that the money goes back to the payer: nothing is posted, and no later event
        of the payment posts anything either."""
        before = self.journal.exceptions.get(event_id)
        if before.same_decision(Resolution.REFUND, None):
            return before
        after = before.refunded(actor.subject, self.journal.clock.now(), note)
        payment_id = before.reported.processor_payment_id
        if payment_id is not None:
            self.journal.exceptions.assign(Assignment(payment_id, None, event_id))
        return self.journal.decide(before, after, actor, cid)
