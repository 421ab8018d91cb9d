"""The other shapes real bylaws give consumption: sewer on a percentage of the water volume by
customer class, blocks that decline as well as incline, volumes included in a fixed charge
(by season too), minimum bills, and four-monthly bills under a fixed period length.

Every expectation is worked out by hand in the comment beside it.
"""

from __future__ import annotations

import html
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.accounts import ServiceType
from civiq.accounts.domain.properties import PropertyType
from civiq.billing.services.statement_document import statement_context
from civiq.core.errors import InvalidInput
from civiq.core.language import Language
from civiq.metering.domain.meters import MeterSize
from civiq.platform.catalogs import default_templates_dir
from civiq.platform.pdf import WeasyPrintRenderer
from civiq.rates.domain.charges import ChargeType, RatedBill, Unit
from civiq.rates.domain.rates import (
    PER_30_DAYS,
    Basis,
    Block,
    ConsumptionBlocks,
    DayCount,
    FixedCharge,
    MinimumBill,
    Per,
    Season,
    SewerCharge,
    StormwaterCharge,
    Tax,
    VolumeCap,
    VolumetricRate,
)
from civiq.rates.domain.rating import rate
from civiq.rates.schemas.rates import (
    NewRateSchedule,
    QuoteResponse,
    RateScheduleResponse,
    RateVersionSpec,
    version_record,
)
from tests.helpers import statement_builders as build
from tests.helpers.rating import request, schedule

D = Decimal
WATER, SEWER = ChargeType.WATER, ChargeType.SEWER
PER_60_DAYS = Basis(Per.DAYS, 60)
PER_PERIOD = Basis(Per.PERIOD)
PER_QUARTER = Basis(Per.QUARTER)
PER_YEAR = Basis(Per.YEAR)
MESSAGES = Path(__file__).parents[3] / "templates" / "messages"


def amounts(bill: RatedBill) -> list[tuple[str, Decimal]]:
    return [(line.kind, line.amount) for line in bill.lines]


# 60 days: 2026-01-31 (exclusive) to 2026-04-01; 30 days: 2026-01-31 to 2026-03-02
SIXTY_DAYS = (date(2026, 1, 31), date(2026, 4, 1))
THIRTY_DAYS = (date(2026, 1, 31), date(2026, 3, 2))


# sewer on a percentage of the water volume, by customer class


# Barrie's 2017 first-block wastewater rate, 1.4201 per m3; homes are billed on 90% of their
# water (lawns and gardens do not reach the sewer), businesses on all of it.
CLASS_SEWER = SewerCharge(
    rate=D("1.4201"),
    volume_percent=D(90),
    volume_percent_by_class={PropertyType.COMMERCIAL: D(100)},
)
WATER_RATE = VolumetricRate(WATER, [Block(None, D("0.9827"))])


def test_sewer_bills_its_class_percent_of_the_water_volume_at_its_own_rate() -> None:
    rates = schedule(WATER_RATE, CLASS_SEWER)
    home = rate(rates, request(*SIXTY_DAYS, "40"))
    # water 40 x 0.9827 = 39.308; sewer 40 m3 x 90% x 1.4201 = 36 x 1.4201 = 51.1236
    assert amounts(home) == [("volumetric", D("39.31")), ("sewer-volume-percent", D("51.12"))]
    sewer = home.lines[1]
    assert (sewer.quantity, sewer.unit, sewer.percent, sewer.unit_price) == (
        D("40.000"),
        Unit.CUBIC_METRE,
        D(90),
        D("1.4201"),
    )
    assert sewer.exact_amount == D("51.1236")
    shop = rate(rates, request(*SIXTY_DAYS, "40", property_type=PropertyType.COMMERCIAL))
    # 40 m3 x 100% x 1.4201 = 56.804
    assert shop.lines[1].amount == D("56.80") and shop.lines[1].percent == D(100)
    # a class not listed is billed on the default percent
    plant = rate(rates, request(*SIXTY_DAYS, "40", property_type=PropertyType.INDUSTRIAL))
    assert plant.lines[1].percent == D(90) and plant.lines[1].amount == D("51.12")


