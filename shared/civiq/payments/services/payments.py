"""Payments on the ledger: post one, refund part or all of it, reverse it (a dishonoured cheque
with the catalogue's dishonoured-payment fee, a card chargeback). Each is posted once, named by
its guard: a retry or a duplicate delivery finds it posted and changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from civiq.accounts.domain.accounts import Account
from civiq.core.errors import Conflict, InvalidInput
from civiq.core.events import Actor
from civiq.core.money import CENT
from civiq.core.money import dollars as money
from civiq.ledger.domain.fees import (
    DISHONOURED_PAYMENT,
    FeeCharge,
    FeeVersion,
    fee_entries,
    standard_dishonoured_fee,
)
from civiq.ledger.domain.journal import (
    AccountLedger,
    AllocationOrder,
    EntryKind,
    LedgerEntry,
    Posting,
    Source,
    StatementChange,
    allocate,
    append,
    paying,
    reopening,
    unbilled,
)
from civiq.ledger.domain.payments import (
    Payment,
    PaymentChannel,
    PaymentMethod,
    PaymentStatus,
    Refund,
    check_amount,
    check_received_on,
    check_refund,
)
from civiq.ledger.ports import FeeCatalogueRepository
from civiq.ledger.services.posting import Draft, PaymentLedger
from civiq.payments.domain.processor_payments import fold
from civiq.payments.ports import PaymentGateway, ProcessorEvents, RefundRequest


@dataclass(frozen=True)
class ReceivedPayment:
    """A payment as its origin reports it; ``payment_id`` is derived from that origin."""

    payment_id: str
    account_id: str
    amount: Decimal
    method: PaymentMethod
    channel: PaymentChannel
    received_on: date
    reference: str | None = None
    payer_name: str | None = None


@dataclass(frozen=True)
class PostedPayment:
    payment: Payment
    new: bool  # False: it was posted before (this was a retry or a duplicate)


def posted_detail(
    payment: Payment, account_number: str, balance_after: Decimal
) -> dict[str, object]:
    return {
        "payment_id": payment.payment_id,
        "account_id": payment.account_id,
        "account_number": account_number,
        "amount": money(payment.amount),
        "method": payment.method.value,
        "channel": payment.channel.value,
        "received_on": payment.received_on.isoformat(),
        "reference": payment.reference,
        "applied": [
            {"statement_id": a.statement_id, "amount": money(a.amount)}
            for a in payment.allocation.applied
        ],
        "credit": money(payment.allocation.credit),
        "balance_after": money(balance_after),
        "payer_name": payment.payer_name,
    }


@dataclass(frozen=True)
class PostPayment:
    books: PaymentLedger
    order: AllocationOrder = AllocationOrder.OLDEST_FIRST

    def __call__(self, received: ReceivedPayment, actor: Actor, cid: str) -> PostedPayment:
        check_amount(received.amount)
        account = self.books.accounts.get(received.account_id)
        self.check_received_on(account, received.received_on)
        now = self.books.announcer.clock.now()

        def compute(basis: AccountLedger) -> Draft:
            allocation = allocate(received.amount, basis.open_statements, self.order)
            changes, credit = paying(basis, allocation)
            payment = Payment(
                payment_id=received.payment_id,
                account_id=received.account_id,
                amount=received.amount,
                method=received.method,
                channel=received.channel,
                received_on=received.received_on,
                recorded_at=now,
                recorded_by=actor.subject,
                reference=received.reference,
                payer_name=received.payer_name,
                allocation=allocation,
            )
            reference = f" ({received.reference})" if received.reference else ""
            entry = append(
                basis.head,
                account_id=received.account_id,
                entry_id=received.payment_id,
                kind=EntryKind.PAYMENT,
                amount=-received.amount,
                occurred_at=now,
                recorded_by=actor.subject,
                reason=f"{received.method.value} payment received {received.received_on}"
                + reference,
                source=Source("payment", received.payment_id),
            )
            detail = posted_detail(payment, account.account_number, basis.balance - payment.amount)
            return Draft(
                Posting(
                    basis,
                    f"payment:{received.payment_id}",
                    (entry,),
                    changes,
                    credit,
                    collected=received.amount,
                    booked_on=self.books.today(),
                ),
                payment=payment,
                events=[
                    self.books.announcer.event(
                        "PaymentPosted", received.account_id, actor, cid, detail
                    )
                ],
            )

        posted = self.books.post_until_settled(received.account_id, compute)
        if posted and posted.payment:
            return PostedPayment(posted.payment, True)
        return PostedPayment(
            self.books.payments.get(received.account_id, received.payment_id), False
        )

    def check_received_on(self, account: Account, received_on: date) -> None:
        """Raises InvalidInput (``received_on``) for money received after today or before
        ``account`` opened (:meth:`Account.opened_on`)."""
        check_received_on(received_on, self.books.today(), account.opened_on(self.books.time_zone))


@dataclass(frozen=True)
class ProcessorRefunds:
    """How a processor's payment is refunded: asked of the processor, with what it reported."""

    events: ProcessorEvents
    gateway: PaymentGateway

    def ask(self, payment_id: str, refund: Refund) -> None:
        reported = fold(self.events.of_payment(payment_id))
        self.gateway.refund(RefundRequest(reported, refund.refund_id, refund.amount))


