"""Payments: money received for an account, and what it paid.

A payment is posted once, under an id that its origin makes deterministic (a staff request's
Idempotency-Key, the processor's payment id, a remittance file's line, the statement an autopay
charge was for), so the same payment arriving twice is recognised as one. Posting it writes a
``payment`` ledger entry and spreads it over the account's open statements
(:func:`civiq.ledger.domain.journal.allocate`); what no statement was owed stays a credit, applied
to the next statement. A dishonoured cheque or a charged-back card payment is reversed exactly, a
refund gives money back; the payment record keeps what happened to it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from civiq.core.errors import InvalidInput
from civiq.core.money import CENT
from civiq.ledger.domain.journal import Allocation

MAX_PAYMENT = Decimal("1000000.00")  # a sanity bound: no utility payment is a million dollars


class PaymentMethod(StrEnum):
    CHEQUE = "cheque"
    CASH = "cash"
    ETRANSFER = "e-transfer"
    CARD = "card"
    PREAUTHORIZED_DEBIT = "pad"
    BANK_BILL_PAYMENT = "bank"  # paid at a bank, reported in its remittance file
    COLLECTION_AGENCY = "agency"  # paid to a collection agency, reported in its remittance


STAFF_METHODS = (PaymentMethod.CHEQUE, PaymentMethod.CASH, PaymentMethod.ETRANSFER)


class PaymentChannel(StrEnum):
    """Where the payment was recorded from."""

    STAFF = "staff"
    PROCESSOR = "processor"  # the payment processor's webhook (portal card payments)
    AUTOPAY = "autopay"  # charged by us at statement issuance, confirmed by the webhook
    REMITTANCE = "remittance"  # a line of a bank's remittance file
    AGENCY = "agency"  # a line of a collection agency's remittance


class PaymentStatus(StrEnum):
    POSTED = "posted"
    DISHONOURED = "dishonoured"  # a cheque returned NSF: reversed, with the NSF fee
    CHARGED_BACK = "charged-back"  # a card payment disputed by the cardholder: reversed
    REFUNDED = "refunded"  # given back in full (a partial refund leaves it posted)


def check_amount(amount: Decimal, field: str = "amount") -> Decimal:
    if amount <= 0 or amount != amount.quantize(CENT):
        raise InvalidInput("an amount is a positive number of dollars and cents", field)
    if amount > MAX_PAYMENT:
        raise InvalidInput(f"an amount is at most {MAX_PAYMENT}", field)
    return amount


def check_received_on(received_on: date, today: date, opened_on: date) -> None:
    """Money is received by today (municipal time), and not before its account opened: an
    earlier date is a mistyped year or a payment meant for another account."""
    if received_on > today:
        raise InvalidInput(
            f"a payment cannot be received in the future (today is {today})", "received_on"
        )
    if received_on < opened_on:
        raise InvalidInput(
            f"a payment received on {received_on} is before the account opened on {opened_on}",
            "received_on",
        )


def derived_id(prefix: str, *parts: str) -> str:
    """A deterministic id from what identifies a payment at its origin (the same parts always
    give the same id: the second delivery of a payment is recognised by it)."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24].upper()
    return f"{prefix}-{digest}"


def refund_id_for(payment: Payment, *parts: str) -> str:
    """A refund's deterministic id. A processor's payment is refunded through the processor,
    which reports the refund back under this id (its own format, ``re_...``): the webhook's
    report of it is then recognised as the refund already posted."""
    if payment.through_processor:
        digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]
        return f"re_{digest}"
    return derived_id("RF", *parts)


@dataclass(frozen=True, slots=True)
class Payment:
    payment_id: str
    account_id: str
    amount: Decimal
    method: PaymentMethod
    channel: PaymentChannel
    received_on: date  # the date the money was received (the cheque's deposit, the bank's date)
    recorded_at: datetime
    recorded_by: str
    reference: str | None  # cheque number, processor payment id, remittance line...
    payer_name: str | None
    allocation: Allocation  # what it paid, statement by statement, and the credit left
    status: PaymentStatus = PaymentStatus.POSTED
    refunded: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        check_amount(self.amount)

    @property
    def through_processor(self) -> bool:
        return self.channel in (PaymentChannel.PROCESSOR, PaymentChannel.AUTOPAY)

    @property
    def refundable(self) -> Decimal:
        return self.amount - self.refunded if self.status is PaymentStatus.POSTED else Decimal(0)


@dataclass(frozen=True, slots=True)
class Refund:
    refund_id: str
    payment_id: str
    account_id: str
    amount: Decimal
    reason: str
    refunded_at: datetime
    refunded_by: str
    chargeback: bool = False  # taken back by the card issuer (a dispute), not given back by us


def check_refund(payment: Payment, amount: Decimal) -> None:
    check_amount(amount)
    if payment.status is not PaymentStatus.POSTED:
        raise InvalidInput(f"the payment is {payment.status.value}: nothing to refund", "amount")
    if amount > payment.refundable:
        raise InvalidInput(f"at most {payment.refundable:.2f} of this payment is left", "amount")
