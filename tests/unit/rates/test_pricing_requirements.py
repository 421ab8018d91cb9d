"""What a rate version needs of an account to price its charges: one rule, which rating applies
as it rates and billing checks when an account is opened, so the two cannot disagree."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civiq.accounts.domain.accounts import CartSize, ServiceType
from civiq.accounts.domain.properties import PropertyType
from civiq.core.errors import InvalidInput
from civiq.metering.domain.meters import MeterSize
from civiq.rates.domain.charges import ChargeType
from civiq.rates.domain.rates import (
    Block,
    FixedCharge,
    RateSchedule,
    RateVersion,
    Season,
    StormwaterCharge,
    VolumetricRate,
    WasteCharge,
)
from civiq.rates.domain.rating import RatingInput, rate
from civiq.rates.domain.requirements import PricingAttributes, Unpriced, unpriced

D = Decimal
JAN_1 = date(2026, 1, 1)
VERSION = RateVersion(
    JAN_1,
    None,
    (
        FixedCharge(ChargeType.WATER, {MeterSize.MM16: D("372.00")}),
        VolumetricRate(ChargeType.WATER, (Block(None, D("2.0000")),)),
        FixedCharge(ChargeType.SEWER, {MeterSize.MM16: D("120.00")}),
        StormwaterCharge({PropertyType.SINGLE_FAMILY: D("110.40")}),
        WasteCharge({CartSize.SMALL: D(150), CartSize.MEDIUM: D(200)}),
    ),
)
PRICED = PricingAttributes(
    services=frozenset(ServiceType),
    meter_size=MeterSize.MM16,
    property_type=PropertyType.SINGLE_FAMILY,
    cart_size=CartSize.MEDIUM,
)


def attributes(**changes: Any) -> PricingAttributes:
    fields: dict[str, Any] = {
        "services": PRICED.services,
        "meter_size": PRICED.meter_size,
        "property_type": PRICED.property_type,
        "cart_size": PRICED.cart_size,
    }
    fields.update(changes)
    return PricingAttributes(**fields)


def test_an_account_with_every_attribute_priced_lacks_nothing() -> None:
    assert unpriced(VERSION, PRICED) == ()


def test_waste_by_cart_size_needs_the_cart_size() -> None:
    assert unpriced(VERSION, attributes(cart_size=None)) == (
        Unpriced("cart_size", "cart_size is required: the schedule has a waste charge by it"),
    )


def test_a_size_or_type_the_schedule_has_no_price_for_is_named() -> None:
    found = unpriced(
        VERSION, attributes(cart_size=CartSize.LARGE, property_type=PropertyType.COMMERCIAL)
    )
    assert found == (
        Unpriced("property_type", "the rate schedule has no stormwater for commercial"),
        Unpriced("cart_size", "the rate schedule has no waste charge for large"),
    )


def test_each_attribute_is_named_once_whatever_number_of_charges_needs_it() -> None:
    # the water and the sewer fixed charges are both by meter size
    assert unpriced(VERSION, attributes(meter_size=None)) == (
        Unpriced("meter_size", "meter_size is required: the schedule has a fixed charge by it"),
    )


def test_only_the_charges_of_the_accounts_services_need_anything() -> None:
    water_only = attributes(
        services=frozenset({ServiceType.WATER}), cart_size=None, property_type=None
    )
    assert unpriced(VERSION, water_only) == ()


def test_a_seasonal_charge_needs_its_attribute_too() -> None:
    summer = Season("summer", 5, 9)
    version = RateVersion(JAN_1, None, (WasteCharge({CartSize.SMALL: D(150)}, season=summer),))
    assert [u.attribute for u in unpriced(version, attributes(cart_size=None))] == ["cart_size"]


@given(
    meter_size=st.sampled_from([None, MeterSize.MM16, MeterSize.MM25]),
    property_type=st.sampled_from([PropertyType.SINGLE_FAMILY, PropertyType.COMMERCIAL]),
    cart_size=st.sampled_from([None, CartSize.MEDIUM, CartSize.LARGE]),
    services=st.sets(st.sampled_from(list(ServiceType)), min_size=1),
)
def test_rating_refuses_exactly_when_the_rule_finds_something_missing(
    meter_size: MeterSize | None,
    property_type: PropertyType,
    cart_size: CartSize | None,
    services: set[ServiceType],
) -> None:
    """Over a whole year (every season rated), rating fails on the first charge the rule names,
    with its message and field, and rates whenever the rule finds nothing."""
    request = RatingInput(
        period_start=date(2025, 12, 31),
        period_end=date(2026, 12, 31),
        volume=D("120.000"),
        meter_size=meter_size,
        property_type=property_type,
        services=frozenset(services),
        cart_size=cart_size,
    )
    found = unpriced(
        VERSION, PricingAttributes(frozenset(services), meter_size, property_type, cart_size)
    )
    schedule = RateSchedule("town", "Town", (VERSION,))
    if not found:
        rate(schedule, request)
        return
    with pytest.raises(InvalidInput) as refused:
        rate(schedule, request)
    assert (refused.value.field, refused.value.message) == (found[0].attribute, found[0].message)


def test_the_current_version_is_the_one_in_effect_else_the_latest_started_else_the_first() -> None:
    first = RateVersion(JAN_1, date(2026, 6, 30), VERSION.components)
    later = RateVersion(date(2026, 9, 1), None, VERSION.components)
    schedule = RateSchedule("town", "Town", (first, later))
    assert schedule.current_version(date(2026, 3, 1)) is first
    assert schedule.current_version(date(2026, 7, 15)) is first  # in the gap: the latest started
    assert schedule.current_version(date(2027, 1, 1)) is later
    assert schedule.current_version(date(2025, 1, 1)) is first  # before any: the first
