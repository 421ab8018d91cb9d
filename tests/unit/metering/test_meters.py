"""Meters: register limits, rollover, backwards reads, multipliers, exchanges."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civiq.core.errors import InvalidInput
from civiq.metering.domain.meters import (
    Consumption,
    Meter,
    MeterSize,
    MeterType,
    ReadFlag,
    consumption,
)

INSTALLED = date(2020, 5, 1)


def meter(digits: int = 6, multiplier: str = "1", **changes: object) -> Meter:
    fields: dict[str, object] = {
        "meter_id": "M1",
        "serial": "SN-1001",
        "size": MeterSize.MM15,
        "meter_type": MeterType.DISPLACEMENT,
        "installed_on": INSTALLED,
        "register_digits": digits,
        "multiplier": Decimal(multiplier),
    }
    fields.update(changes)
    return Meter(**fields)  # type: ignore[arg-type]


def d(text: str) -> Decimal:
    return Decimal(text)


def test_consumption_is_the_difference_times_the_multiplier() -> None:
    assert consumption(meter(), d("1200.5"), d("1234.75")) == Consumption(d("34.250"))
    assert consumption(meter(multiplier="10"), d("120"), d("123")).volume == d("30.000")


def test_no_change_is_zero_and_flagged() -> None:
    assert consumption(meter(), d("500"), d("500")) == Consumption(
        d("0.000"), frozenset({ReadFlag.ZERO})
    )


def test_a_wrapped_register_is_a_rollover() -> None:
    result = consumption(meter(digits=4), d("9990"), d("15"))
    assert result == Consumption(d("25.000"), frozenset({ReadFlag.ROLLOVER}))
    assert not result.needs_review


@pytest.mark.parametrize(("previous", "current"), [("5000", "4990"), ("900", "100")])
def test_a_lower_read_that_cannot_be_a_wrap_is_backwards_and_bills_nothing(
    previous: str, current: str
) -> None:
    result = consumption(meter(digits=4), d(previous), d(current))
    assert result == Consumption(d("0"), frozenset({ReadFlag.BACKWARDS}))
    assert result.needs_review


@pytest.mark.parametrize(("value", "field"), [("-1", "value"), ("10000", "value")])
def test_a_value_outside_the_register_is_refused(value: str, field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        consumption(meter(digits=4), d("10"), d(value))
    assert error.value.field == field


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"serial": " "}, "serial"),
        ({"register_digits": 2}, "register_digits"),
        ({"register_digits": 10}, "register_digits"),
        ({"multiplier": Decimal(0)}, "multiplier"),
        ({"removed_on": date(2019, 1, 1)}, "removed_on"),
    ],
)
def test_invalid_meters_are_refused(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        meter(**changes)  # type: ignore[arg-type]
    assert error.value.field == field


def test_in_service_between_install_and_removal() -> None:
    removed = meter(removed_on=date(2026, 6, 1))
    assert removed.in_service_on(date(2026, 6, 1))
    assert not removed.in_service_on(date(2026, 6, 2))
    assert not removed.in_service_on(date(2020, 4, 30))


@given(
    digits=st.integers(min_value=3, max_value=7),
    start=st.integers(min_value=0, max_value=10**7),
    used=st.integers(min_value=0, max_value=10**6),
)
def test_any_use_within_a_tenth_of_the_register_is_measured_exactly(
    digits: int, start: int, used: int
) -> None:
    span = 10**digits
    start %= span
    used %= span // 10
    result = consumption(meter(digits=digits), Decimal(start), Decimal((start + used) % span))
    assert result.volume == Decimal(used)
    assert ReadFlag.BACKWARDS not in result.flags
