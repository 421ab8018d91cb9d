"""Customer and service address rules: Canadian postal codes, provinces, email, NANP phones."""

from __future__ import annotations

from typing import Any

import pytest

from civiq.domain.accounts import PROVINCES, Customer, ServiceAddress
from civiq.domain.errors import InvalidInput

INVALID_LETTERS = "DFIOQU"


def address(**overrides: Any) -> ServiceAddress:
    fields: dict[str, Any] = {
        "street": "100 Main St",
        "city": "Ottawa",
        "province": "ON",
        "postal_code": "K1P 1J1",
    }
    fields.update(overrides)
    return ServiceAddress(**fields)


def assert_invalid(field: str, **overrides: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as error:
        address(**overrides)
    assert error.value.field == field
    assert error.value.code == "invalid_input"
    return error.value


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("k1p1j1", "K1P 1J1"),
        ("K1P 1J1", "K1P 1J1"),
        (" k1p 1j1 ", "K1P 1J1"),
        ("h0h0h0", "H0H 0H0"),
        ("V6B 4Y8", "V6B 4Y8"),
        ("X0A0H0", "X0A 0H0"),
    ],
)
def test_postal_code_is_normalised_to_upper_case_with_one_space(typed: str, normal: str) -> None:
    assert address(postal_code=typed).postal_code == normal


@pytest.mark.parametrize("letter", INVALID_LETTERS)
@pytest.mark.parametrize("template", ["{}1P 1J1", "K1{} 1J1", "K1P 1{}1"])
def test_postal_code_letters_d_f_i_o_q_u_are_invalid_anywhere(letter: str, template: str) -> None:
    assert_invalid("service_address.postal_code", postal_code=template.format(letter))


@pytest.mark.parametrize("letter", "WZ")
def test_postal_code_never_starts_with_w_or_z(letter: str) -> None:
    assert_invalid("service_address.postal_code", postal_code=f"{letter}1P 1J1")


def test_w_and_z_are_valid_after_the_first_position() -> None:
    assert address(postal_code="k1w1z1").postal_code == "K1W 1Z1"


@pytest.mark.parametrize(
    "postal_code",
    ["K1P1J", "K1P 1J1X", "1KP 1J1", "KKP 1J1", "K1P-1J1", "K1P  1J1", "K1P1 J1", "", "12345"],
)
def test_postal_code_must_have_the_letter_digit_shape(postal_code: str) -> None:
    error = assert_invalid("service_address.postal_code", postal_code=postal_code)
    assert error.message == "postal code is not a valid Canadian code"


@pytest.mark.parametrize("province", sorted(PROVINCES))
def test_every_province_and_territory_code_is_accepted(province: str) -> None:
    assert address(province=province).province == province


def test_there_are_thirteen_provinces_and_territories() -> None:
    assert len(PROVINCES) == 13


@pytest.mark.parametrize("province", ["XX", "ONT", "Ontario", "PQ", "NF", ""])
def test_unknown_province_codes_are_refused(province: str) -> None:
    assert_invalid("service_address.province", province=province)


def test_one_line_address_with_and_without_unit() -> None:
    assert address(unit="12").one_line() == "12-100 Main St, Ottawa ON K1P 1J1"
    assert address(postal_code="k1p1j1").one_line() == "100 Main St, Ottawa ON K1P 1J1"


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_customer_name_is_required(name: str) -> None:
    with pytest.raises(InvalidInput, match="name is required") as error:
        Customer(name=name)
    assert error.value.field == "customer.name"


def test_email_and_phone_are_optional() -> None:
    customer = Customer(name="Élise Tremblay")
    assert customer.email is None
    assert customer.phone is None


@pytest.mark.parametrize(
    "email", ["a@b.ca", "elise.tremblay+bills@ville.qc.ca", "ÉLISE@exemple.québec.ca"]
)
def test_plausible_emails_are_kept_as_given(email: str) -> None:
    assert Customer(name="E", email=email).email == email


@pytest.mark.parametrize(
    "email", ["", "no-at-sign.ca", "a@b", "a b@c.ca", "a@@b.ca", "a@b.c", "a@b.c4", "@b.ca"]
)
def test_invalid_emails_are_refused(email: str) -> None:
    with pytest.raises(InvalidInput, match="email") as error:
        Customer(name="E", email=email)
    assert error.value.field == "customer.email"


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
    assert Customer(name="E", phone=phone).phone == "+16135550100"


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
    ],
)
def test_invalid_phones_are_refused(phone: str) -> None:
    with pytest.raises(InvalidInput, match="10-digit") as error:
        Customer(name="E", phone=phone)
    assert error.value.field == "customer.phone"


# --- bugs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("postal_code", ["K\u0661P 1J1", "K\uff11P\uff11J\uff11"])
def test_postal_code_refuses_non_ascii_digits(postal_code: str) -> None:
    assert_invalid("service_address.postal_code", postal_code=postal_code)


def test_phone_never_keeps_non_ascii_digits() -> None:
    typed = (
        "\uff16\uff11\uff13-\uff15\uff15\uff15-\uff10\uff11\uff10\uff10"  # fullwidth 613-555-0100
    )
    try:
        phone = Customer(name="E", phone=typed).phone
    except InvalidInput:
        return  # refusing is a correct fix
    assert phone == "+16135550100"
