"""Charge types a schedule defines itself: Ottawa's fire supply charge beside its water charge,
a pass-through right-of-way charge, each printed and totalled under its own name, with its own
tax treatment and revenue (GL) code; the API takes their codes as a component's charge_type.

Every expectation is worked out by hand in the comment beside it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from civiq.accounts.domain.accounts import ServiceType
from civiq.accounts.domain.properties import PropertyType
from civiq.billing.adapters.dynamodb import statement_of
from civiq.billing.domain.simulation import AccountYear, simulate
from civiq.core.errors import InvalidInput
from civiq.core.history import as_record
from civiq.metering.domain.meters import MeterSize
from civiq.rates.domain.charges import ChargeCategory, ChargeType
from civiq.rates.domain.rates import (
    DefinedChargeType,
    FixedCharge,
    MinimumCharge,
    RateSchedule,
    RateVersion,
    StormwaterCharge,
    Tax,
)
from civiq.rates.domain.rating import RatingInput, rate
from civiq.rates.schemas.rates import (
    NewRateSchedule,
    QuoteResponse,
    RateScheduleResponse,
    RateVersionSpec,
    version_record,
)
from tests.helpers import statement_builders as build

D = Decimal
WATER, STORMWATER = ChargeType.WATER, ChargeType.STORMWATER
APRIL_1 = date(2024, 4, 1)
# Ottawa, annual fixed rates from 1 April 2024 for a 15 mm meter: water 134.06, fire supply
# 52.63 (both prorated by the days billed; fire supply is its own line on the bill).
FIRE_SUPPLY = DefinedChargeType(
    "fire-supply", "Fire supply", "Approvisionnement en eau-incendie", WATER, gl_code="4120"
)
OTTAWA_WATER = FixedCharge(WATER, {MeterSize.MM15: D("134.06")})
OTTAWA_FIRE = FixedCharge(WATER, {MeterSize.MM15: D("52.63")}, category="fire-supply")
# A right-of-way charge the town collects for another body: 24.00 a year per house.
RIGHT_OF_WAY = DefinedChargeType(
    "right-of-way", "Right-of-way charge", "Redevance d'emprise", STORMWATER, "2150-ROW",
    pass_through=True,
)  # fmt: skip
ROW_CHARGE = StormwaterCharge({PropertyType.SINGLE_FAMILY: D("24.00")}, category="right-of-way")
HST = Tax(WATER, "HST", D("0.13"))


def schedule(*components: Any, **version: Any) -> RateSchedule:
    fields: dict[str, Any] = {"charge_types": (FIRE_SUPPLY, RIGHT_OF_WAY)}
    fields.update(version)
    return RateSchedule("ottawa", "Ottawa", [RateVersion(APRIL_1, None, components, **fields)])


def request(**changes: Any) -> RatingInput:
    fields: dict[str, Any] = {
        "period_start": date(2024, 5, 1),
        "period_end": date(2024, 7, 1),  # 61 days
        "volume": D(0),
        "meter_size": MeterSize.MM15,
        "property_type": PropertyType.SINGLE_FAMILY,
        "services": frozenset(ServiceType),
    }
    return RatingInput(**(fields | changes))


def test_ottawa_fire_supply_is_its_own_line_under_its_own_name() -> None:
    bill = rate(schedule(OTTAWA_WATER, OTTAWA_FIRE), request())
    water, fire = bill.lines
    # water 134.06 x 61/365 = 22.4045 -> 22.40; fire supply 52.63 x 61/365 = 8.7957 -> 8.80
    assert (water.charge_type, water.category, water.amount) == (WATER, None, D("22.40"))
    assert (fire.charge_type, fire.amount) == (WATER, D("8.80"))
    assert fire.category == ChargeCategory(
        "fire-supply", "Fire supply", "Approvisionnement en eau-incendie", "4120"
    )
    assert bill.total == D("31.20")
    assert bill.taxes == ()  # water and fire supply are untaxed


def test_a_defined_type_is_taxed_as_its_service_unless_it_has_its_own_tax() -> None:
    taxed = rate(schedule(OTTAWA_WATER, OTTAWA_FIRE, taxes=[HST]), request())
    # its service's HST, on a tax line of its own: 22.40 x 13% = 2.91; 8.80 x 13% = 1.14
    assert [(t.category and t.category.code, t.base, t.amount) for t in taxed.taxes] == [
        (None, D("22.40"), D("2.91")),
        ("fire-supply", D("8.80"), D("1.14")),
    ]
    exempt = replace(FIRE_SUPPLY, tax=Tax(WATER, "HST", D(0)))
    bill = rate(schedule(OTTAWA_WATER, OTTAWA_FIRE, taxes=[HST], charge_types=[exempt]), request())
    # a rate of 0 exempts it: only the water charge's 2.91
    assert [(t.category, t.amount) for t in bill.taxes] == [(None, D("2.91"))]


def test_a_pass_through_charge_is_its_own_line_with_its_gl_code() -> None:
    bill = rate(schedule(OTTAWA_WATER, ROW_CHARGE), request())
    (row,) = [line for line in bill.lines if line.charge_type is STORMWATER]
    # 24.00 x 61/365 = 4.0110 -> 4.01
    assert row.amount == D("4.01")
    assert row.category is not None
    assert (row.category.code, row.category.pass_through, row.category.gl_code) == (
        "right-of-way",
        True,
        "2150-ROW",
    )
    # its service decides who pays it: none without stormwater service
    no_stormwater = request(services=frozenset({ServiceType.WATER}))
    assert [
        line.charge_type for line in rate(schedule(ROW_CHARGE, OTTAWA_WATER), no_stormwater).lines
    ] == [WATER]


def test_lines_of_a_defined_type_follow_their_service() -> None:
    bill = rate(schedule(ROW_CHARGE, OTTAWA_FIRE, OTTAWA_WATER), request())
    assert [(line.charge_type, line.category and line.category.code) for line in bill.lines] == [
        (WATER, None),
        (WATER, "fire-supply"),
        (STORMWATER, "right-of-way"),
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"components": [FixedCharge(WATER, {MeterSize.MM15: D(1)}, category="hydrant")]},
         "components.0.charge_type"),
        ({"components": [FixedCharge(ChargeType.SEWER, {MeterSize.MM15: D(1)},
                                     category="fire-supply")]},
         "components.0.charge_type"),
        ({"charge_types": [FIRE_SUPPLY, FIRE_SUPPLY]}, "charge_types.1.code"),
        ({"rounding": "per-cheque"}, "rounding"),
    ],
)  # fmt: skip
def test_a_version_refuses_what_it_does_not_define(change: dict[str, Any], field: str) -> None:
    fields: dict[str, Any] = {"components": [OTTAWA_WATER], "charge_types": [FIRE_SUPPLY]}
    with pytest.raises(InvalidInput) as error:
        RateVersion(APRIL_1, None, **(fields | change))
    assert error.value.field == field


@pytest.mark.parametrize("code", ["water", "Fire", "fire supply", ""])
def test_a_code_is_a_slug_that_is_not_built_in(code: str) -> None:
    with pytest.raises(InvalidInput) as error:
        DefinedChargeType(code, "Fire", "Feu", WATER)
    assert error.value.field == "code"


# --- the API and the stored shape ------------------------------------------------------------


def posted() -> dict[str, Any]:
    return {
        "schedule_id": "ottawa",
        "name": "Ottawa",
        "versions": [
            {
                "effective_from": "2024-04-01",
                "components": [
                    {"component": "fixed", "charge_type": "water",
                     "prices": {"15mm": "134.06"}, "basis": {"per": "year"}},
                    {"component": "fixed", "charge_type": "fire-supply",
                     "prices": {"15mm": "52.63"}, "basis": {"per": "year"}},
                    {"component": "stormwater", "charge_type": "right-of-way",
                     "prices": {"single-family": "24.00"}, "basis": {"per": "year"}},
                ],
                "charge_types": [
                    {"code": "fire-supply", "name_en": "Fire supply",
                     "name_fr": "Approvisionnement en eau-incendie", "service": "water",
                     "gl_code": "4120", "tax": {"name": "HST", "rate": "0"}},
                    {"code": "right-of-way", "name_en": "Right-of-way charge",
                     "name_fr": "Redevance d'emprise", "service": "stormwater",
                     "pass_through": True},
                ],
                "rounding": "charge-type",
            }
        ],
    }  # fmt: skip


def test_a_schedule_with_its_own_charge_types_reads_back_as_posted() -> None:
    payload = posted()
    schedule = NewRateSchedule.model_validate_json(json.dumps(payload)).to_domain()
    version = schedule.versions[0]
    assert [c.category for c in version.components] == [None, "fire-supply", "right-of-way"]
    assert version.charge_types[0].tax == Tax(WATER, "HST", D(0))
    response = RateScheduleResponse.of(schedule).model_dump(mode="json")
    (read_back,) = response["versions"]
    sent = payload["versions"][0]
    assert read_back == sent | {"effective_to": None, "taxes": [], "day_count": "actual/365"}
    # the store keeps the same shape, and reads it back through the same validation
    assert (
        RateVersionSpec.model_validate_json(json.dumps(version_record(version))).to_domain()
        == version
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda v: v["components"][1].update(charge_type="hydrant"), "components.1.charge_type"),
        (lambda v: v["components"][2].update(charge_type="water"), "components.2.charge_type"),
        (lambda v: v["components"][2].update(charge_type="fire-supply"),
         "components.2.charge_type"),
        (lambda v: v["charge_types"][0].update(colour="red"), "charge_types.0.colour"),
        (lambda v: v["charge_types"][0].update(code="water"), "charge_types.0.code"),
        (lambda v: v.update(rounding="cheque"), "rounding"),
    ],
)  # fmt: skip
def test_the_api_names_the_field_it_refuses(change: Any, field: str) -> None:
    payload = posted()
    change(payload["versions"][0])
    with pytest.raises((InvalidInput, ValidationError)) as error:
        NewRateSchedule.model_validate_json(json.dumps(payload)).to_domain()
    if isinstance(error.value, InvalidInput):
        assert error.value.field == f"versions.0.{field}"
    else:
        locations = [".".join(map(str, e["loc"])) for e in error.value.errors()]
        assert any(loc.startswith(f"versions.0.{field}") for loc in locations), locations


def test_a_quote_carries_the_category_and_the_rounding() -> None:
    bill = rate(schedule(OTTAWA_WATER, OTTAWA_FIRE), request())
    quote = QuoteResponse.of("ottawa", bill).model_dump(mode="json")
    assert quote["lines"][1]["category"] == {
        "code": "fire-supply",
        "name_en": "Fire supply",
        "name_fr": "Approvisionnement en eau-incendie",
        "gl_code": "4120",
        "pass_through": False,
    }
    assert "category" not in quote["lines"][0]  # a built-in charge type: left out
    assert quote["rounding"] == "line"


def test_a_stored_statement_keeps_its_categories_and_an_older_one_still_loads() -> None:
    bill = rate(schedule(OTTAWA_WATER, OTTAWA_FIRE, taxes=[HST]), request())
    statement = build.statement(bill=bill)
    assert statement_of(as_record(statement), None).bill == bill
    older = as_record(build.statement())
    for line in [*older["bill"]["lines"], *older["bill"]["taxes"]]:
        del line["category"], line["amount_after_due"]
    del older["bill"]["rounding"]
    assert statement_of(older, None).bill == build.statement().bill


def test_the_simulator_reports_a_defined_type_on_its_own_row() -> None:
    current = schedule(OTTAWA_WATER)
    draft = schedule(OTTAWA_WATER, OTTAWA_FIRE)
    year = AccountYear("acc-1", "single-family", [request()])
    report = simulate(current, draft, [year])
    rows = {row.name: (row.current, row.draft) for row in report.by_charge_type}
    # water 22.40 under both; fire supply 8.80 in the draft only
    assert rows == {"water": (D("22.40"), D("22.40")), "fire-supply": (D(0), D("8.80"))}


def test_a_minimum_of_a_defined_type_tops_up_only_its_lines() -> None:
    # fire supply at least 5.00 per 30 days: 5.00 x 61/30 = 10.1667 -> 10.17; its line is 8.80,
    # so a fire supply line of 10.17 - 8.80 = 1.37 (the water line's 22.40 does not count)
    fire_minimum = MinimumCharge(WATER, D("5.00"), category="fire-supply")
    bill = rate(schedule(OTTAWA_WATER, OTTAWA_FIRE, fire_minimum), request())
    (top_up,) = [line for line in bill.lines if line.kind == "minimum"]
    assert top_up.amount == D("1.37")
    assert top_up.category is not None and top_up.category.code == "fire-supply"
    assert bill.total == D("32.57")  # 22.40 + 8.80 + 1.37


def test_a_defined_type_with_its_own_minimum_is_left_out_of_its_services_minimum() -> None:
    # fire supply at least 5.00 per 30 days, water at least 15.00 per 30 days (61 days):
    # fire supply 8.80 is topped up by 10.17 - 8.80 = 1.37; water's 15.00 x 61/30 = 30.50
    # counts only the water line, 22.40: a water top-up of 30.50 - 22.40 = 8.10
    fire_minimum = MinimumCharge(WATER, D("5.00"), category="fire-supply")
    water_minimum = MinimumCharge(WATER, D("15.00"))
    bill = rate(schedule(OTTAWA_WATER, OTTAWA_FIRE, fire_minimum, water_minimum), request())
    top_ups = [(line.category, line.amount) for line in bill.lines if line.kind == "minimum"]
    assert [(c.code if c else None, amount) for c, amount in top_ups] == [
        (None, D("8.10")),  # the built-in type's lines come first
        ("fire-supply", D("1.37")),
    ]
    assert bill.total == D("40.67")  # 22.40 + 8.80 + 1.37 + 8.10


def test_a_second_minimum_of_one_charge_type_is_refused() -> None:
    fire_minimum = MinimumCharge(WATER, D("5.00"), category="fire-supply")
    with pytest.raises(InvalidInput, match="a second minimum for fire-supply"):
        schedule(OTTAWA_WATER, OTTAWA_FIRE, fire_minimum, replace(fire_minimum, amount=D("6")))


def test_a_minimum_of_a_built_in_type_still_counts_its_defined_types_lines() -> None:
    # water at least 15.00 per 30 days: 15.00 x 61/30 = 30.50; water 22.40 + fire supply 8.80
    # = 31.20 is more: no top-up
    water_minimum = MinimumCharge(WATER, D("15.00"))
    met = rate(schedule(OTTAWA_WATER, OTTAWA_FIRE, water_minimum), request())
    assert [line.kind for line in met.lines] == ["fixed", "fixed"]
    # at least 16.00: 16.00 x 61/30 = 32.5333 -> 32.53; a water line of 32.53 - 31.20 = 1.33
    higher = rate(
        schedule(OTTAWA_WATER, OTTAWA_FIRE, replace(water_minimum, amount=D("16.00"))), request()
    )
    (top_up,) = [line for line in higher.lines if line.kind == "minimum"]
    assert (top_up.category, top_up.amount) == (None, D("1.33"))
