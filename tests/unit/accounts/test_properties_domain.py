"""Properties: Ontario roll numbers, units, and shared meters whose shares split consumption."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civiq.accounts.domain.properties import (
    CONSUMPTION_PLACES,
    MeterArrangement,
    MeterConfiguration,
    Property,
    PropertyType,
    display_roll_number,
    normalize_roll_number,
)
from civiq.core.errors import InvalidInput
from tests.helpers.builders import NOW, ROLL, ROLL_19, address, shared_meters


def prop(**overrides: Any) -> Property:
    fields: dict[str, Any] = {
        "property_id": "P1",
        "address": address(),
        "roll_number": ROLL,
        "property_type": PropertyType.SINGLE_FAMILY,
        "created_at": NOW,
    }
    fields.update(overrides)
    return Property(**fields)


# --- roll numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("061400012345678", "0614000123456780000"),
        ("0614000123456780000", "0614000123456780000"),
        ("0614000123456781234", "0614000123456781234"),
        ("0614-000-123-45678", "0614000123456780000"),
        ("0614 000 123 45678 0001", "0614000123456780001"),
        ("0614.000.123.45678.0000", "0614000123456780000"),
        (" 0614-000 123.45678 ", "0614000123456780000"),
    ],
)
def test_roll_numbers_become_19_digits(typed: str, normal: str) -> None:
    assert normalize_roll_number(typed) == normal


@pytest.mark.parametrize(
    "typed",
    [
        "06140001234567",  # 14 digits
        "0614000123456780",  # 16
        "061400012345678000",  # 18
        "06140001234567800000",  # 20
        "0614-000-123-4567A",  # a letter
        "O614000123456780000",  # letter O for zero
        "0614000123456\u0667\u0668",  # Arabic-Indic digits seven and eight
        "\u0661614000123456780000",  # Arabic-Indic digit one first
        "".join(chr(0xFF10 + int(d)) for d in "061400012345678"),  # full-width digits
        "0614/000/123/45678",  # unsupported separator
        "",
    ],
)
def test_roll_numbers_of_the_wrong_shape_are_refused(typed: str) -> None:
    with pytest.raises(InvalidInput, match="15 or 19 digits") as error:
        normalize_roll_number(typed)
    assert error.value.field == "roll_number"


@pytest.mark.parametrize("typed", ["000000012345678", "0000-000-123-45678-0000"])
def test_a_roll_number_without_municipality_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput, match="municipality") as error:
        normalize_roll_number(typed)
    assert error.value.field == "roll_number"


def test_roll_number_errors_name_the_given_field() -> None:
    with pytest.raises(InvalidInput) as error:
        normalize_roll_number("12", field="property.roll_number")
    assert error.value.field == "property.roll_number"


def test_display_groups_the_roll_number() -> None:
    assert display_roll_number(ROLL_19) == "0614-000-123-45678-0000"


@given(st.from_regex(r"[1-9][0-9]{14}([0-9]{4})?", fullmatch=True))
def test_display_of_a_normal_roll_number_normalises_back(typed: str) -> None:
    normal = normalize_roll_number(typed)
    assert len(normal) == 19
    assert normal.startswith(typed)
    assert normalize_roll_number(display_roll_number(normal)) == normal


def test_a_property_normalises_its_roll_number_and_may_have_none() -> None:
    assert prop().roll_number == ROLL_19
    assert prop(roll_number=None).roll_number is None


def test_a_property_refuses_a_bad_roll_number() -> None:
    with pytest.raises(InvalidInput) as error:
        prop(roll_number="123")
    assert error.value.field == "roll_number"


def test_a_property_address_has_no_unit() -> None:
    with pytest.raises(InvalidInput, match="list units") as error:
        prop(address=address(unit="2"))
    assert error.value.field == "address.unit"


# --- units ----------------------------------------------------------------------------------------


def test_units_are_kept_in_order() -> None:
    assert prop(units=("101", "102", "PH-1", "Rear A")).units == ("101", "102", "PH-1", "Rear A")


@pytest.mark.parametrize(
    ("units", "field"),
    [
        (("1", "#2"), "units.1"),
        (("A/B",), "units.0"),
        (("",), "units.0"),
        ((" 1",), "units.0"),  # must start with a letter or digit
        (("É1",), "units.0"),
        (("1", "2", "x" * 21), "units.2"),
        (("-1",), "units.0"),
    ],
)
def test_units_with_bad_characters_are_refused(units: tuple[str, ...], field: str) -> None:
    with pytest.raises(InvalidInput, match="unit must be") as error:
        prop(units=units)
    assert error.value.field == field


def test_twenty_characters_is_the_longest_unit() -> None:
    assert prop(units=("x" * 20,)).units == ("x" * 20,)


@pytest.mark.parametrize("units", [("1", "1"), ("A", "B", "A"), ("A", "A ")])
def test_each_unit_is_listed_once(units: tuple[str, ...]) -> None:
    with pytest.raises(InvalidInput, match="once") as error:
        prop(units=units)
    assert error.value.field == "units"


def test_check_unit_on_a_property_with_units() -> None:
    building = prop(units=("1", "2"))
    building.check_unit("2")
    for wrong in (None, "3", "02"):
        with pytest.raises(InvalidInput, match="one of 1, 2") as error:
            building.check_unit(wrong, "account.unit")
        assert error.value.field == "account.unit"


def test_check_unit_on_a_property_without_units() -> None:
    house = prop()
    house.check_unit(None)
    with pytest.raises(InvalidInput, match="no units") as error:
        house.check_unit("1")
    assert error.value.field == "unit"


def test_revised_bumps_the_version_and_validates_again() -> None:
    before = prop()
    after = before.revised(units=("1", "2"))
    assert (after.version, after.units, before.units) == (2, ("1", "2"), ())
    with pytest.raises(InvalidInput):
        before.revised(units=("1", "1"))


# --- meters ---------------------------------------------------------------------------------------


def test_individual_meters_are_the_default_and_take_no_shares() -> None:
    assert prop().meters == MeterConfiguration(MeterArrangement.INDIVIDUAL, {})
    with pytest.raises(InvalidInput, match="only to a shared meter") as error:
        MeterConfiguration(MeterArrangement.INDIVIDUAL, {"1": Decimal(1)})
    assert error.value.field == "shares"


def test_a_shared_meter_with_shares_for_every_unit() -> None:
    meters = shared_meters(**{"1": "0.5", "2": "0.25", "3": "0.25"})
    assert prop(units=("1", "2", "3"), meters=meters).meters.shares["2"] == Decimal("0.25")


@pytest.mark.parametrize(
    "shares",
    [{}, {"1": "1"}],
    ids=["none", "one-unit"],
)
def test_a_shared_meter_needs_at_least_two_shares(shares: dict[str, str]) -> None:
    with pytest.raises(InvalidInput, match="at least two") as error:
        shared_meters(**shares)
    assert error.value.field == "shares"


@pytest.mark.parametrize(
    ("shares", "unit"),
    [
        ({"1": "0", "2": "1"}, "1"),
        ({"1": "0.5", "2": "-0.5", "3": "1"}, "2"),
        ({"1": "1.5", "2": "-0.5"}, "1"),
        ({"1": "0.33333", "2": "0.66667"}, "1"),
        ({"1": "0.5", "2": "0.49995", "3": "0.00005"}, "2"),
    ],
    ids=["zero", "negative", "above-one", "five-decimals", "five-decimals-later"],
)
def test_each_share_is_above_zero_at_most_one_with_four_decimals(
    shares: dict[str, str], unit: str
) -> None:
    with pytest.raises(InvalidInput, match=f"share of unit {unit}") as error:
        shared_meters(**shares)
    assert error.value.field == f"shares.{unit}"


@pytest.mark.parametrize(
    "shares",
    [
        {"1": "0.5", "2": "0.4999"},
        {"1": "0.5", "2": "0.5001"},
        {"1": "0.3333", "2": "0.3333", "3": "0.3333"},
        {"1": "1", "2": "1"},
    ],
)
def test_shares_must_add_up_to_exactly_one(shares: dict[str, str]) -> None:
    with pytest.raises(InvalidInput, match="exactly 1") as error:
        shared_meters(**shares)
    assert error.value.field == "shares"


def test_shares_with_trailing_zeros_are_exact_enough() -> None:
    meters = shared_meters(**{"1": "0.50000", "2": "0.5"})
    assert sum(meters.shares.values()) == 1


@pytest.mark.parametrize(
    ("units", "shares"),
    [
        (("1", "2", "3"), {"1": "0.5", "2": "0.5"}),  # unit 3 has no share
        (("1", "2"), {"1": "0.5", "3": "0.5"}),  # share of a unit that does not exist
        ((), {"1": "0.5", "2": "0.5"}),  # no units at all
    ],
    ids=["missing", "unknown", "no-units"],
)
def test_shares_must_cover_exactly_the_units(
    units: tuple[str, ...], shares: dict[str, str]
) -> None:
    with pytest.raises(InvalidInput, match="every unit") as error:
        prop(units=units, meters=shared_meters(**shares))
    assert error.value.field == "meters.shares"


def test_only_a_shared_meter_is_allocated() -> None:
    with pytest.raises(ValueError, match="shared"):
        MeterConfiguration().allocate(Decimal(10))


@pytest.mark.parametrize(
    ("shares", "consumption", "expected"),
    [
        ({"1": "0.5", "2": "0.5"}, "10", {"1": "5", "2": "5"}),
        ({"1": "0.5", "2": "0.5"}, "0.001", {"1": "0.001", "2": "0"}),  # tie: unit order
        (
            {"a": "0.3333", "b": "0.3333", "c": "0.3334"},
            "1",
            {"a": "0.333", "b": "0.333", "c": "0.334"},
        ),
        ({"1": "0.25", "2": "0.75"}, "0", {"1": "0", "2": "0"}),
        ({"1": "0.1", "2": "0.9"}, "12.345", {"1": "1.235", "2": "11.110"}),
    ],
)
def test_allocate_known_splits(
    shares: dict[str, str], consumption: str, expected: dict[str, str]
) -> None:
    allocated = shared_meters(**shares).allocate(Decimal(consumption))
    assert allocated == {unit: Decimal(value) for unit, value in expected.items()}


@st.composite
def shares_summing_to_one(draw: st.DrawFn) -> dict[str, Decimal]:
    """2 to 12 units whose shares, in ten-thousandths, add up to exactly one."""
    count = draw(st.integers(min_value=2, max_value=12))
    cuts = sorted(draw(st.sets(st.integers(1, 9_999), min_size=count - 1, max_size=count - 1)))
    bounds = [0, *cuts, 10_000]
    return {
        f"U{index}": Decimal(bounds[index + 1] - bounds[index]) / 10_000 for index in range(count)
    }


CONSUMPTIONS = st.decimals(
    min_value=0, max_value=10**7, places=3, allow_nan=False, allow_infinity=False
)


@given(shares_summing_to_one(), CONSUMPTIONS)
def test_allocations_sum_exactly_and_stay_within_a_litre_of_the_share(
    shares: dict[str, Decimal], consumption: Decimal
) -> None:
    meters = MeterConfiguration(MeterArrangement.SHARED, shares)
    allocated = meters.allocate(consumption)
    assert set(allocated) == set(shares)
    assert sum(allocated.values()) == consumption
    for unit, amount in allocated.items():
        assert amount == amount.quantize(CONSUMPTION_PLACES)
        assert amount >= 0
        assert abs(amount - consumption * shares[unit]) < CONSUMPTION_PLACES
