"""Staff's contacts with a delinquent account's holder, and what came of each: a promise to pay
(the case holds its next stage until the promised day is over), a dispute (the case pauses),
an arrangement or an agency referral (made through their own routes), or no answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from civiq.core.errors import FieldError

MAX_PROMISE_DAYS = 30  # a promise further off is an arrangement


class ContactChannel(StrEnum):
    PHONE = "phone"
    IN_PERSON = "in-person"
    EMAIL = "email"
    SMS = "sms"
    LETTER = "letter"


class ContactOutcome(StrEnum):
    PROMISE_TO_PAY = "promise-to-pay"
    ARRANGEMENT = "arrangement"
    DISPUTE = "dispute"
    REFERRAL = "referral"
    NO_ANSWER = "no-answer"
    LEFT_MESSAGE = "left-message"
    WRONG_NUMBER = "wrong-number"


@dataclass(frozen=True)
class Contact:
    contact_id: str
    account_id: str
    case_id: str
    at: datetime
    by: str  # the staff member
    channel: ContactChannel
    outcome: ContactOutcome
    note: str | None = None
    promised_amount: Decimal | None = None
    promised_by: date | None = None


def contact_refusals(
    outcome: ContactOutcome,
    promised_amount: Decimal | None,
    promised_by: date | None,
    today: date,
) -> list[FieldError]:
    """Every reason a contact cannot be recorded as told: a promise names what and when (a day
    from today to a month off), and nothing else does."""
    refused: list[FieldError] = []
    if outcome is ContactOutcome.PROMISE_TO_PAY:
        if promised_amount is None:
            refused.append(FieldError("promised_amount", "a promise to pay says how much"))
        if promised_by is None:
            refused.append(FieldError("promised_by", "a promise to pay says by when"))
        elif not today <= promised_by <= today + timedelta(days=MAX_PROMISE_DAYS):
            refused.append(
                FieldError(
                    "promised_by",
                    f"must be from today to {MAX_PROMISE_DAYS} days off "
                    "(further off: make a payment arrangement)",
                )
            )
    else:
        for name, value in (("promised_amount", promised_amount), ("promised_by", promised_by)):
            if value is not None:
                refused.append(FieldError(name, "only a promise to pay has one"))
    return refused
