"""Figures typed as bylaws publish them: each with its basis (per day, per N days, per billing
period, month, quarter or year), prorated under the version's day count; and volume caps.

Every expectation is worked out by hand in the comment beside it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from civiq.accounts.domain.properties import PropertyType
from civiq.billing.services.statement_document import Calculation, calculation
from civiq.core.errors import InvalidInput
from civiq.metering.domain.meters import MeterSize
from civiq.rates.domain.charges import ChargeType, RatedBill, Unit
from civiq.rates.domain.rates import (
    PER_30_DAYS,
    Basis,
    Block,
    ConsumptionBlocks,
    DayCount,
    FixedCharge,
    MinimumCharge,
    Per,
    RateVersion,
    SewerCharge,
    StormwaterCharge,
    VolumeCap,
    VolumetricRate,
)
from civiq.rates.domain.rating import rate
from tests.helpers.rating import JAN_1, request, schedule

D = Decimal
WATER, SEWER = ChargeType.WATER, ChargeType.SEWER
PER_60_DAYS = Basis(Per.DAYS, 60)
PER_PERIOD = Basis(Per.PERIOD)
PER_QUARTER = Basis(Per.QUARTER)
PER_YEAR = Basis(Per.YEAR)
# Barrie's bi-monthly bylaw: tiers 0-30-60-90 m3 per 60 days, a fixed 24.92 per 60 days
BARRIE_FIXED = FixedCharge(WATER, {MeterSize.MM16: D("24.92")}, basis=PER_60_DAYS)
BARRIE_BLOCKS = ConsumptionBlocks(
    WATER,
    [
        Block(D(30), D("1.5000")),
        Block(D(60), D("2.0000")),
        Block(D(90), D("2.5000")),
        Block(None, D("3.0000")),
    ],
    basis=PER_60_DAYS,
)


def lines(bill: RatedBill) -> list[tuple[str, Decimal, Decimal, int | None, int | None, Decimal]]:
    return [(x.kind, x.quantity, x.unit_price, x.days, x.basis_days, x.amount) for x in bill.lines]


# basis


def test_barrie_is_typed_as_published_and_prints_its_own_figures() -> None:
    # 62 days: 2026-03-31 (exclusive) to 2026-06-01
    bill = rate(
        schedule(BARRIE_FIXED, BARRIE_BLOCKS), request(date(2026, 3, 31), date(2026, 6, 1), "100")
    )
    assert lines(bill) == [
        # 24.92 x 62 / 60 = 25.7506...
        ("fixed", D(1), D("24.92"), 62, 60, D("25.75")),
        # allowances 30, 60, 90 m3 per 60 days over 62 days: 31, 62, 93 m3
        ("block", D("31.000"), D("1.5000"), 62, None, D("46.50")),  # 31 x 1.50
        ("block", D("31.000"), D("2.0000"), 62, None, D("62.00")),  # (62 - 31) x 2.00
        ("block", D("31.000"), D("2.5000"), 62, None, D("77.50")),  # (93 - 62) x 2.50
        ("block", D("7.000"), D("3.0000"), 62, None, D("21.00")),  # (100 - 93) x 3.00
    ]
    # the statement prints the bylaw's figure: "62 of 60 days x $24.92 per 60 days"
    assert calculation(bill.lines[0]) == Calculation("prorated", D(1), D("24.92"), 62, 60)


def test_the_defaults_keep_yearly_prices_and_allowances_per_30_days() -> None:
    default = FixedCharge(WATER, {MeterSize.MM16: D("372.00")})
    assert default.basis == PER_YEAR
    assert ConsumptionBlocks(WATER, [Block(None, D(1))]).basis == PER_30_DAYS
    assert MinimumCharge(WATER, D(10)).basis == PER_30_DAYS
    # 372.00 x 61 / 365 = 62.1698...
    bill = rate(schedule(default), request(date(2026, 2, 28), date(2026, 4, 30), "0"))
    assert lines(bill) == [("fixed", D(1), D("372.00"), 61, 365, D("62.17"))]


def test_a_price_per_day_prints_as_days() -> None:
    per_day = FixedCharge(WATER, {MeterSize.MM16: D("0.4100")}, basis=Basis(Per.DAYS, 1))
    bill = rate(schedule(per_day), request(date(2026, 2, 28), date(2026, 3, 31), "0"))
    (line,) = bill.lines
    assert line.amount == D("12.71")  # 0.41 x 31 days
    assert calculation(line) == Calculation("days", D(31), D("0.4100"))


def test_a_price_per_billing_period_is_charged_once_per_bill() -> None:
    per_bill = StormwaterCharge({PropertyType.SINGLE_FAMILY: D("18.40")}, basis=PER_PERIOD)
    bill = rate(schedule(per_bill), request(date(2026, 2, 28), date(2026, 4, 30), "0"))
    (line,) = bill.lines
    assert (line.unit, line.quantity, line.unit_price, line.days, line.amount) == (
        Unit.BILL,
        D(1),
        D("18.40"),
        None,
        D("18.40"),
    )
    assert calculation(line) == Calculation("count", D(1), D("18.40"))


def test_a_price_per_quarter_under_actual_days_is_four_times_a_year() -> None:
    quarterly = FixedCharge(WATER, {MeterSize.MM16: D("30.00")}, basis=PER_QUARTER)
    bill = rate(schedule(quarterly), request(date(2026, 2, 28), date(2026, 4, 30), "0"))
    # 30.00 x 4 = 120.00 a year; x 61 / 365 = 20.0547...
    assert lines(bill) == [("fixed", D(1), D("120.00"), 61, 365, D("20.05"))]


def test_a_minimum_per_60_days_scales_to_the_days() -> None:
    minimum = MinimumCharge(WATER, D("30.00"), PER_60_DAYS)
    volumetric = VolumetricRate(WATER, [Block(None, D("2.0000"))])
    bill = rate(schedule(volumetric, minimum), request(date(2026, 2, 28), date(2026, 4, 30), "5"))
    # water 5 x 2.00 = 10.00; minimum 30.00 x 61 / 60 = 30.50: topped up by 20.50
    assert [(x.kind, x.amount) for x in bill.lines] == [
        ("volumetric", D("10.00")),
        ("minimum", D("20.50")),
    ]


def test_a_basis_is_days_with_a_count_or_a_calendar_span_without() -> None:
    with pytest.raises(InvalidInput) as days_missing:
        Basis(Per.DAYS)
    assert days_missing.value.field == "days"
    with pytest.raises(InvalidInput) as days_extra:
        Basis(Per.YEAR, 365)
    assert days_extra.value.field == "days"
    with pytest.raises(InvalidInput):
        Basis(Per.DAYS, 0)


# day counts


def test_actual_actual_splits_a_period_across_new_year_by_the_years_lengths() -> None:
    yearly = FixedCharge(WATER, {MeterSize.MM16: D("366.00")})
    # 2027-12-01 (exclusive) to 2028-01-31: 30 days of 2027 (365 days), 31 of 2028 (leap, 366)
    period = request(date(2027, 12, 1), date(2028, 1, 31), "0")
    actual = rate(schedule(yearly, day_count=DayCount.ACTUAL_ACTUAL), period)
    assert lines(actual) == [
        ("fixed", D(1), D("366.00"), 30, 365, D("30.08")),  # 366 x 30 / 365 = 30.0821...
        ("fixed", D(1), D("366.00"), 31, 366, D("31.00")),  # 366 x 31 / 366 = 31
    ]
    on_365 = rate(schedule(yearly), period)
    assert lines(on_365) == [("fixed", D(1), D("366.00"), 61, 365, D("61.17"))]  # 61.1671...


def test_actual_actual_scales_allowances_per_year_by_each_years_length() -> None:
    blocks = ConsumptionBlocks(
        WATER, [Block(D(365), D("1.0000")), Block(None, D("2.0000"))], basis=PER_YEAR
    )
    period = request(date(2027, 12, 1), date(2028, 1, 31), "100")
    bill = rate(schedule(blocks, day_count=DayCount.ACTUAL_ACTUAL), period)
    # allowance 365 x 30 / 365 + 365 x 31 / 366 = 30 + 30.9153 = 60.915 m3 (to the litre)
    assert lines(bill) == [
        ("block", D("60.915"), D("1.0000"), 61, None, D("60.92")),  # 60.915 x 1.00
        ("block", D("39.085"), D("2.0000"), 61, None, D("78.17")),  # 39.085 x 2.00
    ]


def test_a_fixed_period_length_bills_a_quarter_whatever_its_days() -> None:
    yearly = FixedCharge(WATER, {MeterSize.MM16: D("400.00")})
    quarterly = StormwaterCharge({PropertyType.SINGLE_FAMILY: D("25.00")}, basis=PER_QUARTER)
    rates = schedule(yearly, quarterly, day_count=DayCount.FIXED_PERIOD, periods=4)
    for start, end in [  # a 90-day and a 92-day quarter cost the same
        (date(2025, 12, 31), date(2026, 3, 31)),
        (date(2026, 6, 30), date(2026, 9, 30)),
    ]:
        bill = rate(rates, request(start, end, "0"))
        assert [(x.unit, x.quantity, x.unit_price, x.amount) for x in bill.lines] == [
            (Unit.BILL, D(1), D("100.00"), D("100.00")),  # 400.00 / 4
            (Unit.BILL, D(1), D("25.00"), D("25.00")),  # 25.00 per quarter, one quarter
        ]


def test_a_fixed_period_length_refuses_figures_per_days() -> None:
    with pytest.raises(InvalidInput) as refused:
        RateVersion(JAN_1, None, [BARRIE_FIXED], (), DayCount.FIXED_PERIOD, 6)
    assert refused.value.field == "components.0.basis.per"
    with pytest.raises(InvalidInput) as no_periods:
        RateVersion(
            JAN_1, None, [FixedCharge(WATER, {MeterSize.MM16: D(1)})], (), DayCount.FIXED_PERIOD
        )
    assert no_periods.value.field == "periods_per_year"
    with pytest.raises(InvalidInput) as stray:
        RateVersion(JAN_1, None, [BARRIE_FIXED], (), DayCount.ACTUAL_365, 6)
    assert stray.value.field == "periods_per_year"


# caps


def test_no_wastewater_charge_above_90_m3_per_period_prints_no_zero_line() -> None:
    sewer = SewerCharge(rate=D("1.5000"), cap=VolumeCap(D(90), PER_PERIOD))
    bill = rate(schedule(sewer), request(date(2026, 2, 28), date(2026, 4, 30), "120"))
    assert lines(bill) == [("sewer-volumetric", D(90), D("1.5000"), None, None, D("135.00"))]
    under = rate(schedule(sewer), request(date(2026, 2, 28), date(2026, 4, 30), "40.5"))
    assert [x.quantity for x in under.lines] == [D("40.5")]  # under the cap: all of it


def test_a_cap_per_30_days_scales_to_the_days_and_limits_the_blocks() -> None:
    blocks = ConsumptionBlocks(
        SEWER,
        [Block(D(10), D("1.0000")), Block(None, D("2.0000"))],
        cap=VolumeCap(D(30), PER_30_DAYS),
    )
    bill = rate(schedule(blocks), request(date(2026, 2, 28), date(2026, 4, 30), "80"))
    # over 61 days: allowance 10 x 61 / 30 = 20.333 m3; cap 30 x 61 / 30 = 61 m3 of the 80
    assert lines(bill) == [
        ("block", D("20.333"), D("1.0000"), 61, None, D("20.33")),
        ("block", D("40.667"), D("2.0000"), 61, None, D("81.33")),  # (61 - 20.333) x 2.00
    ]


def test_a_cap_is_refused_where_it_means_nothing() -> None:
    with pytest.raises(InvalidInput) as thresholds:
        VolumetricRate(
            WATER,
            [Block(D(250), D(1)), Block(None, D(2))],
            cap=VolumeCap(D(90), PER_PERIOD),
        )
    assert thresholds.value.field == "cap"
    with pytest.raises(InvalidInput) as percent:
        SewerCharge(percent=D(80), cap=VolumeCap(D(90), PER_PERIOD))
    assert percent.value.field == "cap"
    with pytest.raises(InvalidInput) as zero:
        VolumeCap(D(0), PER_PERIOD)
    assert zero.value.field == "volume"
