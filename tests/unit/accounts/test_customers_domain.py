"""Customers: names, email and NANP phones, and preferences that must be reachable."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civiq.accounts.domain.customers import (
    ContactDetails,
    ContactMethod,
    Customer,
    CustomerKind,
    Preferences,
    normalize_phone,
)
from civiq.core.errors import InvalidInput
from civiq.core.language import Language
from tests.helpers.builders import NOW, address


def customer(
    contact: ContactDetails | None = None,
    preferences: Preferences | None = None,
    **overrides: Any,
) -> Customer:
    fields: dict[str, Any] = {
        "customer_id": "C1",
        "kind": CustomerKind.PERSON,
        "name": "Élise Tremblay",
        "preferences": preferences or Preferences(Language.FR),
        "created_at": NOW,
        "contact": contact or ContactDetails(),
    }
    fields.update(overrides)
    return Customer(**fields)


# --- email ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email", ["a@b.ca", "elise.tremblay+bills@ville.qc.ca", "ÉLISE@exemple.québec.ca"]
)
def test_plausible_emails_are_kept_as_given(email: str) -> None:
    assert ContactDetails(email=email).email == email


@pytest.mark.parametrize(
    "email",
    ["", "no-at-sign.ca", "a@b", "a b@c.ca", "a@@b.ca", "a@b.c", "a@b.c4", "@b.ca", " a@b.ca"],
)
def test_invalid_emails_are_refused(email: str) -> None:
    with pytest.raises(InvalidInput, match="email") as error:
        ContactDetails(email=email)
    assert error.value.field == "email"


# --- phone ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "613-555-0100",
        "+1 (613) 555-0100",
        "6135550100",
        "1 613 555 0100",
        "(613) 555.0100",
        "+16135550100",
    ],
)
def test_phone_is_normalised_to_e164(phone: str) -> None:
    assert ContactDetails(phone=phone).phone == "+16135550100"


@pytest.mark.parametrize(
    "phone",
    [
        "613-555-010",  # 9 digits
        "013-555-0100",  # area code starts with 0
        "113-555-0100",  # area code starts with 1
        "+1 (013) 555-0100",
        "1-113-555-0100",
        "2-613-555-0100",  # 11 digits not starting with the country code 1
        "+44 20 7946 0958",
        "613-555-01000",
        "",
        "call me",
        "\u0666\u0661\u0663\u0665\u0665\u0665\u0660\u0661\u0660\u0660",  # Arabic-Indic digits
    ],
)
def test_invalid_phones_are_refused(phone: str) -> None:
    with pytest.raises(InvalidInput, match="10-digit") as error:
        ContactDetails(phone=phone)
    assert error.value.field == "phone"


def test_phone_never_keeps_non_ascii_digits() -> None:
    fullwidth = "\uff16\uff11\uff13-\uff15\uff15\uff15-\uff10\uff11\uff10\uff10"
    with pytest.raises(InvalidInput):
        normalize_phone(fullwidth)


@given(
    st.integers(2, 9),
    st.integers(0, 99),
    st.integers(0, 9_999_999),
    st.sampled_from(["{a}{r}", "{a}-{r3}-{r4}", "({a}) {r3} {r4}", "+1 {a} {r3}.{r4}", "1{a}{r}"]),
)
def test_every_nanp_number_normalises_to_plus_one_and_ten_digits(
    first: int, rest_of_area: int, line: int, layout: str
) -> None:
    area = f"{first}{rest_of_area:02d}"
    rest = f"{line:07d}"
    typed = layout.format(a=area, r=rest, r3=rest[:3], r4=rest[3:])
    assert normalize_phone(typed) == f"+1{area}{rest}"


def test_phone_errors_name_the_given_field() -> None:
    with pytest.raises(InvalidInput) as error:
        normalize_phone("12", field="agent.phone")
    assert error.value.field == "agent.phone"


# --- customers and preferences --------------------------------------------------------------------


def test_contact_details_are_optional_and_mail_is_the_default() -> None:
    plain = customer()
    assert plain.contact == ContactDetails(None, None, None)
    assert plain.preferences.contact_method is ContactMethod.MAIL
    assert plain.preferences.ebilling is False
    assert plain.language is Language.FR


def test_a_mailing_address_is_kept() -> None:
    mailing = address(street="PO Box 12", postal_code="K1P 5A1")
    assert customer(ContactDetails(mailing_address=mailing)).contact.mailing_address == mailing


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_customer_name_is_required(name: str) -> None:
    with pytest.raises(InvalidInput, match="name is required") as error:
        customer(name=name)
    assert error.value.field == "name"


@pytest.mark.parametrize(
    "preferences",
    [
        Preferences(Language.EN, ContactMethod.EMAIL),
        Preferences(Language.EN, ContactMethod.MAIL, ebilling=True),
        Preferences(Language.FR, ContactMethod.SMS, ebilling=True),
    ],
    ids=["email-contact", "ebilling", "ebilling-with-sms"],
)
def test_email_contact_or_ebilling_needs_an_email(preferences: Preferences) -> None:
    with pytest.raises(InvalidInput, match="email address is needed") as error:
        customer(ContactDetails(phone="613-555-0100"), preferences)
    assert error.value.field == "contact.email"


def test_sms_needs_a_phone() -> None:
    with pytest.raises(InvalidInput, match="phone number is needed") as error:
        customer(ContactDetails(email="a@b.ca"), Preferences(Language.EN, ContactMethod.SMS))
    assert error.value.field == "contact.phone"


@pytest.mark.parametrize(
    ("contact", "preferences"),
    [
        (ContactDetails(email="a@b.ca"), Preferences(Language.EN, ContactMethod.EMAIL, True)),
        (ContactDetails(phone="6135550100"), Preferences(Language.FR, ContactMethod.SMS)),
        (ContactDetails(), Preferences(Language.EN, ContactMethod.MAIL)),
    ],
)
def test_reachable_preferences_are_accepted(
    contact: ContactDetails, preferences: Preferences
) -> None:
    assert customer(contact, preferences).preferences == preferences


def test_revised_bumps_the_version_and_validates_again() -> None:
    before = customer(ContactDetails(email="a@b.ca"), Preferences(Language.EN, ebilling=True))
    after = before.revised(name="Élise Tremblay-Côté")
    assert (after.version, after.name, before.version) == (2, "Élise Tremblay-Côté", 1)
    with pytest.raises(InvalidInput, match="email address is needed"):
        before.revised(contact=ContactDetails())


def test_an_organization_is_a_customer_too() -> None:
    org = customer(kind=CustomerKind.ORGANIZATION, name="9123-4567 Québec inc.")
    assert org.kind is CustomerKind.ORGANIZATION
