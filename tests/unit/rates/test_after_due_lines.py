"""After-due amounts line by line: a bylaw with a higher rate when the bill is paid after its
due date (Toronto's kind of rate; the figures here are illustrative) shows each line's amount
then, and each tax's, beside the bill's total then; lines priced the same carry none.

Every expectation is worked out by hand in the comment beside it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from civiq.accounts.domain.accounts import ServiceType
from civiq.accounts.domain.properties import PropertyType
from civiq.metering.domain.meters import MeterSize
from civiq.rates.domain.charges import ChargeType, RatedBill
from civiq.rates.domain.rates import (
    PER_30_DAYS,
    Block,
    ConsumptionBlocks,
    FixedCharge,
    MinimumCharge,
    RateSchedule,
    RateVersion,
    SewerCharge,
    Tax,
    VolumetricRate,
)
from civiq.rates.domain.rating import RatingInput, rate

D = Decimal
WATER, SEWER = ChargeType.WATER, ChargeType.SEWER
FIXED = FixedCharge(WATER, {MeterSize.MM16: D("372.00")})
# water 2.10 per m3, 2.31 when paid late (10% more); sewer 80% of the water charges
LATE_WATER = VolumetricRate(WATER, [Block(None, D("2.1000"), late_rate=D("2.3100"))])
SEWER_PERCENT = SewerCharge(percent=D(80))


def billed(*components: object, taxes: tuple[Tax, ...] = (), volume: str = "40.000") -> RatedBill:
    version = RateVersion(date(2026, 1, 1), None, components, taxes)  # type: ignore[arg-type]
    request = RatingInput(
        period_start=date(2026, 2, 28),
        period_end=date(2026, 3, 31),  # 31 days
        volume=D(volume),
        meter_size=MeterSize.MM16,
        property_type=PropertyType.SINGLE_FAMILY,
        services=frozenset(ServiceType),
    )
    return rate(RateSchedule("town", "Town", [version]), request)


def test_each_line_dearer_after_the_due_date_carries_its_amount_then() -> None:
    bill = billed(FIXED, LATE_WATER, SEWER_PERCENT)
    # fixed 372 x 31/365 = 31.59 either way; water 40 x 2.10 = 84.00, late 40 x 2.31 = 92.40;
    # sewer 80% of 84.00 = 67.20, late 80% of 92.40 = 73.92
    assert [(line.amount, line.amount_after_due) for line in bill.lines] == [
        (D("31.59"), None),
        (D("84.00"), D("92.40")),
        (D("67.20"), D("73.92")),
    ]
    # the total then is the sum of the lines then: 31.59 + 92.40 + 73.92
    assert bill.total_after_due == D("197.91")
    assert bill.total_after_due == sum((line.late_amount for line in bill.lines), D(0))


def test_a_tax_on_dearer_lines_carries_its_amount_then() -> None:
    bill = billed(FIXED, LATE_WATER, taxes=(Tax(WATER, "HST", D("0.13")),))
    (tax,) = bill.taxes
    # 13% of 31.59 + 84.00 = 115.59 -> 15.0267 -> 15.03; late 13% of 31.59 + 92.40 = 123.99
    # -> 16.1187 -> 16.12
    assert (tax.base, tax.amount, tax.amount_after_due) == (D("115.59"), D("15.03"), D("16.12"))
    assert bill.total_after_due == D("123.99") + D("16.12")


def test_blocks_with_late_rates_carry_theirs_per_tier() -> None:
    blocks = ConsumptionBlocks(
        WATER,
        [Block(D(15), D("1.8900"), D("2.0790")), Block(None, D("2.3400"))],
        basis=PER_30_DAYS,
    )
    bill = billed(blocks, volume="20.000")
    # 15 m3 per 30 days for 31 days = 15.5 m3: 15.5 x 1.89 = 29.295 -> 29.30, late
    # 15.5 x 2.079 = 32.2245 -> 32.22; the 4.5 m3 above at 2.34 = 10.53 either way
    assert [(line.amount, line.amount_after_due) for line in bill.lines] == [
        (D("29.30"), D("32.22")),
        (D("10.53"), None),
    ]


def test_a_minimum_tops_up_the_lines_then_as_well() -> None:
    minimum = MinimumCharge(WATER, D("90.00"), PER_30_DAYS)
    bill = billed(LATE_WATER, minimum, volume="38.000")
    # minimum 90 per 30 days for 31 days = 93.00; water 38 x 2.10 = 79.80 -> top-up 13.20;
    # late 38 x 2.31 = 87.78 -> top-up 5.22
    top_up = bill.lines[-1]
    assert (top_up.kind, top_up.amount, top_up.amount_after_due) == (
        "minimum",
        D("13.20"),
        D("5.22"),
    )
    assert bill.total_after_due == D("93.00")


def test_without_a_late_rate_no_line_has_an_amount_after_due() -> None:
    bill = billed(FIXED, VolumetricRate(WATER, [Block(None, D("2.1000"))]), SEWER_PERCENT)
    assert all(line.amount_after_due is None for line in bill.lines)
    assert bill.total_after_due is None
