"""What a processor's payment requires of one account's ledger, posted once.

The payment's events are folded into its final state
(:func:`civiq.payments.domain.processor_payments.fold`), whose effects are compared with what the
account's ledger has under the payment's id: only what is missing is posted, so the worker (for
the account the event names) and a clerk (for the account they found) post through the same
rules and never post anything twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from civiq.core.events import Actor
from civiq.ledger.domain.payments import PaymentChannel
from civiq.ledger.services.posting import PaymentLedger
from civiq.payments.domain.processor_payments import (
    PAYMENT_KEY,
    Effect,
    EffectKind,
    ProcessorPayment,
    effects,
)
from civiq.payments.services.payments import PostPayment, ReceivedPayment, RefundPayment

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PostProcessorPayment:
    books: PaymentLedger
    post_payment: PostPayment
    refund_payment: RefundPayment  # without the gateway: these refunds are the processor's own

    def __call__(
        self, account_id: str, payment: ProcessorPayment, actor: Actor, cid: str
    ) -> tuple[Effect, ...]:
        """Post what ``payment``'s state requires of ``account_id``'s ledger and it lacks;
        returns the effects posted now (nothing for a failed payment)."""
        posted = self._already_posted(account_id, payment.processor_payment_id)
        done = []
        for effect in effects(payment, posted):
            if effect.key in posted or effect.amount == 0:
                continue
            if effect.clipped:
                logger.warning(
                    "processor took back more than was paid",
                    extra={"effect": effect.key, "requested": str(effect.requested)},
                )
            self._post(account_id, payment, effect, actor, cid)
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

    def _post(
        self,
        account_id: str,
        payment: ProcessorPayment,
        effect: Effect,
        actor: Actor,
        cid: str,
    ) -> None:
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
                    received_on=_received_on(
                        _local_date(effect.occurred_at, self.books.time_zone), self.books.today()
                    ),
                    reference=payment.processor_payment_id,
                ),
                actor,
                cid,
            )
            return
        self.refund_payment(
            account_id,
            payment.processor_payment_id,
            effect.source_id,
            effect.amount,
            f"{effect.kind.value} {effect.source_id} reported by the processor",
            actor,
            cid,
            chargeback=effect.kind is EffectKind.CHARGEBACK,
        )


CLOCK_SKEW = timedelta(days=1)


def _received_on(reported: date, today: date) -> date:
    """The processor's clock may run a little ahead of ours (its tomorrow is our today); a date
    further ahead is kept as reported, so the ledger refuses it and a clerk sees it."""
    return today if today < reported <= today + CLOCK_SKEW else reported


def _local_date(at: datetime, time_zone: ZoneInfo) -> date:
    return at.astimezone(time_zone).date()
