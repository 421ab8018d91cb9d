"""The statements API shows each line's and each tax's schedule-defined charge type and its
amount after the due date, as the rate quote does: left out when the line has none."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from civiq.accounts.domain.accounts import ServiceType
from civiq.accounts.domain.properties import PropertyType
from civiq.billing.schemas.billing import StatementResponse
from civiq.metering.domain.meters import MeterSize
from civiq.rates.domain.charges import ChargeType
from civiq.rates.domain.rates import (
    Block,
    DefinedChargeType,
    FixedCharge,
    RateSchedule,
    RateVersion,
    Tax,
    VolumetricRate,
)
from civiq.rates.domain.rating import RatingInput, rate
from tests.helpers import statement_builders as build

D = Decimal
WATER = ChargeType.WATER
FIRE_SUPPLY = {
    "code": "fire-supply",
    "name_en": "Fire supply",
    "name_fr": "Approvisionnement en eau-incendie",
    "gl_code": "4120",
    "pass_through": False,
}
VERSION = RateVersion(
    date(2024, 4, 1),
    None,
    [
        # Ottawa from 1 April 2024, 15 mm meter: water 134.06 and fire supply 52.63 a year
        FixedCharge(WATER, {MeterSize.MM15: D("134.06")}),
        FixedCharge(WATER, {MeterSize.MM15: D("52.63")}, category="fire-supply"),
        # water 2.10 per m3, 2.31 after the due date (illustrative)
        VolumetricRate(WATER, [Block(None, D("2.1000"), D("2.3100"))]),
    ],
    # 13% on water and, by its own tax, on fire supply (illustrative)
    taxes=[Tax(WATER, "HST", D("0.13"))],
    charge_types=[
        DefinedChargeType(
            "fire-supply",
            "Fire supply",
            "Approvisionnement en eau-incendie",
            WATER,
            "4120",
            tax=Tax(WATER, "HST", D("0.13")),
        )
    ],
)
BILL = rate(
    RateSchedule("ottawa", "Ottawa", [VERSION]),
    RatingInput(
        period_start=date(2024, 5, 1),
        period_end=date(2024, 7, 1),  # 61 days
        volume=D("30.000"),
        meter_size=MeterSize.MM15,
        property_type=PropertyType.SINGLE_FAMILY,
        services=frozenset({ServiceType.WATER}),
    ),
)


def response() -> dict[str, Any]:
    return StatementResponse.of(build.statement(bill=BILL)).model_dump(mode="json")


def test_lines_show_their_category_and_their_amount_after_the_due_date() -> None:
    lines = response()["lines"]
    # water fixed 134.06 x 61/365 = 22.40; fire supply 52.63 x 61/365 = 8.80;
    # 30 m3 x 2.10 = 63.00, after the due date 30 m3 x 2.31 = 69.30
    assert [
        (line["amount"], line.get("category"), line.get("amount_after_due")) for line in lines
    ] == [
        ("22.40", None, None),
        ("63.00", None, "69.30"),
        ("8.80", FIRE_SUPPLY, None),
    ]
    assert "category" not in lines[0]
    assert "amount_after_due" not in lines[0]


def test_taxes_show_their_category_and_their_amount_after_the_due_date() -> None:
    taxes = response()["taxes"]
    # water: (22.40 + 63.00) x 0.13 = 11.102 -> 11.10, after the due date
    # (22.40 + 69.30) x 0.13 = 11.921 -> 11.92; fire supply: 8.80 x 0.13 = 1.144 -> 1.14
    assert sorted(taxes, key=lambda tax: Decimal(tax["amount"])) == [
        {
            "charge_type": "water",
            "name": "HST",
            "rate": "0.13",
            "base": "8.80",
            "amount": "1.14",
            "category": FIRE_SUPPLY,
        },
        {
            "charge_type": "water",
            "name": "HST",
            "rate": "0.13",
            "base": "85.40",
            "amount": "11.10",
            "amount_after_due": "11.92",
        },
    ]
