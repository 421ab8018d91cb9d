"""The payment processor's webhook: accepted quickly, applied from a queue.

:class:`AcceptWebhook` (the API) checks the signature and the event's form, queues the raw body and
answers: the processor only needs to know it was received. :class:`ApplyProcessorEvent` (the queue's
worker) keeps the event with the others of its payment, folds them into the payment's final state
(:func:`civiq.payments.domain.processor_payments.fold`: any order, any repetition) and posts
whatever that state requires and the ledger does not have yet.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.core.events import Actor
from civiq.core.ports import Clock
from civiq.ledger.domain.payments import PaymentChannel
from civiq.payments.domain.processor_payments import (
    PAYMENT_KEY,
    Effect,
    EffectKind,
    ProcessorEvent,
    ProcessorPayment,
    effects,
    fold,
)
from civiq.payments.domain.webhooks import verify
from civiq.payments.ports import ProcessorEventQueue, ProcessorEvents
from civiq.payments.services.payments import (
    PaymentLedger,
    PostPayment,
    ReceivedPayment,
    RefundPayment,
)

logger = logging.getLogger(__name__)
PROCESSOR = Actor("payment-processor", "system")


@dataclass(frozen=True)
class AcceptWebhook:
    secrets: tuple[str, ...]
    tolerance: timedelta
    queue: ProcessorEventQueue
    clock: Clock

    def __call__(
        self, raw_body: bytes, signature: str | None, well_formed: Callable[[bytes], str]
    ) -> str:
        """Queue a delivery whose signature is valid (raises Unauthorized otherwise) and whose
        body is an event (``well_formed`` returns its id or raises InvalidInput: a malformed
        event is refused while the processor is still listening). Returns the event id."""
        verify(raw_body, signature, self.secrets, self.clock.now(), self.tolerance)
        event_id = well_formed(raw_body)
        self.queue.send(raw_body)
        return event_id


@dataclass(frozen=True)
class ApplyProcessorEvent:
    events: ProcessorEvents
    books: PaymentLedger
    post_payment: PostPayment
    refund_payment: RefundPayment
    numbering: AccountNumberScheme
    time_zone: ZoneInfo

    def __call__(self, event: ProcessorEvent, cid: str) -> tuple[Effect, ...]:
        """Post what the payment's events require; returns the effects posted now."""
        self.events.record(event)
        payment = fold(self.events.of_payment(event.processor_payment_id))
        account = self.books.accounts.get_by_number(
            self.numbering.normalize(payment.account_number, "data.account_number")
        )
        posted = self._already_posted(account.account_id, payment.processor_payment_id)
        done = []
        for effect in effects(payment, posted):
            if effect.key in posted or effect.amount == 0:
                continue
            if effect.clipped:
                logger.warning(
                    "processor took back more than was paid",
                    extra={"effect": effect.key, "requested": str(effect.requested)},
                )
            self._post(account.account_id, payment, effect, cid)
            done.append(effect)
        return tuple(done)

    def _already_posted(self, account_id: str, payment_id: str) -> dict[str, Decimal]:
        found = self.books.payments.find(account_id, payment_id)
        if found is None:
            return {}
        posted = {PAYMENT_KEY: found.amount}
        for refund in self.books.payments.refunds(account_id, payment_id):
            kind = EffectKind.CHARGEBACK if refund.chargeback else EffectKind.REFUND
            posted[f"{kind.value}:{refund.refund_id}"] = refund.amount
        return posted

    def _post(self, account_id: str, payment: ProcessorPayment, effect: Effect, cid: str) -> None:
        if effect.kind is EffectKind.PAYMENT:
            self.post_payment(
                ReceivedPayment(
                    payment_id=payment.processor_payment_id,
                    account_id=account_id,
                    amount=effect.amount,
                    method=payment.method,
                    channel=PaymentChannel.AUTOPAY
                    if payment.statement_id
                    else PaymentChannel.PROCESSOR,
                    # the processor's clock may run ahead of ours: never a date after today
                    received_on=min(
                        _local_date(effect.occurred_at, self.time_zone), self.books.today()
                    ),
                    reference=payment.processor_payment_id,
                ),
                PROCESSOR,
                cid,
            )
            return
        self.refund_payment(
            account_id,
            payment.processor_payment_id,
            effect.source_id,
            effect.amount,
            f"{effect.kind.value} {effect.source_id} reported by the processor",
            PROCESSOR,
            cid,
            chargeback=effect.kind is EffectKind.CHARGEBACK,
        )


def _local_date(at: datetime, time_zone: ZoneInfo) -> date:
    return at.astimezone(time_zone).date()