@dataclass(frozen=True)
class RefundPayment:
    books: PaymentLedger
    processor: ProcessorRefunds | None = None  # None: the processor's refunds are its own

    def __call__(
        self,
        account_id: str,
        payment_id: str,
        refund_id: str,
        amount: Decimal,
        reason: str,
        actor: Actor,
        cid: str,
        chargeback: bool = False,
    ) -> Refund:
        """Give ``amount`` of a payment back (``chargeback``: the card issuer took it back).
        The account's credit pays for it first; the rest is owed again (an unbilled item). The
        same refund id again changes nothing."""
        earlier = self._recorded(account_id, payment_id, refund_id)
        if earlier:
            return earlier
        now = self.books.announcer.clock.now()
        refund = Refund(
            refund_id, payment_id, account_id, amount, reason, now, actor.subject, chargeback
        )

        def compute(basis: AccountLedger) -> Draft:
            payment = self.books.payments.get(account_id, payment_id)
            check_refund(payment, amount)
            from_credit = min(basis.credit, amount)
            entry = append(
                basis.head,
                account_id=account_id,
                entry_id=refund_id,
                kind=EntryKind.REVERSAL if chargeback else EntryKind.REFUND,
                amount=amount,
                occurred_at=now,
                recorded_by=actor.subject,
                reason=f"{'chargeback' if chargeback else 'refund'} of payment {payment_id}: "
                + reason,
                source=Source("payment", payment_id),
            )
            owed_again = amount - from_credit
            changes = (
                (StatementChange(unbilled(refund_id), self.books.today(), owed_again),)
                if owed_again
                else ()
            )
            refunded = payment.refunded + amount
            status = payment.status
            if refunded == payment.amount:  # all of it given or taken back
                earlier = self.books.payments.refunds(account_id, payment_id)
                disputed = chargeback or any(r.chargeback for r in earlier)
                status = PaymentStatus.CHARGED_BACK if disputed else PaymentStatus.REFUNDED
            after = replace(payment, refunded=refunded, status=status)
            detail = {
                "refund_id": refund_id,
                "payment_id": payment_id,
                "account_id": account_id,
                "amount": money(amount),
                "reason": reason,
                "chargeback": chargeback,
            }
            return Draft(
                Posting(
                    basis,
                    f"refund:{payment_id}:{refund_id}",
                    (entry,),
                    changes,
                    basis.credit - from_credit,
                    collected=-amount,
                    booked_on=self.books.today(),
                ),
                payment=after,
                refund=refund,
                events=[
                    self.books.announcer.event("PaymentRefunded", account_id, actor, cid, detail)
                ],
            )

        if self.books.post_until_settled(account_id, compute) is None:
            refund = self._recorded(account_id, payment_id, refund_id) or refund
        if self.processor and self.books.payments.get(account_id, payment_id).through_processor:
            self.processor.ask(payment_id, refund)  # the processor gives the money back
        return refund

    def _recorded(self, account_id: str, payment_id: str, refund_id: str) -> Refund | None:
        refunds = self.books.payments.refunds(account_id, payment_id)
        return next((r for r in refunds if r.refund_id == refund_id), None)


