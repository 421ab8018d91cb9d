"""Rating: one test per rate structure, with amounts worked out by hand, and properties.

Figures are of the kind an Ontario town's water and wastewater bylaw publishes: a fixed charge
by meter size ($372.00 a year for a 16 mm meter, $31.00 a month), inclining blocks per 30 days,
sewer at 80% of the water consumption charges, stormwater by property type, waste by cart.
Annual amounts are prorated on 365 days; allowances are per 30 days; every line is rounded once,
half up.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civiq.accounts.domain.accounts import CartSize, ServiceType
from civiq.accounts.domain.properties import PropertyType
from civiq.core.errors import InvalidInput
from civiq.core.money import Money
from civiq.metering.domain.meters import MeterSize
from civiq.rates.domain.charges import ChargeLine, ChargeType, RatedBill, Unit
from civiq.rates.domain.rates import (
    Block,
    Component,
    ConsumptionBlocks,
    FixedCharge,
    MinimumCharge,
    RateSchedule,
    RateVersion,
    Season,
    SewerCharge,
    StormwaterCharge,
    Tax,
    VolumetricRate,
    WasteCharge,
)
from civiq.rates.domain.rating import MiscellaneousCharge, RatingInput, rate, share_by_days

D = Decimal
WATER, SEWER = ChargeType.WATER, ChargeType.SEWER
ALL_SERVICES = frozenset(ServiceType)
JAN_1 = date(2026, 1, 1)
MARCH = (date(2026, 2, 28), date(2026, 3, 31))  # 31 days
MARCH_APRIL = (date(2026, 2, 28), date(2026, 4, 30))  # 61 days

FIXED = FixedCharge(WATER, {MeterSize.MM16: D("372.00"), MeterSize.MM25: D("930.00")})
INCLINING = ConsumptionBlocks(
    WATER, [Block(D(15), D("1.8900")), Block(D(30), D("2.3400")), Block(None, D("2.9800"))]
)
STORMWATER = StormwaterCharge(
    {PropertyType.SINGLE_FAMILY: D("110.40"), PropertyType.COMMERCIAL: D("552.00")}
)
WASTE = WasteCharge({CartSize.SMALL: D(150), CartSize.MEDIUM: D(200), CartSize.LARGE: D(260)})
HST = Tax(ChargeType.MISCELLANEOUS, "HST", D("0.13"))


def schedule(*components: Component, taxes: tuple[Tax, ...] = ()) -> RateSchedule:
    return RateSchedule("town", "Town of Example", [RateVersion(JAN_1, None, components, taxes)])


def request(period: tuple[date, date], volume: str, **changes: Any) -> RatingInput:
    fields: dict[str, Any] = {
        "period_start": period[0],
        "period_end": period[1],
        "volume": D(volume),
        "meter_size": MeterSize.MM16,
        "property_type": PropertyType.SINGLE_FAMILY,
        "services": ALL_SERVICES,
        "cart_size": CartSize.MEDIUM,
    }
    fields.update(changes)
    return RatingInput(**fields)


def amounts(bill: RatedBill, kind: str | None = None) -> list[Decimal]:
    return [line.amount for line in bill.lines if kind is None or line.kind == kind]


# one test per rate structure


def test_a_fixed_charge_by_meter_size_is_prorated_per_day() -> None:
    bill = rate(schedule(FIXED), request(MARCH_APRIL, "0"))
    (line,) = bill.lines
    # 372.00 x 61 / 365 = 62.1698...
    assert line == ChargeLine(
        WATER, "fixed", D(1), Unit.DAY, D("372.00"), D("62.17"), JAN_1, 61, 365, detail="16mm"
    )
    large = rate(schedule(FIXED), request(MARCH, "0", meter_size=MeterSize.MM25))
    assert amounts(large) == [D("78.99")]  # 930.00 x 31 / 365 = 78.986...


def test_inclining_blocks_have_allowances_per_30_days_scaled_to_the_days() -> None:
    bill = rate(schedule(INCLINING), request(MARCH_APRIL, "75.250"))
    # 61 days: block 1 up to 15 x 61/30 = 30.5 m3, block 2 up to 30 x 61/30 = 61 m3
    assert [(line.tier, line.quantity, line.amount) for line in bill.lines] == [
        (1, D("30.500"), D("57.65")),  # 30.5 x 1.89 = 57.645, half up
        (2, D("30.500"), D("71.37")),  # 30.5 x 2.34
        (3, D("14.250"), D("42.47")),  # 14.25 x 2.98 = 42.465
    ]
    assert all(line.days == 61 for line in bill.lines)
    short = rate(schedule(INCLINING), request(MARCH, "12.000"))
    assert [(line.tier, line.quantity) for line in short.lines] == [(1, D("12.000"))]


def test_a_scaled_allowance_is_rounded_to_the_litre() -> None:
    blocks = ConsumptionBlocks(WATER, [Block(D(10), D("1.00")), Block(None, D("2.00"))])
    bill = rate(schedule(blocks), request(MARCH, "20.000"))
    # 10 x 31 / 30 = 10.3333... -> 10.333 m3 in block 1, the rest in block 2
    assert [line.quantity for line in bill.lines] == [D("10.333"), D("9.667")]
    assert amounts(bill) == [D("10.33"), D("19.33")]


def test_a_single_volumetric_rate() -> None:
    flat = VolumetricRate(WATER, [Block(None, D("2.1000"))])
    (line,) = rate(schedule(flat), request(MARCH, "18.437")).lines
    assert (line.kind, line.tier, line.quantity, line.amount) == (
        "volumetric",
        None,
        D("18.437"),
        D("38.72"),  # 18.437 x 2.10 = 38.7177
    )


def test_annual_thresholds_count_the_volume_already_billed_this_year() -> None:
    declining = VolumetricRate(WATER, [Block(D(300), D("2.1000")), Block(None, D("1.6500"))])
    bill = rate(schedule(declining), request(MARCH, "50.000", year_to_date_volume=D(280)))
    assert [(line.tier, line.quantity, line.amount) for line in bill.lines] == [
        (1, D(20), D("42.00")),  # the year's 281st to 300th m3
        (2, D(30), D("49.50")),
    ]


def test_annual_thresholds_restart_on_the_first_of_january() -> None:
    declining = VolumetricRate(WATER, [Block(D(300), D("2.1000")), Block(None, D("1.6500"))])
    rates = RateSchedule("town", "Town", [RateVersion(date(2025, 1, 1), None, [declining], ())])
    period = (date(2025, 11, 30), date(2026, 1, 31))  # 31 days of December, 31 of January
    bill = rate(rates, request(period, "62.000", year_to_date_volume=D(290)))
    # December: 10 m3 to reach 300, 21 above; January counts from zero: 31 in block 1
    assert [(line.tier, line.quantity, line.amount) for line in bill.lines] == [
        (1, D(41), D("86.10")),
        (2, D(21), D("34.65")),
    ]


def test_a_late_payment_rate_gives_the_total_after_the_due_date() -> None:
    late = VolumetricRate(WATER, [Block(None, D("2.1000"), late_rate=D("2.3100"))])
    bill = rate(schedule(FIXED, late, SewerCharge(percent=D(80))), request(MARCH, "40.000"))
    # fixed 372 x 31/365 = 31.59; water 40 x 2.10 = 84.00; sewer 80% = 67.20
    assert amounts(bill) == [D("31.59"), D("84.00"), D("67.20")]
    assert bill.total == D("182.79")
    # after the due date: water 40 x 2.31 = 92.40, so sewer 73.92
    assert bill.total_after_due == D("31.59") + D("92.40") + D("73.92")
    assert rate(schedule(FIXED), request(MARCH, "40.000")).total_after_due is None


def test_sewer_as_a_percentage_of_the_water_consumption_charges() -> None:
    bill = rate(
        schedule(FIXED, INCLINING, SewerCharge(percent=D(80))), request(MARCH_APRIL, "75.250")
    )
    (sewer,) = [line for line in bill.lines if line.charge_type is SEWER]
    # the blocks come to 57.65 + 71.37 + 42.47 = 171.49 (the fixed charge is not consumption)
    assert (sewer.kind, sewer.quantity, sewer.unit_price, sewer.amount) == (
        "sewer-percent",
        D("171.49"),
        D("0.8000"),
        D("137.19"),  # 171.49 x 0.8 = 137.192
    )


def test_sewer_per_m3_optionally_capped_at_the_winter_average() -> None:
    capped = SewerCharge(rate=D("1.9500"), winter_cap=True)
    uncapped = rate(schedule(capped), request(MARCH_APRIL, "75.250"))
    assert [(line.quantity, line.amount) for line in uncapped.lines] == [
        (D("75.250"), D("146.74"))  # no winter history: the whole volume; 146.7375
    ]
    summer = rate(schedule(capped), request(MARCH_APRIL, "75.250", winter_daily_average=D("0.6")))
    # at most 0.6 m3 a day x 61 days = 36.6 m3
    assert [(line.quantity, line.amount) for line in summer.lines] == [(D("36.600"), D("71.37"))]
    winter = rate(schedule(capped), request(MARCH_APRIL, "20.000", winter_daily_average=D("0.6")))
    assert [line.quantity for line in winter.lines] == [D("20.000")]
    always = rate(
        schedule(SewerCharge(rate=D("1.9500"))),
        request(MARCH_APRIL, "75.250", winter_daily_average=D("0.6")),
    )
    assert [line.quantity for line in always.lines] == [D("75.250")]


def test_stormwater_by_property_type_is_prorated_per_day() -> None:
    bill = rate(schedule(STORMWATER), request(MARCH_APRIL, "0"))
    (line,) = bill.lines
    # 110.40 x 61 / 365 = 18.4504...
    assert (line.kind, line.detail, line.amount, line.days, line.basis_days) == (
        "stormwater",
        "single-family",
        D("18.45"),
        61,
        365,
    )
    shop = rate(
        schedule(STORMWATER), request(MARCH_APRIL, "0", property_type=PropertyType.COMMERCIAL)
    )
    assert amounts(shop) == [D("92.25")]  # 552 x 61 / 365 = 92.252...


def test_waste_by_cart_size_is_prorated_per_day() -> None:
    bill = rate(schedule(WASTE), request(MARCH_APRIL, "0"))
    assert [(line.kind, line.detail, line.amount) for line in bill.lines] == [
        ("waste", "medium", D("33.42"))  # 200 x 61 / 365 = 33.424...
    ]
    small = rate(schedule(WASTE), request(MARCH_APRIL, "0", cart_size=CartSize.SMALL))
    assert amounts(small) == [D("25.07")]  # 150 x 61 / 365 = 25.068...


def test_a_seasonal_rate_gets_the_volume_of_its_days() -> None:
    summer = VolumetricRate(WATER, [Block(None, D("2.5000"))], season=Season("summer", 5, 9))
    winter = VolumetricRate(WATER, [Block(None, D("2.0000"))], season=Season("winter", 10, 4))
    bill = rate(
        schedule(FIXED, summer, winter), request((date(2026, 4, 15), date(2026, 6, 14)), "60.000")
    )
    # 15 days of April (winter) and 45 of May and June (summer): 60 m3 shared 15 / 45
    assert [(line.kind, line.season, line.quantity, line.amount) for line in bill.lines] == [
        ("fixed", None, D(1), D("61.15")),  # one line for all 60 days: 372 x 60 / 365
        ("volumetric", "summer", D("45.000"), D("112.50")),
        ("volumetric", "winter", D("15.000"), D("30.00")),
    ]
    outside = rate(schedule(summer), request(MARCH, "10.000"))
    assert outside.lines == ()


def test_a_minimum_tops_up_a_charge_type_below_it() -> None:
    flat = VolumetricRate(WATER, [Block(None, D("2.1000"))])
    rates = schedule(flat, MinimumCharge(WATER, D(20)))
    bill = rate(rates, request(MARCH_APRIL, "3.000"))
    # minimum 20 x 61 / 30 = 40.666... -> 40.67; the water used costs 3 x 2.10 = 6.30
    assert [(line.kind, line.amount) for line in bill.lines] == [
        ("volumetric", D("6.30")),
        ("minimum", D("34.37")),
    ]
    assert bill.subtotal == D("40.67")
    assert [line.kind for line in rate(rates, request(MARCH_APRIL, "30.000")).lines] == [
        "volumetric"
    ]


def test_miscellaneous_charges_are_taxed_and_the_utilities_are_not() -> None:
    rates = schedule(FIXED, taxes=(HST,))
    meter_test = MiscellaneousCharge("Meter test", D("75.00"))
    bill = rate(rates, request(MARCH, "0", miscellaneous=[meter_test]))
    assert [(line.charge_type, line.kind, line.detail, line.amount) for line in bill.lines] == [
        (WATER, "fixed", "16mm", D("31.59")),
        (ChargeType.MISCELLANEOUS, "miscellaneous", "Meter test", D("75.00")),
    ]
    (tax,) = bill.taxes
    assert (tax.charge_type, tax.name, tax.rate, tax.base, tax.amount) == (
        ChargeType.MISCELLANEOUS,
        "HST",
        D("0.13"),
        D("75.00"),
        D("9.75"),
    )
    assert bill.total == D("31.59") + D("75.00") + D("9.75")


def test_only_the_services_the_account_has_are_charged() -> None:
    rates = schedule(FIXED, INCLINING, SewerCharge(percent=D(80)), STORMWATER, WASTE)
    sewer_only = rate(
        rates, request(MARCH_APRIL, "75.250", services=frozenset({ServiceType.SEWER}))
    )
    # the sewer charge is still 80% of what the water used costs
    assert [(line.kind, line.amount) for line in sewer_only.lines] == [
        ("sewer-percent", D("137.19"))
    ]
    no_waste = rate(
        rates,
        request(MARCH_APRIL, "0", cart_size=None, services=frozenset({ServiceType.STORMWATER})),
    )
    assert [line.kind for line in no_waste.lines] == ["stormwater"]


def test_lines_are_grouped_by_charge_type() -> None:
    rates = schedule(WASTE, STORMWATER, SewerCharge(percent=D(80)), INCLINING, FIXED)
    bill = rate(rates, request(MARCH, "20.000"))
    assert [line.charge_type for line in bill.lines] == [
        WATER,
        WATER,
        WATER,
        SEWER,
        ChargeType.STORMWATER,
        ChargeType.WASTE,
    ]


def test_a_rate_change_mid_period_is_prorated_by_days() -> None:
    before = RateVersion(
        date(2025, 1, 1),
        date(2026, 3, 31),
        [FIXED, VolumetricRate(WATER, [Block(None, D("2.10"))])],
    )
    after = RateVersion(
        date(2026, 4, 1),
        None,
        [
            FixedCharge(WATER, {MeterSize.MM16: D("390.00")}),
            VolumetricRate(WATER, [Block(None, D("2.25"))]),
        ],
    )
    bill = rate(RateSchedule("town", "Town", [before, after]), request(MARCH_APRIL, "61.000"))
    # 31 days of March at the old rates, 30 of April at the new; 61 m3 shared 31 / 30
    assert [
        (line.kind, line.rate_effective_from, line.days, line.quantity, line.amount)
        for line in bill.lines
    ] == [
        ("fixed", date(2025, 1, 1), 31, D(1), D("31.59")),  # 372 x 31 / 365
        ("volumetric", date(2025, 1, 1), None, D("31.000"), D("65.10")),
        ("fixed", date(2026, 4, 1), 30, D(1), D("32.05")),  # 390 x 30 / 365 = 32.054
        ("volumetric", date(2026, 4, 1), None, D("30.000"), D("67.50")),
    ]


def test_a_period_with_no_rate_in_effect_is_refused() -> None:
    rates = RateSchedule(
        "town",
        "Town",
        [
            RateVersion(date(2026, 1, 1), date(2026, 3, 15), [FIXED]),
            RateVersion(date(2026, 3, 20), None, [FIXED]),
        ],
    )
    with pytest.raises(InvalidInput) as gap:
        rate(rates, request(MARCH, "0"))
    assert (gap.value.message, gap.value.field) == ("no rate in effect on 2026-03-16", "period")
    with pytest.raises(InvalidInput) as early:
        rate(rates, request((date(2025, 12, 1), date(2026, 1, 31)), "0"))
    assert (early.value.message, early.value.field) == ("no rate in effect on 2025-12-02", "period")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"meter_size": MeterSize.MM100}, "meter_size"),
        ({"meter_size": None}, "meter_size"),
        ({"property_type": PropertyType.INDUSTRIAL}, "property_type"),
        ({"cart_size": None}, "cart_size"),
    ],
)
def test_a_price_missing_for_the_account_is_refused(changes: dict[str, Any], field: str) -> None:
    rates = schedule(FIXED, STORMWATER, WasteCharge({CartSize.SMALL: D(150)}))
    with pytest.raises(InvalidInput) as error:
        rate(rates, request(MARCH, "0", **({"cart_size": CartSize.SMALL} | changes)))
    assert error.value.field == field


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"period_end": MARCH[0]}, "period_end"),
        ({"volume": D("-1")}, "volume"),
        ({"volume": D("1.0005")}, "volume"),  # to the litre
        ({"volume": D("NaN")}, "volume"),
        ({"year_to_date_volume": D("-1")}, "year_to_date_volume"),
        ({"winter_daily_average": D("-0.1")}, "winter_daily_average"),
    ],
)
def test_a_bad_rating_input_is_refused(changes: dict[str, Any], field: str) -> None:
    volume = str(changes.pop("volume", "1"))
    with pytest.raises(InvalidInput) as error:
        request(MARCH, volume, **changes)
    assert error.value.field == field


def test_a_miscellaneous_charge_needs_a_description_and_an_amount_in_cents() -> None:
    with pytest.raises(InvalidInput) as blank:
        MiscellaneousCharge(" ", D(10))
    with pytest.raises(InvalidInput) as fraction:
        MiscellaneousCharge("Permit", D("10.005"))
    assert (blank.value.field, fraction.value.field) == ("description", "amount")


def test_volume_is_shared_by_days_exactly_to_the_litre() -> None:
    assert share_by_days(D("10.000"), [1, 1, 1]) == [D("3.333"), D("3.333"), D("3.334")]
    assert share_by_days(D("0.001"), [30, 1]) == [D("0.000"), D("0.001")]
    assert share_by_days(D("61.000"), [31, 30]) == [D("31.000"), D("30.000")]


# properties

PERIOD_STARTS = st.dates(date(2026, 1, 1), date(2026, 10, 31))
LITRES = st.integers(0, 5_000_000).map(lambda litres: D(litres) / 1000)


@given(volume=LITRES, days=st.lists(st.integers(1, 400), min_size=1, max_size=12))
def test_shares_add_up_to_the_volume_and_each_is_within_a_litre_of_its_days(
    volume: Decimal, days: list[int]
) -> None:
    shares = share_by_days(volume, days)
    assert sum(shares) == volume
    total = sum(days)
    for share, day_count in zip(shares[:-1], days[:-1], strict=True):
        exact = volume * day_count / total
        assert share == share.quantize(D("0.001")) and exact - D("0.001") < share <= exact
    assert shares[-1] >= 0


def _full_schedule(starts: list[date]) -> RateSchedule:
    """The same prices as consecutive versions starting on ``starts`` (first: 2025-01-01).

    Block limits are whole litres per day (15 m3 / 30 days = 500 L a day), so every piece's
    allowance is exact and pieces add up to the whole without rounding.
    """
    components: list[Component] = [
        FIXED,
        INCLINING,
        VolumetricRate(SEWER, [Block(None, D("0.3500"))]),
        SewerCharge(rate=D("1.9500"), winter_cap=True),
        STORMWATER,
        WASTE,
    ]
    bounds = [date(2025, 1, 1), *starts]
    versions = [
        RateVersion(
            start, (bounds[i + 1] - timedelta(days=1)) if i + 1 < len(bounds) else None, components
        )
        for i, start in enumerate(bounds)
    ]
    return RateSchedule("town", "Town", versions)


def _by_line(bill: RatedBill) -> dict[tuple[ChargeType, str, int | None], list[ChargeLine]]:
    grouped: dict[tuple[ChargeType, str, int | None], list[ChargeLine]] = defaultdict(list)
    for line in bill.lines:
        grouped[(line.charge_type, line.kind, line.tier)].append(line)
    return grouped


@st.composite
def split_periods(draw: st.DrawFn) -> tuple[date, date, list[date]]:
    start = draw(PERIOD_STARTS)
    days = draw(st.integers(2, 120))
    cuts = draw(st.lists(st.integers(2, days), max_size=4, unique=True))
    return start, start + timedelta(days=days), [start + timedelta(days=c) for c in sorted(cuts)]


@settings(max_examples=200)
@given(
    split=split_periods(),
    litres_a_day=st.integers(0, 4000),
    winter=st.none() | st.integers(0, 3000).map(lambda litres: D(litres) / 1000),
)
def test_splitting_a_period_at_versions_with_the_same_prices_changes_no_line_by_more_than_rounding(
    split: tuple[date, date, list[date]], litres_a_day: int, winter: Decimal | None
) -> None:
    start, end, cuts = split
    days = (end - start).days
    volume = D(litres_a_day * days) / 1000  # the same use every day
    asked = request((start, end), str(volume), winter_daily_average=winter)
    whole = rate(_full_schedule([]), asked)
    pieces = rate(_full_schedule(cuts), asked)
    segments = len(cuts) + 1
    assert len({line.rate_effective_from for line in pieces.lines}) == segments
    unsplit, split_lines = _by_line(whole), _by_line(pieces)
    assert unsplit.keys() == split_lines.keys()
    for key, (line,) in unsplit.items():
        parts = split_lines[key]
        if line.basis_days:  # day shares add up to the whole
            assert sum(part.days or 0 for part in parts) == line.days == days
        if line.unit is Unit.CUBIC_METRE:  # and so do volume shares
            assert sum(part.quantity for part in parts) == line.quantity
        difference = abs(sum(part.amount for part in parts) - line.amount)
        assert difference <= D("0.005") * segments, key


@given(
    split=split_periods(),
    volume=LITRES,
)
def test_any_volume_split_at_versions_bills_exactly_the_volume_and_the_days(
    split: tuple[date, date, list[date]], volume: Decimal
) -> None:
    start, end, cuts = split
    bill = rate(_full_schedule(cuts), request((start, end), str(volume)))
    charged = [line for line in bill.lines if line.kind == "volumetric"]
    assert sum(line.quantity for line in charged) == volume
    assert sum(line.days or 0 for line in bill.lines if line.kind == "fixed") == (end - start).days
    blocks = [line for line in bill.lines if line.kind == "block"]
    assert sum(line.quantity for line in blocks) == volume


@given(
    start=PERIOD_STARTS,
    days=st.integers(2, 120),
    change=st.integers(1, 119),
    litres=st.integers(0, 500_000),
)
def test_a_version_change_mid_period_prorates_by_days(
    start: date, days: int, change: int, litres: int
) -> None:
    change = min(change, days - 1)
    switch = start + timedelta(days=change + 1)  # the first day at the new rates
    old_fixed, new_fixed = D("372.00"), D("390.00")
    rates = RateSchedule(
        "town",
        "Town",
        [
            RateVersion(
                date(2025, 1, 1),
                switch - timedelta(days=1),
                [FIXED, VolumetricRate(WATER, [Block(None, D("2.10"))])],
            ),
            RateVersion(
                switch,
                None,
                [
                    FixedCharge(WATER, {MeterSize.MM16: new_fixed}),
                    VolumetricRate(WATER, [Block(None, D("2.25"))]),
                ],
            ),
        ],
    )
    volume = D(litres) / 1000
    bill = rate(rates, request((start, start + timedelta(days=days)), str(volume)))
    old_days, new_days = change, days - change
    old_volume, new_volume = share_by_days(volume, [old_days, new_days])
    fixed = [line for line in bill.lines if line.kind == "fixed"]
    assert [(line.days, line.amount) for line in fixed] == [
        (old_days, Money(old_fixed * old_days / 365).rounded().amount),
        (new_days, Money(new_fixed * new_days / 365).rounded().amount),
    ]
    used = [
        (line.rate_effective_from, line.quantity)
        for line in bill.lines
        if line.kind == "volumetric"
    ]
    expected = [(date(2025, 1, 1), old_volume), (switch, new_volume)]
    assert used == [(day, quantity) for day, quantity in expected if quantity]


RATES = st.integers(0, 99_999).map(lambda cents: D(cents) / 10_000)


@st.composite
def any_schedule(draw: st.DrawFn) -> RateSchedule:
    """A schedule of every kind of component with drawn prices, limits and seasons."""
    limits = sorted(draw(st.sets(st.integers(1, 100_000), min_size=0, max_size=3)))
    blocks = [Block(D(limit) / 1000, draw(RATES)) for limit in limits] + [
        Block(None, draw(RATES), draw(st.none() | st.just(D("9.9999"))))
    ]
    first, length = draw(st.integers(1, 12)), draw(st.integers(1, 11))
    season = draw(st.none() | st.just(Season("summer", first, (first + length - 2) % 12 + 1)))
    components: list[Component] = [
        FixedCharge(WATER, {MeterSize.MM16: draw(RATES) * 1000}),
        ConsumptionBlocks(WATER, blocks, season=season),
        VolumetricRate(WATER, [Block(D(300), draw(RATES)), Block(None, draw(RATES))]),
        SewerCharge(percent=D(draw(st.integers(0, 15000))) / 100),
        SewerCharge(rate=draw(RATES), winter_cap=draw(st.booleans())),
        StormwaterCharge({PropertyType.SINGLE_FAMILY: draw(RATES) * 100}),
        WasteCharge({CartSize.MEDIUM: draw(RATES) * 100}),
        MinimumCharge(WATER, draw(RATES) * 100),
        MinimumCharge(SEWER, draw(RATES) * 100),
    ]
    taxes = [
        Tax(ChargeType.MISCELLANEOUS, "HST", D("0.13")),
        Tax(SEWER, "Levy", D(draw(st.integers(0, 10_000))) / 10_000),
    ]
    return RateSchedule("town", "Town", [RateVersion(date(2025, 1, 1), None, components, taxes)])


@settings(max_examples=200)
@given(
    rates=any_schedule(),
    start=PERIOD_STARTS,
    days=st.integers(1, 400),
    volume=LITRES,
    year_to_date=LITRES,
    winter=st.none() | LITRES,
    fees=st.lists(st.integers(0, 100_000).map(lambda cents: D(cents) / 100), max_size=3),
)
def test_every_line_adds_up_on_paper_and_totals_are_sums_of_rounded_lines(
    rates: RateSchedule,
    start: date,
    days: int,
    volume: Decimal,
    year_to_date: Decimal,
    winter: Decimal | None,
    fees: list[Decimal],
) -> None:
    bill = rate(
        rates,
        request(
            (start, start + timedelta(days=days)),
            str(volume),
            year_to_date_volume=year_to_date,
            winter_daily_average=winter,
            miscellaneous=[MiscellaneousCharge(f"fee {i}", fee) for i, fee in enumerate(fees)],
        ),
    )
    cent = D("0.01")
    for line in bill.lines:
        assert line.amount == line.amount.quantize(cent) and line.amount >= 0
        exact = line.quantity * line.unit_price
        if line.basis_days:
            exact = exact * (line.days or 0) / line.basis_days
        assert line.amount == Money(exact).rounded().amount, line
    for tax in bill.taxes:
        base = sum(line.amount for line in bill.lines if line.charge_type is tax.charge_type)
        assert tax.base == base
        assert tax.amount == Money(base * tax.rate).rounded().amount
    water_use = sum(
        line.amount
        for line in bill.lines
        if line.charge_type is WATER and line.unit is Unit.CUBIC_METRE
    )
    for sewer in (line for line in bill.lines if line.kind == "sewer-percent"):
        assert sewer.quantity == water_use
    assert bill.total == sum(line.amount for line in bill.lines) + sum(t.amount for t in bill.taxes)
    if bill.total_after_due is not None:
        assert bill.total_after_due >= bill.total


def test_a_unit_on_a_shared_meter_pays_its_share_of_the_fixed_and_stormwater_charges() -> None:
    whole = rate(schedule(FIXED, STORMWATER), request(MARCH, "10.000"))
    shared = rate(
        schedule(FIXED, STORMWATER),
        request(MARCH, "10.000", meter_share=D("0.25"), property_share=D("0.25")),
    )
    for full, part in zip(whole.lines, shared.lines, strict=True):
        assert part.quantity == D("0.25")
        assert part.amount == (D("0.25") * full.unit_price * part.days / 365).quantize(D("0.01"))


@pytest.mark.parametrize("share", ["0", "1.5", "0.33333"])
def test_a_share_is_a_fraction_to_four_places(share: str) -> None:
    with pytest.raises(InvalidInput) as error:
        request(MARCH, "10.000", meter_share=D(share))
    assert error.value.field == "meter_share"
