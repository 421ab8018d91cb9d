"""Addresses and map pins: Canadian postal codes, provinces and a pin inside Canada's bounds."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civiq.core.addresses import LATITUDE_RANGE, LONGITUDE_RANGE, PROVINCES, Address, GeoPoint
from civiq.core.errors import InvalidInput
from tests.helpers.builders import address

INVALID_LETTERS = "DFIOQU"
FIRST_LETTERS = "ABCEGHJKLMNPRSTVXY"
OTHER_LETTERS = FIRST_LETTERS + "WZ"


def assert_invalid(field: str, **overrides: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as error:
        address(**overrides)
    assert error.value.field == field
    assert error.value.code == "invalid_input"
    return error.value


# --- postal codes ---------------------------------------------------------------------------------


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
    assert_invalid("postal_code", postal_code=template.format(letter))
    assert_invalid("postal_code", postal_code=template.format(letter.lower()))


@pytest.mark.parametrize("letter", "WZ")
def test_postal_code_never_starts_with_w_or_z(letter: str) -> None:
    assert_invalid("postal_code", postal_code=f"{letter}1P 1J1")


def test_w_and_z_are_valid_after_the_first_position() -> None:
    assert address(postal_code="k1w1z1").postal_code == "K1W 1Z1"


@pytest.mark.parametrize(
    "postal_code",
    [
        "K1P1J",
        "K1P 1J1X",
        "1KP 1J1",
        "KKP 1J1",
        "K1P-1J1",
        "K1P  1J1",
        "K1P1 J1",
        "",
        "12345",
        "K\u0661P 1J1",  # Arabic-Indic digit one
        "K\uff11P\uff11J\uff11",  # full-width digits
    ],
)
def test_postal_code_must_have_the_letter_digit_shape(postal_code: str) -> None:
    error = assert_invalid("postal_code", postal_code=postal_code)
    assert error.message == "postal code is not a valid Canadian code"


@given(
    st.sampled_from(FIRST_LETTERS),
    st.sampled_from(OTHER_LETTERS),
    st.sampled_from(OTHER_LETTERS),
    st.lists(st.integers(0, 9), min_size=3, max_size=3),
    st.sampled_from(["", " "]),
    st.booleans(),
)
def test_every_well_formed_postal_code_normalises_to_a_b_c_space_d_e_f(
    first: str, second: str, third: str, digits: list[int], space: str, lower: bool
) -> None:
    d1, d2, d3 = (str(d) for d in digits)
    typed = f"{first}{d1}{second}{space}{d2}{third}{d3}"
    result = address(postal_code=typed.lower() if lower else typed).postal_code
    assert result == f"{first}{d1}{second} {d2}{third}{d3}"


# --- provinces, street, city, unit ----------------------------------------------------------------


@pytest.mark.parametrize("province", sorted(PROVINCES))
def test_every_province_and_territory_code_is_accepted(province: str) -> None:
    assert address(province=province).province == province


def test_there_are_thirteen_provinces_and_territories() -> None:
    assert len(PROVINCES) == 13


@pytest.mark.parametrize("province", ["XX", "ONT", "Ontario", "PQ", "NF", "on", ""])
def test_unknown_province_codes_are_refused(province: str) -> None:
    assert_invalid("province", province=province)


@pytest.mark.parametrize(("field", "value"), [("street", ""), ("street", "  "), ("city", "\t")])
def test_street_and_city_are_required(field: str, value: str) -> None:
    assert_invalid(field, **{field: value})


def test_a_blank_unit_is_no_unit() -> None:
    assert address(unit="  ").unit is None


def test_one_line_address_with_and_without_unit() -> None:
    assert address(unit="12").one_line() == "12-100 Main St, Ottawa ON K1P 1J1"
    assert address().one_line() == "100 Main St, Ottawa ON K1P 1J1"


def test_with_unit_keeps_the_rest_of_the_address() -> None:
    base = address()
    assert base.with_unit("3B") == Address("100 Main St", "Ottawa", "ON", "K1P 1J1", "3B")
    assert base.with_unit("3B").with_unit(None) == base


# --- map pins -------------------------------------------------------------------------------------

OTTAWA = (Decimal("45.4215"), Decimal("-75.6972"))


def test_a_pin_in_ottawa_is_kept_as_decimals() -> None:
    pin = GeoPoint(*OTTAWA)
    assert (pin.latitude, pin.longitude) == OTTAWA


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        (LATITUDE_RANGE[0], OTTAWA[1]),
        (LATITUDE_RANGE[1], OTTAWA[1]),
        (OTTAWA[0], LONGITUDE_RANGE[0]),
        (OTTAWA[0], LONGITUDE_RANGE[1]),
        (Decimal("41.6000000"), Decimal("-52.6000000")),
    ],
    ids=["south-edge", "north-edge", "west-edge", "east-edge", "corner-7-places"],
)
def test_the_edges_of_canadas_box_are_inside(latitude: Decimal, longitude: Decimal) -> None:
    pin = GeoPoint(latitude, longitude)
    assert (pin.latitude, pin.longitude) == (latitude, longitude)


@pytest.mark.parametrize(
    ("latitude", "longitude", "field"),
    [
        (Decimal("41.5999999"), OTTAWA[1], "latitude"),
        (Decimal("83.2000001"), OTTAWA[1], "latitude"),
        (OTTAWA[0], Decimal("-141.1000001"), "longitude"),
        (OTTAWA[0], Decimal("-52.5999999"), "longitude"),
        (Decimal("40.7128"), Decimal("-74.0060"), "latitude"),  # New York
        (Decimal("45.4215"), Decimal("75.6972"), "longitude"),  # sign forgotten
        (Decimal("-45.4215"), Decimal("-75.6972"), "latitude"),
    ],
)
def test_pins_outside_canada_are_refused(latitude: Decimal, longitude: Decimal, field: str) -> None:
    with pytest.raises(InvalidInput, match="Canada") as error:
        GeoPoint(latitude, longitude)
    assert error.value.field == field


@pytest.mark.parametrize(
    ("latitude", "longitude", "field"),
    [
        (Decimal("45.12345678"), OTTAWA[1], "latitude"),
        (OTTAWA[0], Decimal("-75.00000001"), "longitude"),
    ],
)
def test_more_than_seven_decimal_places_are_refused(
    latitude: Decimal, longitude: Decimal, field: str
) -> None:
    with pytest.raises(InvalidInput, match="7 decimal places") as error:
        GeoPoint(latitude, longitude)
    assert error.value.field == field


def test_seven_decimal_places_are_accepted() -> None:
    assert GeoPoint(Decimal("45.1234567"), Decimal("-75.7654321")).latitude == Decimal("45.1234567")


@pytest.mark.parametrize(
    ("latitude", "longitude", "field"),
    [
        ("north", OTTAWA[1], "latitude"),
        (OTTAWA[0], "", "longitude"),
        (None, OTTAWA[1], "latitude"),
        (OTTAWA[0], [1], "longitude"),
    ],
)
def test_non_numbers_are_refused(latitude: object, longitude: object, field: str) -> None:
    with pytest.raises(InvalidInput, match="must be a number") as error:
        GeoPoint(latitude, longitude)  # type: ignore[arg-type]
    assert error.value.field == field


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "sNaN"])
def test_non_finite_numbers_are_refused(value: str) -> None:
    with pytest.raises(InvalidInput) as error:
        GeoPoint(Decimal(value), OTTAWA[1])
    assert error.value.field == "latitude"


def test_numbers_given_as_text_or_int_become_decimals() -> None:
    pin = GeoPoint("45.5", -75)  # type: ignore[arg-type]
    assert (pin.latitude, pin.longitude) == (Decimal("45.5"), Decimal(-75))
    assert isinstance(pin.latitude, Decimal)
