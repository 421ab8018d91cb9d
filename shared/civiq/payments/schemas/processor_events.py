"""The payment processor's webhook event, as the processor (and the sandbox gateway) sends it.

Modelled on Stripe's, but ours; a sample of each type lives in ``events/processor/``::

    {"id": "evt_...", "type": "payment.succeeded", "created": 1764932400,
     "data": {"payment_id": "pay_...", "amount": "187.42", "currency": "CAD", "method": "card",
              "account_number": "UB00000026", "statement_id": "UB00000026-20261130"}}

``payment.refunded`` adds ``data.refund`` ({"id": "re_...", "amount"}), ``payment.disputed``
``data.dispute`` ({"id": "dp_...", "amount"}), ``payment.failed`` may add ``failure_reason``.
Amounts are dollars as decimal strings (numbers are refused), in CAD only. Unknown fields are
refused inside ``data``, where the money is; the envelope ignores what it does not know, so the
processor may add delivery metadata without every webhook failing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from civiq.core.errors import field_prefix
from civiq.core.schemas import Payload
from civiq.ledger.domain.payments import PaymentMethod
from civiq.payments.domain.processor_payments import EventKind, ProcessorEvent

LAST_UNIX_SECOND = 253402300799  # 9999-12-31T23:59:59Z, the last second a datetime can hold

Amount = Annotated[
    str, Field(pattern=r"^[0-9]{1,7}\.[0-9]{2}$", description="Dollars and cents, e.g. 187.42")
]
EventId = Annotated[str, Field(pattern=r"^evt_[A-Za-z0-9]{1,64}$")]
PaymentId = Annotated[str, Field(pattern=r"^pay_[A-Za-z0-9]{1,64}$")]
RefundId = Annotated[str, Field(pattern=r"^re_[A-Za-z0-9]{1,64}$")]
DisputeId = Annotated[str, Field(pattern=r"^dp_[A-Za-z0-9]{1,64}$")]


class _Strict(Payload):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class RefundIn(_Strict):
    id: RefundId
    amount: Amount


class DisputeIn(_Strict):
    id: DisputeId
    amount: Amount


class PaymentDataIn(_Strict):
    payment_id: PaymentId
    amount: Amount
    currency: Literal["CAD"]
    method: Literal["card", "pad"]
    account_number: str = Field(min_length=1, max_length=24, description="As we sent it")
    statement_id: str | None = Field(
        default=None, min_length=1, max_length=64, description="The statement autopay charged"
    )
    refund: RefundIn | None = Field(default=None, description="payment.refunded only")
    dispute: DisputeIn | None = Field(default=None, description="payment.disputed only")
    failure_reason: str | None = Field(
        default=None, min_length=1, max_length=200, description="payment.failed only"
    )


class ProcessorEventIn(Payload):
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)

    id: EventId
    type: Annotated[EventKind, Field(strict=False)]
    created: int = Field(ge=0, le=LAST_UNIX_SECOND, description="Unix seconds")
    data: PaymentDataIn

    def to_domain(self) -> ProcessorEvent:
        """Raises InvalidInput naming the field (``data.refund``) for what types cannot say."""
        data = self.data
        with field_prefix("data"):
            return ProcessorEvent(
                event_id=self.id,
                kind=self.type,
                created_at=datetime.fromtimestamp(self.created, UTC),
                processor_payment_id=data.payment_id,
                amount=Decimal(data.amount),
                method=PaymentMethod(data.method),
                account_number=data.account_number,
                statement_id=data.statement_id,
                refund_id=data.refund.id if data.refund else None,
                refund_amount=Decimal(data.refund.amount) if data.refund else None,
                dispute_id=data.dispute.id if data.dispute else None,
                dispute_amount=Decimal(data.dispute.amount) if data.dispute else None,
                failure_reason=data.failure_reason,
            )
