"""A payment a resident submits on the portal: what they may ask for, and the request kept
under the form's idempotency key (the same key, however often the form is sent, is one
charge)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from civiq.core.errors import FieldError, InvalidInput

AMOUNT = re.compile(r"^\d{1,9}(\.\d{1,2})?$")
# A form's key: 16 to 64 letters, digits or dashes (the page issues a UUID).
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9-]{16,64}$")


class OnlineMethod(StrEnum):
    """How a resident pays on the portal (the ledger's card and pre-authorized debit)."""

    CARD = "card"
    BANK = "pad"


@dataclass(frozen=True, slots=True)
class PaymentAsked:
    account_id: str
    amount: Decimal
    method: OnlineMethod
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class OnlinePayment:
    """A payment submitted on the portal; ``processor_payment_id`` once the gateway took it
    (its outcome comes later, through the processor's webhook, and is posted from there)."""

    idempotency_key: str
    account_id: str
    amount: Decimal
    method: OnlineMethod
    statement_id: str | None
    submitted_at: datetime
    processor_payment_id: str | None = None


@dataclass(frozen=True, slots=True)
class Submitted:
    """A payment submitted on the portal and not posted: waiting for the processor's answer, or
    declined by it (nothing was taken: the resident pays again)."""

    payment: OnlinePayment
    declined: bool


def payment_asked(
    account_id: str, amount: str, method: str, idempotency_key: str, maximum: Decimal
) -> PaymentAsked:
    """The form's fields checked; every one refused is named (``amount``, ``method``,
    ``idempotency_key``)."""
    problems: list[FieldError] = []
    value = _amount(amount.strip().replace(",", ".").lstrip("$").strip(), maximum, problems)
    try:
        chosen = OnlineMethod(method)
    except ValueError:
        problems.append(FieldError("method", "choose card or bank account"))
    if not IDEMPOTENCY_KEY.match(idempotency_key):
        problems.append(FieldError("idempotency_key", "the form expired: send it again"))
    if problems:
        raise InvalidInput.of(problems)
    return PaymentAsked(account_id, value, chosen, idempotency_key)


def _amount(typed: str, maximum: Decimal, problems: list[FieldError]) -> Decimal:
    if not AMOUNT.match(typed):
        problems.append(FieldError("amount", "an amount in dollars and cents, like 125.50"))
        return Decimal(0)
    value = Decimal(typed)
    if value <= 0:
        problems.append(FieldError("amount", "an amount above zero"))
    elif value > maximum:
        problems.append(FieldError("amount", f"at most {maximum:.2f} at a time"))
    return value
