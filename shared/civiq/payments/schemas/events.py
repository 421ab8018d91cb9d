"""Versioned payload of PaymentPosted: a payment was posted to an account's ledger.

Published once per payment, with its posting (staff, processor webhook, autopay or remittance
line), with the account id as the event's subject. Registered in
:data:`civiq.event_catalog.EVENT_SCHEMAS` through :data:`PAYMENT_EVENT_SCHEMAS`. Amounts are
strings of dollars and cents ("123.45"), never JSON numbers: they parse to exact Decimals. That
what was applied plus the credit kept is the amount paid is checked by :meth:`to_domain`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
)

from civiq.billing.schemas.events import AMOUNT
from civiq.ledger.domain.payments import PaymentChannel, PaymentMethod
from civiq.notices.domain.receipts import AppliedAmount, PostedPayment


def _dollars(value: object) -> Decimal:
    if not isinstance(value, str) or re.fullmatch(AMOUNT, value) is None:
        raise ValueError('an amount is a string of dollars and cents, e.g. "123.45"')
    return Decimal(value)


def _positive(amount: Decimal) -> Decimal:
    if amount <= 0:
        raise ValueError("an amount paid is more than zero")
    return amount


def _not_negative(amount: Decimal) -> Decimal:
    if amount < 0:
        raise ValueError("a credit kept is zero or more")
    return amount


Dollars = Annotated[
    Decimal,
    PlainValidator(_dollars),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": AMOUNT}),
]
Paid = Annotated[Dollars, AfterValidator(_positive)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AppliedV1(_Strict):
    statement_id: str = Field(min_length=1)
    amount: Paid


class PaymentPostedV1(_Strict):
    payment_id: str = Field(min_length=1)  # also the receipt number
    account_id: str = Field(min_length=1)
    account_number: str = Field(min_length=1)
    amount: Paid
    method: PaymentMethod
    channel: PaymentChannel
    received_on: date
    reference: str | None  # cheque number, processor or bank reference
    applied: list[AppliedV1]  # in the order applied
    credit: Annotated[Dollars, AfterValidator(_not_negative)]
    balance_after: Dollars  # negative: the account is in credit
    payer_name: str | None = None  # who paid, when known and not the holder (a remittance line)

    def to_domain(self, posted_at: datetime, correlation_id: str) -> PostedPayment:
        """The payment as the receipt needs it, at the time of the event that posted it.
        Raises InvalidInput when the parts applied and the credit do not add up to the amount."""
        return PostedPayment(
            payment_id=self.payment_id,
            account_id=self.account_id,
            amount=self.amount,
            method=self.method,
            received_on=self.received_on,
            reference=self.reference,
            applied=tuple(AppliedAmount(part.statement_id, part.amount) for part in self.applied),
            credit=self.credit,
            balance_after=self.balance_after,
            payer_name=self.payer_name,
            posted_at=posted_at,
            correlation_id=correlation_id,
        )


PAYMENT_EVENT_SCHEMAS: dict[tuple[str, int], type[BaseModel]] = {
    ("PaymentPosted", 1): PaymentPostedV1,
}
