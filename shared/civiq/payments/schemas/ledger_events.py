"""Versioned payloads of the ledger's events besides PaymentPosted (registered in
:data:`civiq.event_catalog.EVENT_SCHEMAS`, with a sample of each in ``events/eventbridge/``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from civiq.billing.schemas.events import AMOUNT
from civiq.ledger.domain.payments import PaymentStatus


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PaymentRefundedV1(_Strict):
    """Part or all of a payment was given back (a supervisor's refund, the processor's)."""

    refund_id: str
    payment_id: str
    account_id: str
    amount: str = Field(pattern=AMOUNT)
    reason: str
    chargeback: bool = False  # taken back by the card issuer (a dispute)


class PaymentReversedV1(_Strict):
    """A payment was taken back: a dishonoured cheque (with the NSF fee), a chargeback."""

    payment_id: str
    account_id: str
    amount: str = Field(pattern=AMOUNT)
    status: PaymentStatus
    fee: str = Field(pattern=AMOUNT)
    reason: str


class AutopayRequestedV1(_Strict):
    """An autopay account's statement was charged through the payment gateway; the processor
    answers through the webhook."""

    account_id: str
    statement_id: str
    amount: str = Field(pattern=AMOUNT)
    processor_payment_id: str


class BalanceAdjustedV1(_Strict):
    """A supervisor corrected what an account owes (positive: a charge; negative: a credit)."""

    adjustment_id: str
    account_id: str
    account_number: str
    amount: str = Field(pattern=AMOUNT)
    reason: str
    balance_after: str = Field(pattern=AMOUNT)


class FeeChargedV1(_Strict):
    """A fee of the catalogue was charged to an account (by staff, or by the event that
    triggers it), owed as an unbilled item until the next statement."""

    account_id: str
    entry_id: str  # the fee's ledger entry (its tax: ``<entry_id>-tax``)
    code: str  # new-account, final-read, reconnection...
    amount: str = Field(pattern=AMOUNT)  # before tax
    tax: str = Field(pattern=AMOUNT)
    total: str = Field(pattern=AMOUNT)
    gl_code: str  # the revenue account it is booked to
    wording: str  # as the statement prints it, in the account's language
    because: str  # what triggered it: staff, AccountOpened...


LEDGER_EVENT_SCHEMAS: dict[tuple[str, int], type[BaseModel]] = {
    ("FeeCharged", 1): FeeChargedV1,
    ("BalanceAdjusted", 1): BalanceAdjustedV1,
    ("AutopayRequested", 1): AutopayRequestedV1,
    ("PaymentRefunded", 1): PaymentRefundedV1,
    ("PaymentReversed", 1): PaymentReversedV1,
}