@dataclass(frozen=True)
class ReversePayment:
    """Take a payment back: a cheque the bank returned (with the NSF fee), a charged-back card
    payment. What it paid is owed again."""

    books: PaymentLedger
    nsf_fee: Decimal  # the dishonoured-payment fee when the catalogue has none in effect
    fees: FeeCatalogueRepository | None = None

    def __call__(
        self,
        account_id: str,
        payment_id: str,
        status: PaymentStatus,
        reason: str,
        actor: Actor,
        cid: str,
    ) -> Payment:
        if status not in (PaymentStatus.DISHONOURED, PaymentStatus.CHARGED_BACK):
            raise ValueError(f"a payment is not reversed as {status.value}")
        now = self.books.announcer.clock.now()
        language = self.books.accounts.get(account_id).language  # the fee's wording

        def compute(basis: AccountLedger) -> Draft:
            payment = self.books.payments.get(account_id, payment_id)
            if payment.status is not PaymentStatus.POSTED:
                raise Conflict(f"the payment is {payment.status.value}", "payment_id")
            if payment.refunded:
                raise Conflict("part of the payment was refunded; adjust instead", "payment_id")
            if status is PaymentStatus.DISHONOURED and payment.method is not PaymentMethod.CHEQUE:
                raise Conflict("only a cheque is dishonoured", "payment_id")
            today = self.books.today()
            entry_id = f"{payment_id}-reversed"
            entries = [
                append(
                    basis.head,
                    account_id=account_id,
                    entry_id=entry_id,
                    kind=EntryKind.REVERSAL,
                    amount=payment.amount,
                    occurred_at=now,
                    recorded_by=actor.subject,
                    reason=f"payment {payment_id} {status.value}: {reason}",
                    source=Source("entry", payment_id),
                )
            ]
            changes, credit = reopening(basis, payment.allocation, entry_id, today)
            terms = self.dishonoured_fee(today) if status is PaymentStatus.DISHONOURED else None
            if terms:
                fee_id = f"{payment_id}-nsf-fee"
                charge = FeeCharge(DISHONOURED_PAYMENT, terms, fee_id, f"payment {payment_id}")
                entries += fee_entries(
                    entries[-1].head,
                    charge,
                    account_id=account_id,
                    language=language,
                    occurred_at=now,
                    recorded_by=actor.subject,
                )
                changes += (StatementChange(unbilled(fee_id), today, terms.total),)
            detail = {
                "payment_id": payment_id,
                "account_id": account_id,
                "amount": money(payment.amount),
                "status": status.value,
                "fee": money(terms.total if terms else Decimal(0)),
                "reason": reason,
            }
            return Draft(
                Posting(
                    basis,
                    f"reversal:{payment_id}",
                    tuple(entries),
                    changes,
                    credit,
                    collected=-payment.amount,
                    booked_on=today,
                ),
                payment=replace(payment, status=status),
                events=[
                    self.books.announcer.event("PaymentReversed", account_id, actor, cid, detail)
                ],
            )

        self.books.post_until_settled(account_id, compute)
        return self.books.payments.get(account_id, payment_id)

    def dishonoured_fee(self, day: date) -> FeeVersion | None:
        """The catalogue's dishonoured-payment fee in effect on ``day``, else the NSF fee."""
        configured = self.fees.get().fee_on(DISHONOURED_PAYMENT, day) if self.fees else None
        return configured or standard_dishonoured_fee(self.nsf_fee)


@dataclass(frozen=True)
class AdjustBalance:
    """A supervisor's correction of what an account owes: a charge (positive) owed as an
    unbilled item, or a credit (negative) that pays the open statements like a payment, the
    rest kept as a credit. Posted once per adjustment id."""

    books: PaymentLedger
    order: AllocationOrder = AllocationOrder.OLDEST_FIRST

    def __call__(
        self,
        account_id: str,
        adjustment_id: str,
        amount: Decimal,
        reason: str,
        actor: Actor,
        cid: str,
    ) -> LedgerEntry:
        if amount == 0 or amount != amount.quantize(CENT):
            raise InvalidInput("an adjustment is a non-zero amount in cents", "amount")
        check_amount(abs(amount))
        account = self.books.accounts.get(account_id)
        now = self.books.announcer.clock.now()

        def compute(basis: AccountLedger) -> Draft:
            today = self.books.today()
            if amount > 0:
                changes: tuple[StatementChange, ...] = (
                    StatementChange(unbilled(adjustment_id), today, amount),
                )
                credit = basis.credit
            else:
                changes, credit = paying(
                    basis, allocate(-amount, basis.open_statements, self.order)
                )
            entry = append(
                basis.head,
                account_id=account_id,
                entry_id=adjustment_id,
                kind=EntryKind.ADJUSTMENT,
                amount=amount,
                occurred_at=now,
                recorded_by=actor.subject,
                reason=reason,
                source=Source("adjustment", adjustment_id),
            )
            detail = {
                "adjustment_id": adjustment_id,
                "account_id": account_id,
                "account_number": account.account_number,
                "amount": money(amount),
                "reason": reason,
                "balance_after": money(basis.balance + amount),
            }
            return Draft(
                Posting(basis, f"adjustment:{adjustment_id}", (entry,), changes, credit),
                events=[
                    self.books.announcer.event("BalanceAdjusted", account_id, actor, cid, detail)
                ],
            )

        posted = self.books.post_until_settled(account_id, compute)
        if posted:
            return posted.posting.entries[0]
        return next(e for e in self._journal(account_id) if e.entry_id == adjustment_id)

    def _journal(self, account_id: str) -> list[LedgerEntry]:
        entries: list[LedgerEntry] = []
        after = 0
        while True:
            page = self.books.ledger.entries(account_id, after, 200)
            entries += page.items
            if page.next_cursor is None:
                return entries
            after = int(page.next_cursor)