def test_the_caps_limit_the_water_volume_before_the_percent() -> None:
    capped = SewerCharge(rate=D("1.4201"), volume_percent=D(90), winter_cap=True)
    bill = rate(
        schedule(WATER_RATE, capped),
        request(*SIXTY_DAYS, "40", winter_daily_average=D("0.5")),
    )
    # winter volume 0.5 x 60 = 30 m3 of the 40; 30 x 90% x 1.4201 = 27 x 1.4201 = 38.3427
    assert bill.lines[1].quantity == D("30.000") and bill.lines[1].amount == D("38.34")


def test_classes_alone_leave_the_others_on_their_whole_volume() -> None:
    by_class = SewerCharge(
        rate=D("2.0000"), volume_percent_by_class={PropertyType.COMMERCIAL: D(80)}
    )
    home = rate(schedule(WATER_RATE, by_class), request(*SIXTY_DAYS, "10"))
    assert home.lines[1].percent == D(100) and home.lines[1].amount == D("20.00")  # 10 x 2.00
    # a class at 0% is exempt: no 0.00 line
    exempt = SewerCharge(
        rate=D("2.0000"), volume_percent_by_class={PropertyType.SINGLE_FAMILY: D(0)}
    )
    assert amounts(rate(schedule(WATER_RATE, exempt), request(*SIXTY_DAYS, "10"))) == [
        ("volumetric", D("9.83"))
    ]
    plain = SewerCharge(rate=D("2.0000"))
    assert plain.kind == "sewer-volumetric" and by_class.kind == "sewer-volume-percent"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"percent": D(80), "volume_percent": D(90)}, "volume_percent"),
        (
            {"percent": D(80), "volume_percent_by_class": {"commercial": D(90)}},
            "volume_percent_by_class",
        ),
        ({"rate": D(1), "volume_percent": D("100.01")}, "volume_percent"),
        ({"rate": D(1), "volume_percent": D("90.001")}, "volume_percent"),
        (
            {"rate": D(1), "volume_percent_by_class": {"cottage": D(90)}},
            "volume_percent_by_class.cottage",
        ),
        (
            {"rate": D(1), "volume_percent_by_class": {"commercial": D(101)}},
            "volume_percent_by_class.commercial",
        ),
    ],
)
def test_bad_volume_percents_name_their_field(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        SewerCharge(**fields)
    assert refused.value.field == field


# blocks that decline


# Shaped after Toronto's industrial water rate: the volume above 5,000 m3 a month (Block 2) is
# billed 30% below Block 1 (4.6416 x 0.7 = 3.2491).
TORONTO_INDUSTRIAL = ConsumptionBlocks(
    WATER, [Block(D(5000), D("4.6416")), Block(None, D("3.2491"))], basis=PER_PERIOD
)


def test_declining_blocks_bill_the_volume_above_block_1_for_less() -> None:
    bill = rate(
        schedule(TORONTO_INDUSTRIAL),
        request(
            date(2026, 2, 28), date(2026, 3, 31), "7250", property_type=PropertyType.INDUSTRIAL
        ),
    )
    # 5,000 x 4.6416 = 23,208.00; 2,250 x 3.2491 = 7,310.475, rounded half up to 7,310.48
    assert [(x.tier, x.quantity, x.unit_price, x.amount) for x in bill.lines] == [
        (1, D("5000.000"), D("4.6416"), D("23208.00")),
        (2, D("2250.000"), D("3.2491"), D("7310.48")),
    ]
    assert bill.total == D("30518.48")


def test_declining_annual_thresholds_place_the_volume_after_the_years_first() -> None:
    yearly = VolumetricRate(WATER, [Block(D(60000), D("4.6416")), Block(None, D("3.2491"))])
    bill = rate(
        schedule(yearly),
        request(date(2026, 9, 30), date(2026, 10, 31), "7250", year_to_date_volume=D(58000)),
    )
    # 58,000 billed earlier this year: 2,000 x 4.6416 = 9,283.20; 5,250 x 3.2491 = 17,057.775
    assert [(x.quantity, x.amount) for x in bill.lines] == [
        (D(2000), D("9283.20")),
        (D(5250), D("17057.78")),
    ]


def test_block_wording_names_the_block_not_a_direction() -> None:
    for language in ("en", "fr"):
        catalog = json.loads((MESSAGES / f"{language}.json").read_text(encoding="utf-8"))
        for kind in ("block", "volumetric", "sewer-volume-percent", "minimum-bill"):
            wording = catalog[f"charge.{kind}"].lower()
            assert not any(word in wording for word in ("inclin", "progressi", "croissan"))
        assert "{tier}" in catalog["charge.block"]


# volumes included in a fixed charge


FIXED_WITH_10_M3 = FixedCharge(
    WATER, {MeterSize.MM16: D("30.00")}, basis=Basis(Per.DAYS, 30), included_volume=D(10)
)
BLOCKS_15 = ConsumptionBlocks(WATER, [Block(D(15), D("1.0000")), Block(None, D("2.0000"))])


def test_a_fixed_charge_includes_the_bottom_of_the_volume() -> None:
    bill = rate(schedule(FIXED_WITH_10_M3, BLOCKS_15), request(*THIRTY_DAYS, "22"))
    # fixed 30.00 x 30/30, including 10 m3; block 1 (up to 15) bills 10 to 15 m3: 5 x 1.00;
    # block 2 bills 15 to 22 m3: 7 x 2.00
    assert amounts(bill) == [("fixed", D("30.00")), ("block", D("5.00")), ("block", D("14.00"))]
    assert bill.lines[0].included_volume == D("10.000")
    assert [x.quantity for x in bill.lines[1:]] == [D(5), D(7)]
    within = rate(schedule(FIXED_WITH_10_M3, BLOCKS_15), request(*THIRTY_DAYS, "8"))
    assert amounts(within) == [("fixed", D("30.00"))]  # 8 m3 of the 10 included: no 0.00 line


def test_the_included_volume_is_prorated_and_shared_like_the_price() -> None:
    # 62 days of a figure per 30 days: 10 x 62/30 = 20.667 m3; 30.00 x 62/30 = 62.00
    long = rate(
        schedule(FIXED_WITH_10_M3, BLOCKS_15), request(date(2026, 3, 31), date(2026, 6, 1), "40")
    )
    assert long.lines[0].included_volume == D("20.667")
    # allowance 15 x 62/30 = 31 m3: block 1 bills 20.667 to 31 (10.333 x 1.00 = 10.33),
    # block 2 bills 31 to 40 (9 x 2.00 = 18.00)
    assert amounts(long) == [("fixed", D("62.00")), ("block", D("10.33")), ("block", D("18.00"))]
    shared = rate(
        schedule(FIXED_WITH_10_M3, BLOCKS_15),
        request(*THIRTY_DAYS, "12", meter_share=D("0.6")),
    )
    # a 60% share of the meter: 0.6 x 30.00 = 18.00 including 0.6 x 10 = 6 m3; 12 - 6 = 6 x 1.00
    assert shared.lines[0].included_volume == D("6.000")
    assert amounts(shared) == [("fixed", D("18.00")), ("block", D("6.00"))]


def test_a_cap_limits_the_whole_volume_before_the_included_volume() -> None:
    capped = ConsumptionBlocks(
        WATER,
        [Block(D(15), D("1.0000")), Block(None, D("2.0000"))],
        cap=VolumeCap(D(15), PER_30_DAYS),
    )
    bill = rate(schedule(FIXED_WITH_10_M3, capped), request(*THIRTY_DAYS, "22"))
    # billed up to the cap, 15 m3, of which 10 are included: 5 x 1.00
    assert amounts(bill) == [("fixed", D("30.00")), ("block", D("5.00"))]


def test_annual_thresholds_and_sewer_bill_above_the_included_volume() -> None:
    yearly = VolumetricRate(WATER, [Block(D(100), D("1.0000")), Block(None, D("2.0000"))])
    bill = rate(
        schedule(FIXED_WITH_10_M3, yearly),
        request(*THIRTY_DAYS, "22", year_to_date_volume=D(95)),
    )
    # the period's 22 m3 run from 95 to 117 in the year; 95 to 105 are included, so 105 to 117
    # bill above the 100 m3 threshold: 12 x 2.00
    assert amounts(bill) == [("fixed", D("30.00")), ("volumetric", D("24.00"))]
    sewer_fixed = FixedCharge(
        SEWER, {MeterSize.MM16: D("20.00")}, basis=PER_PERIOD, included_volume=D(10)
    )
    sewer = rate(
        schedule(WATER_RATE, sewer_fixed, SewerCharge(rate=D("1.5000"))),
        request(*THIRTY_DAYS, "22"),
    )
    # a sewer fixed charge's volume is no water charge's: water 22 x 0.9827 = 21.6194;
    # sewer 20.00, then (22 - 10) x 1.50 = 18.00
    assert amounts(sewer) == [
        ("volumetric", D("21.62")),
        ("fixed", D("20.00")),
        ("sewer-volumetric", D("18.00")),
    ]


def test_seasonal_fixed_charges_include_their_own_seasons_volume() -> None:
    summer, winter = Season("summer", 5, 10), Season("winter", 11, 4)
    per_30 = Basis(Per.DAYS, 30)
    rates = schedule(
        FixedCharge(WATER, {MeterSize.MM16: D(15)}, summer, per_30, included_volume=D(20)),
        FixedCharge(WATER, {MeterSize.MM16: D(15)}, winter, per_30, included_volume=D(10)),
        VolumetricRate(WATER, [Block(None, D("2.0000"))]),
    )
    # 61 days cut on 1 May: April (30 days, winter) and May (31 days, summer); 61 m3 shared by
    # days: 30 and 31 m3. Winter includes 10 x 30/30 = 10 m3 of April's; summer 20 x 31/30 =
    # 20.667 m3 of May's. Billed: (30 - 10) + (31 - 20.667) = 30.333 m3 x 2.00 = 60.666
    bill = rate(rates, request(date(2026, 3, 31), date(2026, 5, 31), "61"))
    assert [(x.kind, x.season, x.included_volume, x.amount) for x in bill.lines] == [
        ("fixed", "summer", D("20.667"), D("15.50")),  # 15 x 31/30
        ("fixed", "winter", D("10.000"), D("15.00")),  # 15 x 30/30
        ("volumetric", None, None, D("60.67")),
    ]
    assert bill.lines[2].quantity == D("30.333")


def test_an_included_volume_is_a_volume() -> None:
    with pytest.raises(InvalidInput) as refused:
        FixedCharge(WATER, {MeterSize.MM16: D(1)}, included_volume=D("1.0001"))
    assert refused.value.field == "included_volume"


# minimum bills


BILL_RATES = (
    FixedCharge(WATER, {MeterSize.MM16: D("10.00")}, basis=PER_60_DAYS),
    VolumetricRate(WATER, [Block(None, D("1.0000"))]),
    SewerCharge(rate=D("1.0000")),
)


def test_a_minimum_bill_tops_up_all_the_service_charges() -> None:
    minimum = MinimumBill(D("40.00"), PER_60_DAYS)
    bill = rate(schedule(*BILL_RATES, minimum), request(*SIXTY_DAYS, "8"))
    # fixed 10.00 + water 8 x 1.00 + sewer 8 x 1.00 = 26.00; 40.00 - 26.00 = 14.00, a water
    # line (printed with the water charges)
    assert amounts(bill) == [
        ("fixed", D("10.00")),
        ("volumetric", D("8.00")),
        ("minimum-bill", D("14.00")),
        ("sewer-volumetric", D("8.00")),
    ]
    assert bill.lines[2].charge_type is WATER and bill.total == D("40.00")
    longer = rate(schedule(*BILL_RATES, minimum), request(date(2026, 1, 31), date(2026, 4, 3), "8"))
    # 62 days: minimum 40 x 62/60 = 41.333 -> 41.33; fixed 10 x 62/60 = 10.333 -> 10.33;
    # 10.33 + 8.00 + 8.00 = 26.33; top-up 15.00
    assert amounts(longer)[2] == ("minimum-bill", D("15.00")) and longer.total == D("41.33")
    above = rate(schedule(*BILL_RATES, minimum), request(*SIXTY_DAYS, "30"))
    assert "minimum-bill" not in [kind for kind, _ in amounts(above)]  # 10 + 30 + 30 = 70


def test_the_minimum_bill_line_carries_its_charge_type_and_tax() -> None:
    minimum = MinimumBill(D("40.00"), PER_60_DAYS, SEWER)
    rates = schedule(*BILL_RATES, minimum, taxes=(Tax(SEWER, "HST", D("0.13")),))
    bill = rate(rates, request(*SIXTY_DAYS, "8"))
    assert bill.lines[-1].charge_type is SEWER and bill.lines[-1].amount == D("14.00")
    # HST on the sewer lines: (8.00 + 14.00) x 0.13 = 2.86
    assert [(t.base, t.amount) for t in bill.taxes] == [(D("22.00"), D("2.86"))]
    water_only = rate(rates, request(*SIXTY_DAYS, "8", services=frozenset({ServiceType.WATER})))
    # not billed sewer: no sewer minimum bill; water 10.00 + 8.00
    assert amounts(water_only) == [("fixed", D("10.00")), ("volumetric", D("8.00"))]


def test_a_version_has_at_most_one_minimum_bill() -> None:
    with pytest.raises(InvalidInput) as refused:
        schedule(*BILL_RATES, MinimumBill(D(40)), MinimumBill(D(50)))
    assert refused.value.field == "components.4.component"
    with pytest.raises(InvalidInput) as misc:
        MinimumBill(D(40), charge_type=ChargeType.MISCELLANEOUS)
    assert misc.value.field == "charge_type"


# four-monthly bills


def test_a_fixed_period_of_three_a_year_bills_a_third_whatever_its_days() -> None:
    rates = schedule(
        FixedCharge(WATER, {MeterSize.MM16: D("120.00")}, basis=PER_YEAR),
        StormwaterCharge({PropertyType.SINGLE_FAMILY: D("30.00")}, basis=PER_QUARTER),
        ConsumptionBlocks(
            WATER, [Block(D(40), D("1.0000")), Block(None, D("2.0000"))], basis=PER_PERIOD
        ),
        day_count=DayCount.FIXED_PERIOD,
        periods=3,
    )
    for start, end in [  # a 120-day and a 123-day four-month period cost the same
        (date(2025, 12, 31), date(2026, 4, 30)),
        (date(2026, 4, 30), date(2026, 8, 31)),
    ]:
        bill = rate(rates, request(start, end, "50"))
        assert [(x.kind, x.unit, x.unit_price, x.amount) for x in bill.lines] == [
            ("fixed", Unit.BILL, D("40.00"), D("40.00")),  # 120.00 / 3
            ("block", Unit.CUBIC_METRE, D("1.0000"), D("40.00")),  # 40 m3 per period x 1.00
            ("block", Unit.CUBIC_METRE, D("2.0000"), D("20.00")),  # 10 m3 x 2.00
            ("stormwater", Unit.BILL, D("40.0000"), D("40.00")),  # 30.00 a quarter x 4 / 3
        ]


# the API: posted as the bylaw publishes them, read back as posted


def posted_shapes() -> dict[str, Any]:
    return {
        "schedule_id": "shapes",
        "name": "Every consumption shape",
        "versions": [
            {
                "effective_from": "2026-01-01",
                "components": [
                    {"component": "fixed", "charge_type": "water", "prices": {"16mm": "30.00"},
                     "basis": {"per": "period"}, "included_volume": "10"},
                    {"component": "blocks", "charge_type": "water", "basis": {"per": "period"},
                     "blocks": [{"limit": "5000", "rate": "4.6416", "late_rate": None},
                                {"limit": None, "rate": "3.2491", "late_rate": None}]},
                    {"component": "sewer", "rate": "1.4201", "winter_cap": False,
                     "volume_percent": "90", "volume_percent_by_class": {"commercial": "100"}},
                    {"component": "minimum-bill", "charge_type": "sewer", "amount": "40.00",
                     "basis": {"per": "period"}},
                ],
                "day_count": "fixed-period",
                "periods_per_year": 3,
            }
        ],
    }  # fmt: skip


def test_the_shapes_read_back_as_posted() -> None:
    payload = posted_shapes()
    schedule = NewRateSchedule.model_validate_json(json.dumps(payload)).to_domain()
    version = schedule.versions[0]
    fixed, _, sewer, minimum = version.components
    assert isinstance(fixed, FixedCharge) and fixed.included_volume == D(10)
    assert isinstance(sewer, SewerCharge) and sewer.volume_percent_of(PropertyType.COMMERCIAL) == D(
        100
    )
    assert minimum == MinimumBill(D("40.00"), PER_PERIOD, SEWER)
    (read_back,) = RateScheduleResponse.of(schedule).model_dump(mode="json")["versions"]
    assert read_back == payload["versions"][0] | {"effective_to": None, "taxes": []}
    assert (
        RateVersionSpec.model_validate_json(json.dumps(version_record(version))).to_domain()
        == version
    )


def test_a_quote_shows_the_percent_and_the_included_volume() -> None:
    rates = schedule(FIXED_WITH_10_M3, WATER_RATE, CLASS_SEWER)
    quote = QuoteResponse.of("town", rate(rates, request(*THIRTY_DAYS, "40")))
    lines = quote.model_dump(mode="json")["lines"]
    assert lines[0]["included_volume"] == "10.000"
    # water (40 - 10) x 0.9827 = 29.481; sewer 40 x 90% x 1.4201 = 51.1236
    assert [(x["kind"], x["percent"], x["amount"]) for x in lines] == [
        ("fixed", None, "30.00"),
        ("volumetric", None, "29.48"),
        ("sewer-volume-percent", "90", "51.12"),
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda c: c[2].update(volume_percent="100.01"), "components.2.volume_percent"),
        (lambda c: c[2].update(volume_percent="ninety"), "components.2.volume_percent"),
        (lambda c: c[2].update(volume_percent_by_class={"cottage": "80"}),
         "components.2.volume_percent_by_class.cottage"),
        (lambda c: c[2].update(percent="80"), "components.2"),
        (lambda c: c[1].update(included_volume="10"), "components.1.included_volume"),
        (lambda c: c[0].update(included_volume="1.0001"), "components.0.included_volume"),
        (lambda c: c[3].update(charge_type="miscellaneous"), "components.3.charge_type"),
        (lambda c: c[3].pop("basis"), "components.3.basis"),
        (lambda c: c.append(dict(c[3])), "components"),
    ],
)  # fmt: skip
def test_the_api_names_the_shape_field_it_refuses(change: Any, field: str) -> None:
    payload = posted_shapes()
    change(payload["versions"][0]["components"])
    with pytest.raises((InvalidInput, ValidationError)) as error:
        NewRateSchedule.model_validate_json(json.dumps(payload)).to_domain()
    if isinstance(error.value, InvalidInput):
        assert (error.value.field or "").startswith(f"versions.0.{field}")
    else:
        locations = [".".join(map(str, e["loc"])) for e in error.value.errors()]
        assert any(loc.startswith(f"versions.0.{field}") for loc in locations), locations


