"""Utility accounts: the customer, the service address and the notice language."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from civiq.domain.errors import InvalidInput
from civiq.domain.language import Language

POSTAL_CODE = re.compile(r"[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z] ?[0-9][ABCEGHJ-NPRSTV-Z][0-9]")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
PROVINCES = frozenset(
    ["AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"]
)


class AccountStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    FINAL_BILLED = "final-billed"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class ServiceAddress:
    street: str
    city: str
    province: str
    postal_code: str
    unit: str | None = None

    def __post_init__(self) -> None:
        if self.province not in PROVINCES:
            raise InvalidInput(
                "province must be a two-letter Canadian code", "service_address.province"
            )
        postal = self.postal_code.upper().strip()
        if not POSTAL_CODE.fullmatch(postal):
            raise InvalidInput(
                "postal code is not a valid Canadian code", "service_address.postal_code"
            )
        object.__setattr__(self, "postal_code", f"{postal.replace(' ', '')[:3]} {postal[-3:]}")

    def one_line(self) -> str:
        unit = f"{self.unit}-" if self.unit else ""
        return f"{unit}{self.street}, {self.city} {self.province} {self.postal_code}"


@dataclass(frozen=True, slots=True)
class Customer:
    name: str
    email: str | None = None
    phone: str | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidInput("customer name is required", "customer.name")
        if self.email is not None and not EMAIL.fullmatch(self.email):
            raise InvalidInput("email address is not valid", "customer.email")
        if self.phone is not None:
            digits = re.sub(r"[^0-9]", "", self.phone)
            if len(digits) == 11 and digits.startswith("1"):
                digits = digits[1:]
            if len(digits) != 10 or digits[0] in "01":
                raise InvalidInput(
                    "phone must be a 10-digit North American number", "customer.phone"
                )
            object.__setattr__(self, "phone", f"+1{digits}")


@dataclass(frozen=True, slots=True)
class Account:
    account_id: str
    account_number: str
    customer: Customer
    address: ServiceAddress
    language: Language
    opened_at: datetime
    opened_by: str
    status: AccountStatus = AccountStatus.ACTIVE
    autopay: bool = False
    version: int = 1
    welcome_letter_key: str | None = field(default=None)
