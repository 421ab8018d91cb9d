"""Customers: the people and organizations that hold accounts, how to reach them, and what they
agreed to receive.

Electronic messages (email, SMS) go only to a customer whose express consent to that channel is
recorded and in force: Canada's Anti-Spam Legislation (CASL) asks for proof of when and how it
was given, and for a withdrawal to take effect at once. A consent is never deleted: a withdrawal
is recorded on it (who recorded what, and when, is in the customer's history).
"""

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
class Undeliverable:
    """The email address bounced for good: messages go by mail until another address is given."""

    since: datetime
    reason: str  # as the mail server gave it ("Permanent/General: 550 5.1.1 user unknown")


@dataclass(frozen=True, slots=True)
class ContactDetails:
    email: str | None = None
    phone: str | None = None
    mailing_address: Address | None = None  # None: mail goes to the service address
    # Set when a message to ``email`` bounced for good; a new address clears it.
    email_undeliverable: Undeliverable | None = None

    def __post_init__(self) -> None:
        if self.email is None and self.email_undeliverable is not None:
            object.__setattr__(self, "email_undeliverable", None)  # no address, no mark
        problems = Problems()
        if self.email is not None:
            with problems.collect():
                check_email(self.email)
        if self.phone is not None:
            with problems.collect():
                object.__setattr__(self, "phone", normalize_phone(self.phone))
        problems.check()


class ConsentSource(StrEnum):
    """How a consent was given or withdrawn."""

    IN_PERSON = "in-person"  # at the counter
    PAPER_FORM = "paper-form"  # a signed form
    PHONE = "phone"  # a call, noted by the clerk
    ONLINE = "online"  # a form on the municipality's site
    UNSUBSCRIBE_LINK = "unsubscribe-link"  # the link in an email (withdrawals only)
    COMPLAINT = "complaint"  # the customer reported a message as spam (withdrawals only)


# What staff may record; the other sources are recorded by the system itself.
STAFF_CONSENT_SOURCES = (
    ConsentSource.IN_PERSON,
    ConsentSource.PAPER_FORM,
    ConsentSource.PHONE,
    ConsentSource.ONLINE,
)


@dataclass(frozen=True, slots=True)
class Consent:
    """Express consent to one electronic channel: when and how it was given and, once withdrawn,
    when and how. A withdrawn consent stays on record."""

    given_at: datetime
    source: ConsentSource
    withdrawn_at: datetime | None = None
    withdrawn_via: ConsentSource | None = None

    @property
    def in_force(self) -> bool:
        return self.withdrawn_at is None

    def withdrawn(self, at: datetime, via: ConsentSource) -> Consent:
        """Withdrawn at ``at``; a consent withdrawn before keeps its first withdrawal."""
        return replace(self, withdrawn_at=at, withdrawn_via=via) if self.in_force else self


def in_force(consent: Consent | None) -> bool:
    return consent is not None and consent.in_force


@dataclass(frozen=True, slots=True)
class ConsentChange:
    """Consent to a channel given or withdrawn now (``at``, the time it is recorded), and how."""

    given: bool
    source: ConsentSource

    def applied(self, current: Consent | None, at: datetime) -> Consent | None:
        """A consent in force is kept as it was given (giving it again changes nothing); one
        withdrawn is given anew. Withdrawing what was never given leaves nothing to withdraw."""
        if self.given:
            return current if in_force(current) else Consent(at, self.source)
        return current.withdrawn(at, self.source) if current is not None else None


@dataclass(frozen=True, slots=True)
class Preferences:
    """How the customer wants to hear from us, in which official language, and the consents to
    electronic messages they gave."""

    language: Language
    contact_method: ContactMethod = ContactMethod.MAIL
    ebilling: bool = False
    email_consent: Consent | None = None
    sms_consent: Consent | None = None


@dataclass(frozen=True, slots=True)
class ConsentChanges:
    """What changes of a customer's consents (None: that channel's stays as it is)."""

    email: ConsentChange | None = None
    sms: ConsentChange | None = None

    def applied_to(self, preferences: Preferences, at: datetime) -> Preferences:
        email, sms = preferences.email_consent, preferences.sms_consent
        return replace(
            preferences,
            email_consent=self.email.applied(email, at) if self.email else email,
            sms_consent=self.sms.applied(sms, at) if self.sms else sms,
        )


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
