"""Where a version rounds to the cent: each line (the default), each charge type's total, or
the bill's; whichever it is, the printed lines add up to the printed totals (a ``rounding``
line carries the difference between a total rounded once and its lines as rounded).

Every expectation is worked out by hand in the comment beside it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from civiq.accounts.domain.accounts import ServiceType
from civiq.accounts.domain.properties import PropertyType
from civiq.billing.services.statement_document import Calculation, calculation
from civiq.metering.domain.meters import MeterSize
from civiq.rates.domain.charges import ChargeType, RatedBill, Rounding
from civiq.rates.domain.rates import (
    Basis,
    Block,
    ConsumptionBlocks,
    Per,
    RateSchedule,
    RateVersion,
    SewerCharge,
    StormwaterCharge,
    Tax,
)
from civiq.rates.domain.rating import RatingInput, rate

D = Decimal
WATER, SEWER = ChargeType.WATER, ChargeType.SEWER
PER_PERIOD = Basis(Per.PERIOD)
# Prices with a fourth decimal, so each line has a half cent or so to round:
# blocks of 10 m3 per period at 1.0005 and 2.0005, then 3.0001; sewer 1.0002 per m3; stormwater
# 12.345 per period for a house.
COMPONENTS = (
    ConsumptionBlocks(
        WATER,
        [Block(D(10), D("1.0005")), Block(D(20), D("2.0005")), Block(None, D("3.0001"))],
        basis=PER_PERIOD,
    ),
    SewerCharge(rate=D("1.0002")),
    StormwaterCharge({PropertyType.SINGLE_FAMILY: D("12.345")}, basis=PER_PERIOD),
)
REQUEST = RatingInput(
    period_start=date(2026, 1, 1),
    period_end=date(2026, 3, 2),
    volume=D("25.500"),
    meter_size=MeterSize.MM16,
    property_type=PropertyType.SINGLE_FAMILY,
    services=frozenset(ServiceType),
)


def billed(rounding: Rounding, taxes: tuple[Tax, ...] = ()) -> RatedBill:
    version = RateVersion(date(2026, 1, 1), None, COMPONENTS, taxes, rounding=rounding)
    return rate(RateSchedule("town", "Town", [version]), REQUEST)


def rounding_lines(bill: RatedBill) -> list[tuple[ChargeType, Decimal]]:
    return [(line.charge_type, line.amount) for line in bill.lines if line.kind == "rounding"]


def test_per_line_each_line_is_rounded_and_the_total_is_their_sum() -> None:
    bill = billed(Rounding.LINE)
    # water 10 x 1.0005 = 10.005 -> 10.01, 10 x 2.0005 = 20.005 -> 20.01,
    # 5.5 x 3.0001 = 16.50055 -> 16.50; sewer 25.5 x 1.0002 = 25.5051 -> 25.51;
    # stormwater 12.345 -> 12.35: 10.01 + 20.01 + 16.50 + 25.51 + 12.35 = 84.38
    assert [line.amount for line in bill.lines] == [
        D("10.01"), D("20.01"), D("16.50"), D("25.51"), D("12.35"),
    ]  # fmt: skip
    assert bill.total == D("84.38")
    assert rounding_lines(bill) == []
    assert bill.rounding is Rounding.LINE


def test_per_charge_type_each_type_total_is_rounded_once() -> None:
    bill = billed(Rounding.CHARGE_TYPE)
    # water: 10.005 + 20.005 + 16.50055 = 46.51055 -> 46.51, its lines as rounded 46.52: a
    # rounding line of -0.01; sewer and stormwater are one line each (nothing to adjust)
    assert rounding_lines(bill) == [(WATER, D("-0.01"))]
    water = sum((line.amount for line in bill.lines if line.charge_type is WATER), D(0))
    assert water == D("46.51")
    assert bill.total == D("84.37")  # 46.51 + 25.51 + 12.35
    # the rounding line follows its type's lines and prints no arithmetic of its own
    kinds = [(line.charge_type, line.kind) for line in bill.lines]
    assert kinds.index((WATER, "rounding")) == 3
    assert calculation(bill.lines[3]) == Calculation("rounding", D(1), D("-0.01"))


def test_per_charge_type_the_tax_is_on_the_rounded_total() -> None:
    bill = billed(Rounding.CHARGE_TYPE, (Tax(WATER, "HST", D("0.13")),))
    (tax,) = bill.taxes
    # HST on water's 46.51 (its lines and its rounding line): 6.0463 -> 6.05
    assert (tax.base, tax.amount) == (D("46.51"), D("6.05"))
    assert bill.total == D("84.37") + D("6.05")


def test_per_bill_the_charges_total_is_rounded_once() -> None:
    bill = billed(Rounding.BILL, (Tax(SEWER, "HST", D("0.13")),))
    # 10.005 + 20.005 + 16.50055 + 25.5051 + 12.345 = 84.36065 -> 84.36; the lines as rounded
    # come to 84.38: one rounding line of -0.02, among the other charges, untaxed
    assert rounding_lines(bill) == [(ChargeType.MISCELLANEOUS, D("-0.02"))]
    assert bill.subtotal == D("84.36")
    # HST on sewer alone: 25.51 x 13% = 3.3163 -> 3.32
    assert [(t.charge_type, t.base, t.amount) for t in bill.taxes] == [
        (SEWER, D("25.51"), D("3.32"))
    ]


@pytest.mark.parametrize("rounding", list(Rounding))
def test_the_printed_figures_add_up_whatever_the_policy(rounding: Rounding) -> None:
    bill = billed(rounding, (Tax(WATER, "HST", D("0.13")),))
    assert all(line.amount == line.amount.quantize(D("0.01")) for line in bill.lines)
    assert bill.total == sum((line.amount for line in bill.lines), D(0)) + sum(
        (tax.amount for tax in bill.taxes), D(0)
    )


def test_a_policy_with_nothing_to_adjust_adds_no_line() -> None:
    version = RateVersion(date(2026, 1, 1), None, COMPONENTS[2:], rounding=Rounding.CHARGE_TYPE)
    bill = rate(RateSchedule("town", "Town", [version]), REQUEST)
    assert [line.kind for line in bill.lines] == ["stormwater"]
