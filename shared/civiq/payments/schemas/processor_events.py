"""The payment processor's webhook event, as the processor (and the sandbox gateway) sends it.

Modelled on Stripe's, but ours; a sample of each type lives in ``events/processor/``::

    {"id": "evt_...", "type": "payment.succeeded", "created": 1764932400,
     "data": {"payment_id": "pay_...", "amount": "187.42", "currency": "CAD", "method": "card",
              "account_number": "UB00000026", "statement_id": "UB00000026-20261130"}}

``payment.refunded`` adds ``data.refund`` ({"id": "re_...", "amount"}), ``payment.disputed``
``data.dispute`` ({"id": "dp_...", "amount"}), ``payment.failed`` may add ``failure_reason``.
Amounts are dollars as decimal strings (numbers are refused). Unknown fields are refused inside
``data``, where the money is; the envelope ignores what it does not know, so the processor may
add delivery metadata without every webhook failing.

:func:`read_delivery` reads any event the processor signs: a malformed one is refused (the
webhook answers 400 while the processor is still listening), but one that is well formed and
still cannot be posted (another currency than CAD, an amount the ledger cannot take, a type we
do not know carrying an amount) is accepted with its :class:`Refusal`, for a clerk to decide.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from civiq.core.errors import InvalidInput, field_prefix
from civiq.core.schemas import Payload
from civiq.ledger.domain.payments import PaymentMethod, check_amount
from civiq.payments.domain.processor_exceptions import (
    Delivery,
    ExceptionReason,
    Refusal,
    Reported,
)
from civiq.payments.domain.processor_payments import EventKind, ProcessorEvent

LAST_UNIX_SECOND = 253402300799  # 9999-12-31T23:59:59Z, the last second a datetime can hold
LEDGER_CURRENCY = "CAD"

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
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217; CAD is posted")
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


Created = Annotated[int, Field(ge=0, le=LAST_UNIX_SECOND, description="Unix seconds")]


class ProcessorEventIn(Payload):
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)

    id: EventId
    type: Annotated[EventKind, Field(strict=False)]
    created: Created
    data: PaymentDataIn

    def refusal(self) -> Refusal | None:
        """Why its money cannot be posted, if it cannot: another currency, or an amount the
        ledger refuses (nothing, or more than its bound)."""
        data = self.data
        if data.currency != LEDGER_CURRENCY:
            return Refusal(
                ExceptionReason.UNSUPPORTED_CURRENCY,
                f"the processor reported {data.currency}; the ledger posts {LEDGER_CURRENCY}",
            )
        amounts = [("data.amount", data.amount)]
        for name, detail in (("refund", data.refund), ("dispute", data.dispute)):
            if detail is not None:
                amounts.append((f"data.{name}.amount", detail.amount))
        for field, amount in amounts:
            try:
                check_amount(Decimal(amount), field)
            except InvalidInput as error:
                return Refusal(ExceptionReason.UNSUPPORTED_AMOUNT, f"{field}: {error.message}")
        return None

    def to_domain(self) -> ProcessorEvent:
        """Raises InvalidInput naming the field (``data.refund``) for what types cannot say."""
        data = self.data
        if data.currency != LEDGER_CURRENCY:
            raise InvalidInput(f"the ledger posts {LEDGER_CURRENCY} only", "data.currency")
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


class AnyEventIn(Payload):
    """Every event the processor sends, whatever its type: an id, a type, a time and data."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)

    id: EventId
    type: str = Field(min_length=1, max_length=64)
    created: Created
    data: dict[str, Any]

    def reported(self) -> Reported:
        def text(name: str) -> str | None:
            value = self.data.get(name)
            return value if isinstance(value, str) else None

        return Reported(
            event_id=self.id,
            event_type=self.type,
            created_at=datetime.fromtimestamp(self.created, UTC),
            processor_payment_id=text("payment_id"),
            amount=text("amount"),
            currency=text("currency"),
            method=text("method"),
            account_number=text("account_number"),
            data=self.data,
        )


KNOWN_TYPES = frozenset(kind.value for kind in EventKind)


def read_delivery(raw: str | bytes) -> Delivery:
    """A verified webhook body as the worker takes it. Raises ValidationError or InvalidInput,
    naming the field, for a malformed event (the webhook refuses those)."""
    envelope = AnyEventIn.model_validate_json(raw)
    reported = envelope.reported()
    if envelope.type not in KNOWN_TYPES:
        if "amount" not in envelope.data:
            return Delivery(reported)
        unknown = Refusal(
            ExceptionReason.UNKNOWN_EVENT_TYPE,
            f"{envelope.type} is not an event type CiViQ posts, and it carries an amount",
        )
        return Delivery(reported, refusal=unknown)
    event = ProcessorEventIn.model_validate_json(raw)
    refusal = event.refusal()
    if refusal is not None:
        return Delivery(reported, refusal=refusal)
    return Delivery(reported, event=event.to_domain())
