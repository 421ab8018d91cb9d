"""Pre-authorized debit mandates kept by the municipality, not by its payment processor.

A resident who enrols in autopay signs a PAD agreement (Payments Canada Rule H1, a personal
PAD of variable amount): the payor, the bank account (institution, transit, account number),
when the agreement was accepted, how many days before each debit its amount is announced, and
that it may be cancelled at any time. We keep the bank account ourselves, sealed (encrypted at
rest), and the token each payment gateway gave for it: when the municipality changes gateways,
the new one is given the same bank account and tokenises it, and no resident enrols again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from civiq.core.errors import FieldError, InvalidInput

# Rule H1: a variable-amount PAD is announced at least 10 calendar days before each debit,
# unless the payor waives the notice; the municipality's statement is that notice.
PRENOTIFICATION_DAYS = 10
INSTITUTION = re.compile(r"^\d{3}$")
TRANSIT = re.compile(r"^\d{5}$")
ACCOUNT = re.compile(r"^\d{7,12}$")
MAX_PAYOR = 100


class MandateStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class BankAccount:
    institution: str  # 3 digits
    transit: str  # the branch: 5 digits
    account: str  # 7 to 12 digits

    @property
    def masked(self) -> str:
        """What the resident and staff are shown: the bank, the branch, the account's last
        three digits."""
        return f"{self.institution}-{self.transit} •••{self.account[-3:]}"

    def sealed_form(self) -> bytes:
        """What is encrypted at rest."""
        return json.dumps(
            {"institution": self.institution, "transit": self.transit, "account": self.account}
        ).encode()

    @classmethod
    def unsealed(cls, plain: bytes) -> BankAccount:
        data = json.loads(plain)
        return cls(data["institution"], data["transit"], data["account"])


@dataclass(frozen=True, slots=True)
class MandateAsked:
    """The agreement as the resident filled it in."""

    payor: str
    bank: BankAccount


def mandate_asked(
    payor: str, institution: str, transit: str, account: str, accepted: bool
) -> MandateAsked:
    """Every field refused is named: ``payor``, ``institution``, ``transit``,
    ``bank_account``, ``accepted`` (the agreement must be accepted)."""
    problems: list[FieldError] = []
    name = " ".join(payor.split())
    if not 1 <= len(name) <= MAX_PAYOR:
        problems.append(FieldError("payor", f"the account holder's name, up to {MAX_PAYOR}"))
    digits = {
        "institution": (re.sub(r"\D", "", institution), INSTITUTION, "3 digits"),
        "transit": (re.sub(r"\D", "", transit), TRANSIT, "5 digits"),
        "bank_account": (re.sub(r"[\s-]", "", account), ACCOUNT, "7 to 12 digits"),
    }
    for name_of, (value, pattern, shape) in digits.items():
        if not pattern.match(value):
            problems.append(FieldError(name_of, f"{name_of.replace('_', ' ')} number: {shape}"))
    if not accepted:
        problems.append(FieldError("accepted", "the agreement must be accepted"))
    if problems:
        raise InvalidInput.of(problems)
    bank = BankAccount(*(digits[k][0] for k in ("institution", "transit", "bank_account")))
    return MandateAsked(name, bank)


@dataclass(frozen=True)
class Mandate:
    """An account's PAD agreement. ``sealed`` is the bank account encrypted (only a vault can
    open it); ``tokens`` the payment gateways' tokens for it, by gateway."""

    mandate_id: str
    account_id: str
    payor: str
    masked: str
    sealed: str
    accepted_at: datetime
    tokens: Mapping[str, str] = field(default_factory=dict)
    prenotification_days: int = PRENOTIFICATION_DAYS
    variable_amount: bool = True
    status: MandateStatus = MandateStatus.ACTIVE
    cancelled_at: datetime | None = None
    version: int = 1

    def token_for(self, gateway: str) -> str | None:
        return self.tokens.get(gateway)

    def with_token(self, gateway: str, token: str) -> Mandate:
        return replace(self, tokens={**self.tokens, gateway: token}, version=self.version + 1)

    def cancelled(self, at: datetime) -> Mandate:
        return replace(
            self, status=MandateStatus.CANCELLED, cancelled_at=at, version=self.version + 1
        )
