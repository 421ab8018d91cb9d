"""Payment receipts: what the receipt of one posted payment says.

Every posted payment gets one receipt, numbered by the payment's id (deterministic at its origin:
:func:`civiq.ledger.domain.payments.derived_id`), in the account's language: a PDF stored under
:func:`receipt_key` and a plain-text message to the account holder. Amounts are dollars and cents
(``Decimal``) and dates are dates: the renderer and the wording write them as the receipt's
language does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from civiq.core.errors import InvalidInput
from civiq.core.language import Language
from civiq.ledger.domain.payments import PaymentMethod


def receipt_key(account_id: str, payment_id: str) -> str:
    """Deterministic: a redelivered payment finds its receipt where the first delivery put it."""
    return f"receipts/{account_id}/{payment_id}.pdf"


@dataclass(frozen=True, slots=True)
class Receipt:
    payment_id: str  # also the receipt number
    account_number: str  # as printed: the numbering scheme's display form
    service_address: str  # one line
    holder: str  # the account holder, to whom the receipt goes
    payer: str  # the holder, unless someone else is known to have paid
    language: Language
    received_on: date
    amount: Decimal
    method: PaymentMethod
    reference: str | None  # the cheque number, the processor's or the bank's reference
    credit: Decimal  # the part no statement was owed, kept for the next statement
    balance_after: Decimal  # the account's balance once posted; negative: in credit

    @property
    def in_credit(self) -> bool:
        return self.balance_after < 0


@dataclass(frozen=True, slots=True)
class PaidStatement:
    """The part of the payment applied to one statement, with the dates the holder knows that
    statement by (its id is printed nowhere on it): two statements issued the same day (a
    rebill, a final bill) differ by the billing period they cover."""

    statement_id: str
    issued_on: date
    due_on: date
    amount: Decimal
    period_first_day: date
    period_last_day: date


@dataclass(frozen=True, slots=True)
class AppliedAmount:
    statement_id: str
    amount: Decimal


@dataclass(frozen=True)
class PostedPayment:
    """A PaymentPosted event: the payment as posted, and the event's time and correlation."""

    payment_id: str
    account_id: str
    amount: Decimal
    method: PaymentMethod
    received_on: date
    reference: str | None
    applied: tuple[AppliedAmount, ...]  # statement by statement, in the order applied
    credit: Decimal  # what no statement was owed
    balance_after: Decimal
    payer_name: str | None  # None: the account holder paid
    posted_at: datetime
    correlation_id: str

    def __post_init__(self) -> None:
        """A receipt never shows parts that do not add up to the amount paid."""
        spread = sum((part.amount for part in self.applied), Decimal(0)) + self.credit
        if spread != self.amount:
            raise InvalidInput(
                f"applied and credit add up to {spread}, not the amount paid {self.amount}",
                "applied",
            )
