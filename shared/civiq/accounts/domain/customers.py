"""Customers: the people and organizations that hold accounts, and how to reach them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from civiq.core.addresses import Address
from civiq.core.errors import InvalidInput, Problems
from civiq.core.language import Language
from civiq.core.text import check_name

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")


class CustomerKind(StrEnum):
    PERSON = "person"
    ORGANIZATION = "organization"


class ContactMethod(StrEnum):
    EMAIL = "email"
    MAIL = "mail"
    SMS = "sms"


def normalize_phone(typed: str, field: str = "phone") -> str:
    """A North American number in E.164 (``+1`` and 10 digits)."""
    digits = re.sub(r"[^0-9]", "", typed)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01" or not digits.isascii():
        raise InvalidInput("phone must be a 10-digit North American number", field)
    return f"+1{digits}"


def check_email(address: str, field: str = "email") -> str:
    if not EMAIL.fullmatch(address):
        raise InvalidInput("email address is not valid", field)
    return address


@dataclass(frozen=True, slots=True)
class ContactDetails:
    email: str | None = None
    phone: str | None = None
    mailing_address: Address | None = None  # None: mail goes to the service address

    def __post_init__(self) -> None:
        problems = Problems()
        if self.email is not None:
            with problems.collect():
                check_email(self.email)
        if self.phone is not None:
            with problems.collect():
                object.__setattr__(self, "phone", normalize_phone(self.phone))
        problems.check()


@dataclass(frozen=True, slots=True)
class Preferences:
    """How the customer wants to hear from us, and in which official language."""

    language: Language
    contact_method: ContactMethod = ContactMethod.MAIL
    ebilling: bool = False


@dataclass(frozen=True, slots=True)
class Customer:
    customer_id: str
    kind: CustomerKind
    name: str
    preferences: Preferences
    created_at: datetime
    contact: ContactDetails = field(default_factory=ContactDetails)
    version: int = 1

    def __post_init__(self) -> None:
        problems = Problems()
        if not self.name.strip():
            problems.add("customer name is required", "name")
        else:
            with problems.collect():
                check_name(self.name, "name")
        wants = self.preferences
        if (
            wants.contact_method is ContactMethod.EMAIL or wants.ebilling
        ) and not self.contact.email:
            problems.add(
                "an email address is needed for email contact or e-billing", "contact.email"
            )
        if wants.contact_method is ContactMethod.SMS and not self.contact.phone:
            problems.add("a phone number is needed for SMS contact", "contact.phone")
        problems.check()

    @property
    def language(self) -> Language:
        return self.preferences.language

    def revised(self, **changes: object) -> Customer:
        """A new version with ``changes``; validation runs again."""
        return replace(self, version=self.version + 1, **changes)  # type: ignore[arg-type]
