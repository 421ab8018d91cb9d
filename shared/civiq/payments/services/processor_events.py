"""The payment processor's webhook: accepted quickly, applied from a queue.

:class:`AcceptWebhook` (the API) checks the signature and the event's form, queues the raw body and
answers: the processor only needs to know it was received. :class:`ApplyProcessorEvent` (the queue's
worker) keeps the event with the others of its payment, folds them into the payment's final state
(:func:`civiq.payments.domain.processor_payments.fold`: any order, any repetition) and posts
whatever that state requires and the ledger does not have yet.

An event no retry will post (an account number that is wrong, money the ledger cannot take, events
that disagree) is kept as a processor exception for a clerk instead of failing: it was
acknowledged, so the payer's money is real. What a retry may cure (throttling, contention on the
account's ledger, any infrastructure error) still fails the message, for SQS to deliver again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.accounts import Account, AccountStatus
from civiq.core.audit import AuditEntry
from civiq.core.errors import DomainError, InvalidInput, NotFound
from civiq.core.events import Actor
from civiq.core.ports import Clock
from civiq.ledger.domain.journal import LedgerMoved
from civiq.payments.domain.payment_troubles import PaymentTrouble, on_our_side
from civiq.payments.domain.processor_exceptions import (
    Assignment,
    Delivery,
    ExceptionReason,
    Refusal,
)
from civiq.payments.domain.processor_payments import (
    Effect,
    ProcessorEvent,
    ProcessorPayment,
    fold,
)
from civiq.payments.domain.webhooks import verify
from civiq.payments.ports import PaymentTroubles, ProcessorEventQueue, ProcessorEvents
from civiq.payments.services.processor_exceptions import ExceptionJournal
from civiq.payments.services.processor_postings import PostProcessorPayment

PROCESSOR = Actor("payment-processor", "system")


@dataclass(frozen=True)
class AcceptWebhook:
    # The secrets a delivery may be signed with, read at each delivery: during a rotation the
    # new and the previous one (a cached secret store gives a rotation to a warm function).
    secrets: Callable[[], Sequence[str]]
    tolerance: timedelta
    queue: ProcessorEventQueue
    clock: Clock

    def __call__(
        self, raw_body: bytes, signature: str | None, well_formed: Callable[[bytes], str]
    ) -> str:
        """Queue a delivery whose signature is valid (raises Unauthorized otherwise) and whose
        body is an event (``well_formed`` returns its id or raises InvalidInput: a malformed
        event is refused while the processor is still listening). Returns the event id."""
        verify(raw_body, signature, self.secrets(), self.clock.now(), self.tolerance)
        event_id = well_formed(raw_body)
        self.queue.send(raw_body)
        return event_id


@dataclass(frozen=True)
class Handled:
    """What the worker did with one delivery."""

    posted: tuple[Effect, ...] = ()
    exception: ExceptionReason | None = None  # why it waits for a clerk


@dataclass(frozen=True)
class ApplyProcessorEvent:
    events: ProcessorEvents
    journal: ExceptionJournal
    poster: PostProcessorPayment
    numbering: AccountNumberScheme
    troubles: PaymentTroubles

    def __call__(self, delivery: Delivery, cid: str) -> Handled:
        """Post what the payment's events require, or keep the event for a clerk (once per
        event id). Raises for anything a retry may cure."""
        event = delivery.event
        if event is None:
            if delivery.refusal is None:
                return Handled()  # a type we do not know, carrying no money: nothing to do
            return self._kept(delivery, delivery.refusal, cid)
        self.events.record(event)
        try:
            payment = fold(self.events.of_payment(event.processor_payment_id))
        except ValueError as contradiction:
            refusal = Refusal(ExceptionReason.CONTRADICTORY_EVENTS, str(contradiction))
            return self._kept(delivery, refusal, cid)
        if payment.paid_at is None:  # failed: nothing to post, whichever account it was for
            if on_our_side(payment.failure_reason):
                self._trouble(payment, event, cid)
            return Handled()
        assigned = self.journal.exceptions.assignment(payment.processor_payment_id)
        if assigned is None:
            target = self._account(payment.account_number)
        elif assigned.account_id is None:
            return Handled()  # a clerk decided its money goes back to the payer
        else:
            target = assigned.account_id
        if isinstance(target, Refusal):
            return self._kept(delivery, target, cid)
        try:
            return Handled(posted=self.poster(target, payment, PROCESSOR, cid))
        except LedgerMoved:
            raise  # the account is busy: a later delivery posts it
        except DomainError as refused:
            # the payment (or part of it) is on this account's ledger: it stays there
            self.journal.exceptions.assign(
                Assignment(payment.processor_payment_id, target, event.event_id)
            )
            refusal = Refusal(ExceptionReason.REFUSED_BY_LEDGER, refused.message, (target,))
            return self._kept(delivery, refusal, cid)

    def _trouble(self, payment: ProcessorPayment, event: ProcessorEvent, cid: str) -> None:
        """The payer tried and the processor failed: the account is shielded for a while from
        penalties and collection stages (an unknown account number: nobody to shield)."""
        target = self._account(payment.account_number)
        if isinstance(target, Refusal):
            return
        reason = payment.failure_reason or "processing_error"
        clock = self.poster.books.announcer.clock
        trouble = PaymentTrouble(
            target, self.poster.books.today(), reason, payment.processor_payment_id
        )
        entry = AuditEntry(
            entry_id=event.event_id,
            subject_id=f"ACCOUNT#{target}",
            action="PaymentAttemptFailed",
            actor_subject=PROCESSOR.subject,
            actor_role=PROCESSOR.role,
            occurred_at=clock.now(),
            correlation_id=cid,
            detail={
                "processor_payment_id": payment.processor_payment_id,
                "amount": f"{payment.amount:.2f}",
                "reason": reason,
                "on_our_side": True,
            },
        )
        self.troubles.record(trouble, entry)

    def _account(self, number: str) -> str | Refusal:
        """The account a payment to ``number`` goes to: the account itself while it is open or
        still owes; for a closed one, the one account its holder has open now."""
        try:
            canonical = self.numbering.normalize(number, "data.account_number")
        except InvalidInput as wrong:
            return Refusal(ExceptionReason.INVALID_ACCOUNT_NUMBER, wrong.message)
        books = self.poster.books
        try:
            account = books.accounts.get_by_number(canonical)
        except NotFound:
            return Refusal(ExceptionReason.UNKNOWN_ACCOUNT, f"no account has number {canonical}")
        if account.status is not AccountStatus.CLOSED:
            return account.account_id
        if books.ledger.state(account.account_id).balance > 0:
            return account.account_id  # its final bill is still owed
        successors = self._successors(account)
        if len(successors) == 1:
            return successors[0]
        holder = "no account open" if not successors else "several accounts open"
        return Refusal(
            ExceptionReason.CLOSED_ACCOUNT,
            f"account {canonical} is closed with nothing owed, and its holder has {holder}",
            (account.account_id, *successors),
        )

    def _successors(self, closed: Account) -> list[str]:
        holder = closed.holder.customer_id
        return [
            other.account_id
            for other in self.poster.books.accounts.of_customer(holder)
            if other.holder_customer_id == holder
            and other.status is AccountStatus.ACTIVE
            and other.account_id != closed.account_id
        ]

    def _kept(self, delivery: Delivery, refusal: Refusal, cid: str) -> Handled:
        self.journal.keep(delivery.reported, refusal, PROCESSOR, cid)
        return Handled(exception=refusal.reason)
