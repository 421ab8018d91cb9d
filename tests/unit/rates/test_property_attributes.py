"""Charges priced by the property rather than by the water used: by any of its attributes (its
type, its zone, whether it is connected to the sewer), per dwelling unit, for unmetered
properties only; stormwater by impervious area in billing units or tiers; a daily basic charge
by meter size and by who owns the meter.

Every expectation is worked out by hand in the comment beside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

import pytest

from civiq.accounts.domain.accounts import ServiceType
from civiq.accounts.domain.properties import PropertyType
from civiq.core.errors import InvalidInput
from civiq.metering.domain.meters import MeterOwner, MeterSize
from civiq.rates.domain.charges import ChargeLine, ChargeType, Unit
from civiq.rates.domain.rates import (
    AreaTier,
    Basis,
    Component,
    FixedCharge,
    Metering,
    Per,
    PropertyCharge,
    RateSchedule,
    RateVersion,
    StormwaterTiers,
    StormwaterUnits,
    UnitRounding,
)
from civiq.rates.domain.rating import RatingInput, rate
from civiq.rates.domain.requirements import PricingAttributes, unpriced

D = Decimal
WATER, SEWER, STORMWATER = ChargeType.WATER, ChargeType.SEWER, ChargeType.STORMWATER
PER_DAY = Basis(Per.DAYS, 1)
PER_MONTH = Basis(Per.MONTH)
PER_QUARTER = Basis(Per.QUARTER)
PER_YEAR = Basis(Per.YEAR)
ALL_SERVICES = frozenset(ServiceType)
WHOLE = D(1)  # a whole property's share
# 2026-01-31 (exclusive) to 2026-04-30: 89 days (28 + 31 + 30)
START, END, DAYS = date(2026, 1, 31), date(2026, 4, 30), 89

# Kitchener's stormwater rates (monthly): residential per dwelling unit by type, and
# non-residential by tiers of impervious area (26 to 1,051 m2 $38.54; to 1,640 $103.05; to
# 7,676 $270.00; to 16,324 $788.17; to 39,034 $1,910.23; the city's tiers above it are left
# out here, and the fifth is open-ended). Below 26 m2 there is no charge.
KITCHENER_RESIDENTIAL = PropertyCharge(
    STORMWATER,
    "property_type",
    {"townhouse": D("14.38"), "semi-detached": D("14.38"), "multi-residential": D("4.05")},
    per_dwelling_unit=True,
    basis=PER_MONTH,
)
KITCHENER_NON_RESIDENTIAL = StormwaterTiers(
    [
        AreaTier(D("25.99"), D("0")),
        AreaTier(D(1051), D("38.54")),
        AreaTier(D(1640), D("103.05")),
        AreaTier(D(7676), D("270.00")),
        AreaTier(D(16324), D("788.17")),
        AreaTier(None, D("1910.23")),
    ],
    basis=PER_MONTH,
)
# Mississauga: one billing unit per 267 m2 of hard surface at $100 a unit a year (its first
# rate, 2016), charged by the day; rounding to a tenth of a unit, nearest, is this test's choice.
MISSISSAUGA_UNITS = StormwaterUnits(
    D(267), D("100.00"), UnitRounding.NEAREST, 1, minimum_units=D("0.5"), basis=PER_YEAR
)
# Mississauga's residential tiers by rooftop area (a year, at $108.20 a unit): under 26.7 m2
# nothing; to 99.0 m2 0.5 unit $54.10; to 151.0 0.7 $75.74; to 194.0 1 $108.20; to 242.0
# 1.2 $129.84; above 1.7 $183.94.
MISSISSAUGA_TIERS = StormwaterTiers(
    [
        AreaTier(D("26.69"), D("0")),
        AreaTier(D("99.00"), D("54.10")),
        AreaTier(D("151.00"), D("75.74")),
        AreaTier(D("194.00"), D("108.20")),
        AreaTier(D("242.00"), D("129.84")),
        AreaTier(None, D("183.94")),
    ],
    basis=PER_YEAR,
)


def _bill(
    components: list[Component],
    *,
    meter_size: MeterSize | None = MeterSize.MM15,
    property_type: PropertyType = PropertyType.SINGLE_FAMILY,
    attributes: Mapping[str, str] | None = None,
    impervious_area: Decimal | None = None,
    dwelling_units: int = 1,
    property_share: Decimal = WHOLE,
    meter_owner: MeterOwner | None = None,
) -> list[ChargeLine]:
    schedule = RateSchedule("s", "S", [RateVersion(date(2026, 1, 1), None, components)])
    bill = rate(
        schedule,
        RatingInput(
            START,
            END,
            D(0),
            meter_size,
            property_type,
            ALL_SERVICES,
            property_share=property_share,
            attributes=attributes or {},
            impervious_area=impervious_area,
            dwelling_units=dwelling_units,
            meter_owner=meter_owner,
        ),
    )
    return list(bill.lines)


def test_a_charge_per_dwelling_unit_counts_the_units_billed() -> None:
    # A Kitchener townhouse row of 6 units on one account: 6 x 14.38 a month, 89 days on
    # actual/365: 6 x 172.56 a year x 89/365 = 252.4576... -> 252.46
    (line,) = _bill([KITCHENER_RESIDENTIAL], property_type=PropertyType.TOWNHOUSE, dwelling_units=6)
    assert (line.kind, line.quantity, line.unit_price) == ("property", D(6), D("172.5600"))
    assert (line.days, line.basis_days, line.unit) == (DAYS, 365, Unit.DAY)
    assert line.amount == D("252.46")
    assert line.detail == "townhouse"
    # the same rate for an apartment building of 40 units: 40 x 4.05 x 12 x 89/365
    # = 1944.00 x 89/365 = 474.0164... -> 474.02
    (line,) = _bill(
        [KITCHENER_RESIDENTIAL],
        property_type=PropertyType.MULTI_RESIDENTIAL,
        dwelling_units=40,
    )
    assert line.amount == D("474.02")


def test_a_property_type_the_charge_does_not_price_is_refused_unless_it_has_a_default() -> None:
    with pytest.raises(InvalidInput) as refused:
        _bill([KITCHENER_RESIDENTIAL], property_type=PropertyType.COMMERCIAL)
    assert refused.value.field == "property_type"
    with_default = PropertyCharge(
        STORMWATER, "property_type", {}, default=D("10.00"), basis=PER_MONTH
    )
    # 10.00 x 12 x 89/365 = 29.2602... -> 29.26
    (line,) = _bill([with_default], property_type=PropertyType.COMMERCIAL)
    assert line.amount == D("29.26")


def test_an_attribute_prices_the_charge_and_the_line_names_it() -> None:
    # A sewer charge by connection: connected 60.00 a quarter, not connected nothing (a 0.00
    # price prints no line); a quarter on actual/365 is 4 x 60.00 x 89/365 = 58.5205 -> 58.52
    sewer = PropertyCharge(
        SEWER,
        "sewer-connection",
        {"connected": D("60.00"), "not-connected": D("0")},
        basis=PER_QUARTER,
    )
    (line,) = _bill([sewer], attributes={"sewer-connection": "connected"})
    assert (line.amount, line.detail) == (D("58.52"), "sewer-connection: connected")
    assert _bill([sewer], attributes={"sewer-connection": "not-connected"}) == []
    with pytest.raises(InvalidInput) as refused:
        _bill([sewer])
    assert refused.value.field == "attributes"
    assert "sewer-connection" in refused.value.message


def test_a_default_prices_the_values_not_listed_urban_and_rural() -> None:
    # rural 40.00 a month, every other zone (and none) 25.00: 25.00 x 12 x 89/365 = 73.1506
    zone = PropertyCharge(WATER, "zone", {"rural": D("40.00")}, D("25.00"), basis=PER_MONTH)
    (urban,) = _bill([zone], attributes={"zone": "urban"})
    (unzoned,) = _bill([zone])
    # 40.00 x 12 x 89/365 = 117.0410... -> 117.04
    (rural,) = _bill([zone], attributes={"zone": "rural"})
    assert (urban.amount, unzoned.amount, rural.amount) == (D("73.15"), D("73.15"), D("117.04"))
    assert unzoned.detail is None


def test_a_flat_rate_for_unmetered_properties_charges_only_accounts_without_a_meter() -> None:
    # Unmetered homes pay a flat 150.00 a quarter for water: 4 x 150.00 x 89/365 = 146.3013...
    # -> 146.30; metered ones the daily basic charge by meter size, 0.50 x 89 days = 44.50.
    flat = PropertyCharge(
        WATER, "property_type", {}, D("150.00"), metering=Metering.UNMETERED, basis=PER_QUARTER
    )
    basic = FixedCharge(WATER, {MeterSize.MM15: D("0.5000")}, basis=PER_DAY)
    unmetered = _bill([flat, basic], meter_size=None)
    assert [(line.kind, line.amount) for line in unmetered] == [("property", D("146.30"))]
    metered = _bill([flat, basic])
    assert [(line.kind, line.amount) for line in metered] == [("fixed", D("44.50"))]


def test_a_property_charge_may_apply_to_metered_accounts_only() -> None:
    # 5.00 a month for metered accounts: 5.00 x 12 x 89/365 = 14.6301 -> 14.63
    meter_fee = PropertyCharge(
        WATER, "property_type", {}, D("5.00"), metering=Metering.METERED, basis=PER_MONTH
    )
    assert [line.amount for line in _bill([meter_fee])] == [D("14.63")]
    assert _bill([meter_fee], meter_size=None) == []


def test_a_version_without_a_flat_rate_still_needs_the_meter_size_of_a_fixed_charge() -> None:
    basic = FixedCharge(WATER, {MeterSize.MM15: D("0.5000")}, basis=PER_DAY)
    with pytest.raises(InvalidInput) as refused:
        _bill([basic], meter_size=None)
    assert refused.value.field == "meter_size"


def test_the_daily_basic_charge_is_by_meter_size_and_by_who_owns_the_meter() -> None:
    # 0.4100 a day on a municipal 15 mm meter, 0.3500 on a customer's own: 89 days
    # -> 89 x 0.41 = 36.49; 89 x 0.35 = 31.15
    basic = FixedCharge(
        WATER,
        {MeterSize.MM15: D("0.4100"), MeterSize.MM25: D("0.9000")},
        basis=PER_DAY,
        customer_owned_prices={MeterSize.MM15: D("0.3500"), MeterSize.MM25: D("0.8000")},
    )
    (municipal,) = _bill([basic], meter_owner=MeterOwner.MUNICIPALITY)
    (unknown,) = _bill([basic])
    (owned,) = _bill([basic], meter_owner=MeterOwner.CUSTOMER)
    assert (municipal.amount, unknown.amount) == (D("36.49"), D("36.49"))
    assert (owned.amount, owned.unit_price, owned.detail) == (D("31.15"), D("0.3500"), "15mm")


def test_a_size_the_customer_owned_prices_do_not_list_costs_the_municipal_price() -> None:
    # customer-owned prices only for 15 mm: a customer's own 25 mm meter pays the 25 mm price,
    # 0.9000 a day: 89 x 0.90 = 80.10; a customer's own 15 mm meter 89 x 0.35 = 31.15
    basic = FixedCharge(
        WATER,
        {MeterSize.MM15: D("0.4100"), MeterSize.MM25: D("0.9000")},
        basis=PER_DAY,
        customer_owned_prices={MeterSize.MM15: D("0.3500")},
    )
    (large,) = _bill([basic], meter_owner=MeterOwner.CUSTOMER, meter_size=MeterSize.MM25)
    (small,) = _bill([basic], meter_owner=MeterOwner.CUSTOMER)
    assert (large.amount, large.unit_price) == (D("80.10"), D("0.9000"))
    assert (small.amount, small.unit_price) == (D("31.15"), D("0.3500"))


def test_stormwater_in_billing_units_of_impervious_area() -> None:
    # A Mississauga plaza with 5,000 m2 of hard surface: 5000 / 267 = 18.7265... -> 18.7 units;
    # 18.7 x 100.00 a year x 89/365 = 455.9726... -> 455.97
    (line,) = _bill([MISSISSAUGA_UNITS], impervious_area=D(5000))
    assert (line.kind, line.quantity, line.unit_price) == ("stormwater-units", D("18.7"), D(100))
    assert (line.days, line.basis_days) == (DAYS, 365)
    assert line.amount == D("455.97")
    assert line.detail == "5000\u00a0m²"
    # 60 m2: 0.2247 -> 0.2 units, raised to the minimum 0.5: 0.5 x 100 x 89/365 = 12.1918
    (small,) = _bill([MISSISSAUGA_UNITS], impervious_area=D(60))
    assert (small.quantity, small.amount) == (D("0.5"), D("12.19"))


@pytest.mark.parametrize(
    ("rounding", "units"),
    [(UnitRounding.UP, D(19)), (UnitRounding.NEAREST, D(19)), (UnitRounding.DOWN, D(18))],
)
def test_billing_units_are_rounded_as_the_bylaw_says(rounding: UnitRounding, units: D) -> None:
    # 5,000 / 267 = 18.73 units: up 19, nearest 19, down 18 (whole units, at most 25)
    whole = StormwaterUnits(D(267), D(100), rounding, 0, maximum_units=D(25))
    assert whole.units(D(5000)) == units
    assert whole.units(D(10000)) == D(25)  # 37.45 units, capped at 25


def test_a_unit_of_a_building_pays_its_share_of_the_buildings_units() -> None:
    # A quarter (0.2500) of a 5,000 m2 building's 18.7 units: 4.675 units x 100 x 89/365
    # = 113.9931... -> 113.99
    (line,) = _bill([MISSISSAUGA_UNITS], impervious_area=D(5000), property_share=D("0.25"))
    assert (line.quantity, line.amount) == (D("4.675"), D("113.99"))


def test_stormwater_by_tiers_of_impervious_area() -> None:
    # Kitchener: a 1,200 m2 shop is in the third tier (1,052 to 1,640 m2), 103.05 a month:
    # 12 x 103.05 x 89/365 = 301.5271... -> 301.53
    (line,) = _bill([KITCHENER_NON_RESIDENTIAL], impervious_area=D(1200))
    assert (line.kind, line.tier, line.unit_price, line.amount) == (
        "stormwater-tiers",
        3,
        D("1236.6000"),
        D("301.53"),
    )
    # a limit is inclusive: exactly 1,051 m2 is the second tier, 12 x 38.54 x 89/365
    # = 112.7691 -> 112.77
    (edge,) = _bill([KITCHENER_NON_RESIDENTIAL], impervious_area=D(1051))
    assert (edge.tier, edge.amount) == (2, D("112.77"))
    # under 26 m2, no charge and no line
    assert _bill([KITCHENER_NON_RESIDENTIAL], impervious_area=D(20)) == []
    # the open-ended last tier: 12 x 1910.23 = 22922.76 a year x 89/365 = 5589.3853... -> 5589.39
    (largest,) = _bill([KITCHENER_NON_RESIDENTIAL], impervious_area=D(50000))
    assert (largest.tier, largest.amount) == (6, D("5589.39"))


def test_mississauga_residential_tiers_by_rooftop_area() -> None:
    # a 160 m2 rooftop is "medium" (151.1 to 194.0 m2): 108.20 a year x 89/365 = 26.3830
    (line,) = _bill([MISSISSAUGA_TIERS], impervious_area=D(160))
    assert (line.tier, line.amount) == (4, D("26.38"))


def test_an_account_without_the_area_a_charge_needs_is_refused_by_rating_and_billing() -> None:
    with pytest.raises(InvalidInput) as refused:
        _bill([MISSISSAUGA_UNITS])
    assert refused.value.field == "impervious_area"
    version = RateVersion(date(2026, 1, 1), None, [MISSISSAUGA_UNITS, KITCHENER_RESIDENTIAL])
    lacking = unpriced(
        version, PricingAttributes(ALL_SERVICES, property_type=PropertyType.COMMERCIAL)
    )
    assert [u.attribute for u in lacking] == ["impervious_area", "property_type"]
    # without stormwater service, stormwater charges ask for nothing
    assert unpriced(version, PricingAttributes(frozenset({ServiceType.WATER}))) == ()
    complete = PricingAttributes(
        ALL_SERVICES, property_type=PropertyType.TOWNHOUSE, impervious_area=D(300)
    )
    assert unpriced(version, complete) == ()


def test_unmetered_and_metered_charges_are_asked_of_the_accounts_they_apply_to() -> None:
    by_zone = PropertyCharge(WATER, "zone", {"rural": D("40")}, metering=Metering.UNMETERED)
    version = RateVersion(date(2026, 1, 1), None, [by_zone])
    without_meter = PricingAttributes(ALL_SERVICES)
    with_meter = PricingAttributes(ALL_SERVICES, meter_size=MeterSize.MM15)
    assert [u.attribute for u in unpriced(version, without_meter)] == ["attributes"]
    assert unpriced(version, with_meter) == ()


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: PropertyCharge(WATER, "Zone", {"rural": D(1)}), "by"),
        (lambda: PropertyCharge(WATER, "zone", {"Rural": D(1)}), "prices.Rural"),
        (lambda: PropertyCharge(WATER, "property_type", {"castle": D(1)}), "prices.castle"),
        (lambda: PropertyCharge(WATER, "zone", {}), "prices"),
        (lambda: PropertyCharge(WATER, "zone", {"rural": D("1.23456")}), "prices.rural"),
        (lambda: PropertyCharge(ChargeType.MISCELLANEOUS, "zone", {"a": D(1)}), "charge_type"),
        (lambda: StormwaterUnits(D(0), D(100)), "unit_area"),
        (lambda: StormwaterUnits(D(267), D(100), unit_places=2), "unit_places"),
        (lambda: StormwaterUnits(D(267), D(100), minimum_units=D("0.5")), "minimum_units"),
        (
            lambda: StormwaterUnits(D(267), D(100), minimum_units=D(3), maximum_units=D(2)),
            "maximum_units",
        ),
        (lambda: StormwaterTiers([]), "tiers"),
        (lambda: StormwaterTiers([AreaTier(D(100), D(1))]), "tiers.0.limit"),
        (
            lambda: StormwaterTiers(
                [AreaTier(D(100), D(1)), AreaTier(D(50), D(2)), AreaTier(None, D(3))]
            ),
            "tiers.1.limit",
        ),
    ],
)
def test_a_component_that_cannot_be_right_is_refused_naming_the_field(
    build: object, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        build()  # type: ignore[operator]
    assert refused.value.field == field
