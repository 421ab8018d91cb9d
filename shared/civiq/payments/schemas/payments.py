"""Payments, refunds, reversals and the ledger over the API. Amounts are strings of dollars and
cents ("123.45"): JSON numbers are floats to most clients, and money never is."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field

from civiq.core.schemas import DollarsIn, Name, Payload, Request, SignedDollarsIn
from civiq.ledger.domain.journal import LedgerEntry
from civiq.ledger.domain.payments import (
    Payment,
    PaymentChannel,
    PaymentMethod,
    Refund,
    derived_id,
)
from civiq.payments.services.payments import ReceivedPayment


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


class RecordPaymentRequest(Request):
    amount: DollarsIn
    method: Literal["cheque", "cash", "e-transfer"] = Field(
        description="How the money was received at the counter or by mail"
    )
    received_on: date = Field(
        description="The date the money was received: not after today, nor before the account "
        "opened"
    )
    reference: str | None = Field(
        default=None, max_length=60, description="Cheque number, e-transfer reference..."
    )
    payer_name: Name | None = Field(default=None, max_length=200)

    @property
    def payment_method(self) -> PaymentMethod:
        return PaymentMethod(self.method)

    def staff_payment(self, account_id: str, key: str) -> ReceivedPayment:
        """The payment a staff member recorded, its id derived from the request's ``key`` (the
        API's Idempotency-Key, the console form's): the same key, the same payment."""
        return ReceivedPayment(
            payment_id=derived_id("PAY", account_id, key),
            account_id=account_id,
            amount=Decimal(self.amount),
            method=self.payment_method,
            channel=PaymentChannel.STAFF,
            received_on=self.received_on,
            reference=self.reference,
            payer_name=self.payer_name,
        )


class RefundRequest(Request):
    amount: DollarsIn
    reason: str = Field(min_length=3, max_length=500)


class AdjustmentRequest(Request):
    amount: SignedDollarsIn
    reason: str = Field(min_length=3, max_length=500)


class ReversalRequest(Request):
    reason: str = Field(
        min_length=3, max_length=500, description="e.g. NSF: the bank returned the cheque"
    )


class AppliedOut(Payload):
    statement_id: str = Field(description="A statement, or unbilled:<entry> for a fee")
    amount: str


class PaymentResponse(Payload):
    payment_id: str
    account_id: str
    amount: str
    method: str
    channel: str
    received_on: date
    recorded_at: datetime
    recorded_by: str
    reference: str | None
    payer_name: str | None
    status: str
    refunded: str
    applied: list[AppliedOut]
    credit: str = Field(description="What no statement was owed: kept for the next one")

    @classmethod
    def of(cls, payment: Payment) -> PaymentResponse:
        return cls(
            payment_id=payment.payment_id,
            account_id=payment.account_id,
            amount=money(payment.amount),
            method=payment.method.value,
            channel=payment.channel.value,
            received_on=payment.received_on,
            recorded_at=payment.recorded_at,
            recorded_by=payment.recorded_by,
            reference=payment.reference,
            payer_name=payment.payer_name,
            status=payment.status.value,
            refunded=money(payment.refunded),
            applied=[
                AppliedOut(statement_id=a.statement_id, amount=money(a.amount))
                for a in payment.allocation.applied
            ],
            credit=money(payment.allocation.credit),
        )


class PaymentList(Payload):
    items: list[PaymentResponse]


class RefundResponse(Payload):
    refund_id: str
    payment_id: str
    account_id: str
    amount: str
    reason: str
    refunded_at: datetime
    refunded_by: str

    @classmethod
    def of(cls, refund: Refund) -> RefundResponse:
        return cls(
            refund_id=refund.refund_id,
            payment_id=refund.payment_id,
            account_id=refund.account_id,
            amount=money(refund.amount),
            reason=refund.reason,
            refunded_at=refund.refunded_at,
            refunded_by=refund.refunded_by,
        )


class LedgerEntryOut(Payload):
    sequence: int
    entry_id: str
    kind: str
    amount: str = Field(description="Positive: owed more; negative: owed less")
    occurred_at: datetime
    recorded_by: str
    reason: str
    source: str = Field(description="<kind>:<id> of what it comes from")
    hash: str

    @classmethod
    def of(cls, entry: LedgerEntry) -> LedgerEntryOut:
        return cls(
            sequence=entry.sequence,
            entry_id=entry.entry_id,
            kind=entry.kind.value,
            amount=money(entry.amount),
            occurred_at=entry.occurred_at,
            recorded_by=entry.recorded_by,
            reason=entry.reason,
            source=f"{entry.source.kind}:{entry.source.source_id}",
            hash=entry.hash,
        )


class LedgerPage(Payload):
    balance: str
    credit: str
    open_items: dict[str, str] = Field(description="What each open statement still owes")
    items: list[LedgerEntryOut]
    next_cursor: str | None


class LedgerQuery(Request):
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, pattern=r"^[0-9]{1,10}$")
