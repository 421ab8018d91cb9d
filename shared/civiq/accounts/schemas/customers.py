"""Customer API payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field
from pydantic.json_schema import JsonDict

from civiq.accounts.domain.customers import (
    EMAIL,
    Consent,
    ConsentChange,
    ConsentChanges,
    ConsentSource,
    ContactDetails,
    ContactMethod,
    Customer,
    CustomerKind,
    Preferences,
    check_email,
    normalize_phone,
)
from civiq.accounts.ports import AccountSummary
from civiq.accounts.services.customers import NewCustomer
from civiq.core.errors import Problems, field_prefix
from civiq.core.language import Language
from civiq.core.schemas import (
    SPACE,
    AddressIn,
    AddressOut,
    Name,
    Omissible,
    Payload,
    Request,
    Versioned,
    checked,
    leave_out,
    rules,
    when,
)

# The forms the domain takes (its rules, as JSON Schema patterns: it also takes other spacing).
EMAIL_PATTERN: JsonDict = {"pattern": "^" + EMAIL.pattern.replace(r"\s", SPACE) + "$"}
PHONE_PATTERN: JsonDict = {
    "pattern": r"^(\+?1[ .-]?)?\(?[2-9][0-9]{2}\)?[ .-]?[0-9]{3}[ .-]?[0-9]{4}$"
}


def preference(name: str, value: object) -> dict[str, Any]:
    return {"properties": {name: {"const": value}}, "required": [name]}


Email = Annotated[str, checked(check_email)]
Phone = Annotated[str, checked(normalize_phone)]
NEEDS_EMAIL: JsonDict = {
    "required": ["contact"],
    "properties": {"contact": {"required": ["email"]}},
}


class ContactIn(Request):
    email: Email | None = Field(
        default=None, max_length=254, json_schema_extra=leave_out(**EMAIL_PATTERN)
    )
    phone: Phone | None = Field(
        default=None, max_length=32, json_schema_extra=leave_out(**PHONE_PATTERN)
    )
    mailing_address: Omissible[AddressIn] = Field(
        default=None, description="Omit to send mail to the service address"
    )

    def to_domain(self, field: str) -> ContactDetails:
        problems = Problems()
        mailing = None
        with problems.collect():
            if self.mailing_address is not None:
                mailing = self.mailing_address.to_domain(f"{field}.mailing_address")
        with problems.collect(field):
            details = ContactDetails(self.email, self.phone, mailing)
        problems.check()
        return details


StaffConsentSource = Literal["in-person", "paper-form", "phone", "online"]


class ConsentIn(Request):
    """Express consent to a channel given (or withdrawn) now, and how the customer gave it.
    Without one in force, messages meant for that channel go by mail."""

    given: bool = Field(description="true: consent given; false: withdrawn")
    source: StaffConsentSource = Field(description="How the customer gave or withdrew it")

    def to_domain(self) -> ConsentChange:
        return ConsentChange(self.given, ConsentSource(self.source))


def consent_changes(email: ConsentIn | None, sms: ConsentIn | None) -> ConsentChanges:
    return ConsentChanges(
        email.to_domain() if email is not None else None,
        sms.to_domain() if sms is not None else None,
    )


class PreferencesIn(Request):
    language: Language = Field(description="Language of every notice and statement")
    contact_method: ContactMethod = ContactMethod.MAIL
    ebilling: bool = Field(default=False, description="Statements by email instead of paper")
    email_consent: ConsentIn | None = Field(default=None, description="Consent to email (CASL)")
    sms_consent: ConsentIn | None = Field(default=None, description="Consent to SMS (CASL)")

    def to_domain(self) -> Preferences:
        return Preferences(self.language, self.contact_method, self.ebilling)

    def consents(self) -> ConsentChanges:
        return consent_changes(self.email_consent, self.sms_consent)


class NewCustomerIn(Request):
    model_config = rules(
        when({"preferences": preference("contact_method", ContactMethod.EMAIL.value)}, NEEDS_EMAIL),
        when({"preferences": preference("ebilling", True)}, NEEDS_EMAIL),
        when(
            {"preferences": preference("contact_method", ContactMethod.SMS.value)},
            {"required": ["contact"], "properties": {"contact": {"required": ["phone"]}}},
        ),
    )

    kind: CustomerKind = CustomerKind.PERSON
    name: Name = Field(min_length=1, max_length=200)
    contact: ContactIn = ContactIn()
    preferences: PreferencesIn

    def to_new(self, field: str = "") -> NewCustomer:
        """``field``: where this customer sits in the request, for error names."""
        contact = self.contact.to_domain(f"{field}.contact" if field else "contact")
        preferences = self.preferences
        return NewCustomer(
            self.kind, self.name, preferences.to_domain(), contact, preferences.consents()
        )


class ContactEdit(Request):
    """Contact details to change: one left out keeps its value, one named null is removed."""

    email: Email | None = Field(default=None, max_length=254, json_schema_extra=EMAIL_PATTERN)
    phone: Phone | None = Field(default=None, max_length=32, json_schema_extra=PHONE_PATTERN)
    mailing_address: AddressIn | None = Field(
        default=None, description="null: send mail to the service address"
    )

    def over(self, current: ContactDetails, field: str) -> ContactDetails:
        named = self.model_fields_set
        mailing = current.mailing_address
        if "mailing_address" in named:
            mailing = (
                self.mailing_address.to_domain(f"{field}.mailing_address")
                if self.mailing_address is not None
                else None
            )
        email = self.email if "email" in named else current.email
        # an address that bounced stays marked until another one is given
        undeliverable = current.email_undeliverable if email == current.email else None
        with field_prefix(field):
            return ContactDetails(
                email, self.phone if "phone" in named else current.phone, mailing, undeliverable
            )


class ContactUpdate(Versioned):
    """Only what is named changes: the name (omit or null to keep it) and each contact detail."""

    name: Name | None = Field(default=None, min_length=1, max_length=200)
    contact: ContactEdit = ContactEdit()


class PreferencesEdit(Request):
    """Preferences to change: one left out (or null) keeps its value."""

    language: Language | None = Field(default=None, description="Of every notice and statement")
    contact_method: ContactMethod | None = None
    ebilling: bool | None = Field(default=None, description="Statements by email, not paper")
    email_consent: ConsentIn | None = Field(
        default=None, description="Consent to email given or withdrawn now (omit: unchanged)"
    )
    sms_consent: ConsentIn | None = Field(
        default=None, description="Consent to SMS given or withdrawn now (omit: unchanged)"
    )

    def over(self, current: Preferences) -> Preferences:
        return Preferences(
            self.language or current.language,
            self.contact_method or current.contact_method,
            current.ebilling if self.ebilling is None else self.ebilling,
            current.email_consent,
            current.sms_consent,
        )

    def consents(self) -> ConsentChanges:
        return consent_changes(self.email_consent, self.sms_consent)


class PreferencesUpdate(Versioned):
    preferences: PreferencesEdit


class UndeliverableOut(Payload):
    since: datetime
    reason: str


class ContactOut(Payload):
    email: str | None
    phone: str | None
    mailing_address: AddressOut | None
    email_undeliverable: UndeliverableOut | None = Field(
        description="The email bounced for good: messages go by mail until another is given"
    )


class ConsentOut(Payload):
    given_at: datetime
    source: ConsentSource
    withdrawn_at: datetime | None
    withdrawn_via: ConsentSource | None
    in_force: bool

    @classmethod
    def of(cls, consent: Consent | None) -> ConsentOut | None:
        if consent is None:
            return None
        return cls(
            given_at=consent.given_at,
            source=consent.source,
            withdrawn_at=consent.withdrawn_at,
            withdrawn_via=consent.withdrawn_via,
            in_force=consent.in_force,
        )


class PreferencesOut(Payload):
    language: Language
    contact_method: ContactMethod
    ebilling: bool
    email_consent: ConsentOut | None
    sms_consent: ConsentOut | None


class AccountLinkOut(Payload):
    id: str
    account_number: str
    property_id: str
    unit: str | None
    holder_customer_id: str
    holder_name: str
    holder_role: str
    service_address: str
    status: str
    services: list[str]
    autopay: bool

    @classmethod
    def of(cls, summary: AccountSummary) -> AccountLinkOut:
        return cls(
            id=summary.account_id,
            account_number=summary.account_number,
            property_id=summary.property_id,
            unit=summary.unit,
            holder_customer_id=summary.holder_customer_id,
            holder_name=summary.holder_name,
            holder_role=summary.holder_role.value,
            service_address=summary.service_address,
            status=summary.status.value,
            services=[s.value for s in summary.services],
            autopay=summary.autopay,
        )


class CustomerResponse(Payload):
    id: str
    kind: CustomerKind
    name: str
    contact: ContactOut
    preferences: PreferencesOut
    created_at: datetime
    version: int
    accounts: list[AccountLinkOut] | None = None

    @classmethod
    def of(
        cls, customer: Customer, accounts: list[AccountSummary] | None = None
    ) -> CustomerResponse:
        mailing = customer.contact.mailing_address
        undeliverable = customer.contact.email_undeliverable
        preferences = customer.preferences
        return cls(
            id=customer.customer_id,
            kind=customer.kind,
            name=customer.name,
            contact=ContactOut(
                email=customer.contact.email,
                phone=customer.contact.phone,
                mailing_address=AddressOut.of(mailing) if mailing else None,
                email_undeliverable=UndeliverableOut(
                    since=undeliverable.since, reason=undeliverable.reason
                )
                if undeliverable
                else None,
            ),
            preferences=PreferencesOut(
                language=preferences.language,
                contact_method=preferences.contact_method,
                ebilling=preferences.ebilling,
                email_consent=ConsentOut.of(preferences.email_consent),
                sms_consent=ConsentOut.of(preferences.sms_consent),
            ),
            created_at=customer.created_at,
            version=customer.version,
            accounts=[AccountLinkOut.of(a) for a in accounts] if accounts is not None else None,
        )