# the statement's wording (the template over the rated lines, rendered to HTML)


@pytest.mark.parametrize(
    ("language", "rows"),
    [
        (Language.EN, [
            "Fixed charge (16 mm) \u2013 includes 10.000 m³ 30 of 30 days \u00d7 $30.00 per 30"
            " days $30.00",
            "Consumption 30.000 m³ \u00d7 $0.9827 $29.48",
            "Minimum bill 1 \u00d7 $39.40 $39.40",
            "Based on a share of water used 40.000 m³ \u00d7 90% \u00d7 $1.4201 $51.12",
        ]),
        (Language.FR, [
            "Frais fixes (16 mm) \u2013 comprend 10,000 m³ 30 jours sur 30 \u00d7 30,00 $ par"
            " période de 30 jours 30,00 $",
            "Consommation d\u2019eau 30,000 m³ \u00d7 0,9827 $ 29,48 $",
            "Facture minimale 1 \u00d7 39,40 $ 39,40 $",
            "Selon une part de l\u2019eau consommée 40,000 m³ \u00d7 90 % \u00d7 1,4201 $ 51,12 $",
        ]),
    ],
)  # fmt: skip
def test_the_statement_words_each_shape_with_its_arithmetic(
    language: Language, rows: list[str]
) -> None:
    rates = schedule(
        FIXED_WITH_10_M3, WATER_RATE, CLASS_SEWER, MinimumBill(D("150.00"), PER_30_DAYS)
    )
    # fixed 30.00 incl. 10 m3; water (40 - 10) x 0.9827 = 29.481; sewer 40 x 90% x 1.4201 =
    # 51.1236; the minimum bill 150.00 x 30/30 tops up 150.00 - 110.60 = 39.40
    bill = rate(rates, request(*THIRTY_DAYS, "40"))
    markup = WeasyPrintRenderer(default_templates_dir()).render_html(
        "statement",
        language,
        statement_context(
            build.statement(bill=bill, language=language),
            "Town of Example",
            "https://portal.example.ca",
            numbering=AccountNumberScheme(),
        ),
    )
    body = markup[markup.index("<body>") :]
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).replace("\u00a0", " ").split())
    for row in rows:
        assert row in text
