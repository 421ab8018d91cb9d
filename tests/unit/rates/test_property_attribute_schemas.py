"""The API and the store for what rates price a property by: a schedule with property charges,
billing units, area tiers and customer-owned meter prices reads back as posted, and a bad one
is refused naming the field; a property's attributes, impervious area and dwelling units, and
a meter's owner, are kept by edits and by the store (records stored before them load unchanged).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from civiq.accounts.adapters.dynamodb_mapping import property_item, property_of
from civiq.accounts.domain.properties import Property, PropertyType
from civiq.accounts.schemas.properties import (
    PropertyResponse,
    PropertyUpdate,
    RegisterPropertyRequest,
)
from civiq.core.errors import InvalidInput
from civiq.core.history import as_record
from civiq.metering.adapters.dynamodb import meter_of, meter_record
from civiq.metering.domain.metering import InstalledMeter
from civiq.metering.domain.meters import Meter, MeterOwner, MeterSize, MeterType
from civiq.metering.schemas.meters import InstallMeterRequest, MeterOut
from civiq.rates.domain.rates import (
    Metering,
    PropertyCharge,
    StormwaterTiers,
    StormwaterUnits,
    UnitRounding,
)
from civiq.rates.schemas.rates import (
    NewRateSchedule,
    RateScheduleResponse,
    RateVersionSpec,
    version_record,
)
from tests.helpers.builders import OPEN_BODY, address

D = Decimal


def posted() -> dict[str, Any]:
    return {
        "schedule_id": "stormwater",
        "name": "Stormwater and flat rates",
        "versions": [
            {
                "effective_from": "2026-01-01",
                "components": [
                    {"component": "property", "charge_type": "stormwater",
                     "by": "property_type", "prices": {"townhouse": "14.38"},
                     "per_dwelling_unit": True, "basis": {"per": "month"}},
                    {"component": "property", "charge_type": "water", "by": "zone",
                     "prices": {"rural": "40.00"}, "default": "25.00",
                     "metering": "unmetered", "basis": {"per": "quarter"}},
                    {"component": "stormwater-units", "unit_area": "267",
                     "unit_rounding": "nearest", "unit_places": 1, "minimum_units": "0.5",
                     "price": "100.00", "basis": {"per": "year"}},
                    {"component": "stormwater-tiers",
                     "tiers": [{"limit": "1051", "price": "38.54"}, {"price": "103.05"}],
                     "basis": {"per": "month"}},
                    {"component": "fixed", "charge_type": "water",
                     "prices": {"15mm": "0.4100"}, "customer_owned_prices": {"15mm": "0.3500"},
                     "basis": {"per": "days", "days": 1}},
                ],
            }
        ],
    }  # fmt: skip


def test_a_schedule_priced_by_the_property_reads_back_as_posted() -> None:
    payload = posted()
    schedule = NewRateSchedule.model_validate_json(json.dumps(payload)).to_domain()
    version = schedule.versions[0]
    by_type, by_zone, units, tiers, fixed = version.components
    assert isinstance(by_type, PropertyCharge) and by_type.per_dwelling_unit
    assert isinstance(by_zone, PropertyCharge) and by_zone.metering is Metering.UNMETERED
    assert by_zone.default == D("25.00")
    assert isinstance(units, StormwaterUnits) and units.unit_rounding is UnitRounding.NEAREST
    assert isinstance(tiers, StormwaterTiers) and tiers.tiers[1].limit is None
    assert fixed.customer_owned_prices == {MeterSize.MM15: D("0.3500")}  # type: ignore[union-attr]
    response = RateScheduleResponse.of(schedule).model_dump(mode="json")
    (read_back,) = response["versions"]
    sent = payload["versions"][0]
    assert read_back == sent | {"effective_to": None, "taxes": [], "day_count": "actual/365"}
    stored = json.dumps(version_record(version))
    assert RateVersionSpec.model_validate_json(stored).to_domain() == version


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda c: c[0].update(by="Zone"), "components.0.by"),
        (lambda c: c[0]["prices"].update(castle="1.00"), "components.0.prices"),
        (lambda c: c[1].update(prices={"Rural": "1.00"}), "components.1.prices"),
        (lambda c: c[1].update(metering="sometimes"), "components.1.metering"),
        (lambda c: c[1].update(charge_type="miscellaneous"), "components.1.charge_type"),
        (lambda c: c[1].pop("by"), "components.1.by"),
        (lambda c: c[0].update(unit_area="267"), "components.0.unit_area"),
        (lambda c: c[2].update(unit_places=2), "components.2.unit_places"),
        (lambda c: c[2].update(unit_rounding="sideways"), "components.2.unit_rounding"),
        (lambda c: c[2].update(price="1.23456"), "components.2.price"),
        (lambda c: c[2].pop("unit_area"), "components.2.unit_area"),
        (lambda c: c[2].update(minimum_units="3", maximum_units="2"),
         "components.2.maximum_units"),
        (lambda c: c[3]["tiers"][0].update(limit="1051.001"), "components.3.tiers.0.limit"),
        (lambda c: c[3]["tiers"].insert(1, {"limit": "10", "price": "1"}),
         "components.3.tiers.1.limit"),
        (lambda c: c[3].update(prices={"single-family": "1"}), "components.3.prices"),
        (lambda c: c[4]["customer_owned_prices"].update({"26mm": "1"}),
         "components.4.customer_owned_prices"),
    ],
)  # fmt: skip
def test_a_bad_component_is_refused_naming_the_field(change: Any, field: str) -> None:
    payload = posted()
    change(payload["versions"][0]["components"])
    with pytest.raises((InvalidInput, ValidationError)) as error:
        NewRateSchedule.model_validate_json(json.dumps(payload)).to_domain()
    if isinstance(error.value, InvalidInput):
        assert (error.value.field or "").startswith(f"versions.0.{field}"), error.value.field
    else:
        locations = [".".join(map(str, e["loc"])) for e in error.value.errors()]
        assert any(loc.startswith(f"versions.0.{field}") for loc in locations), locations


# --- properties -----------------------------------------------------------------------------


def _property(**changes: Any) -> Property:
    details: dict[str, Any] = {
        "property_id": "P1",
        "address": address(),
        "roll_number": None,
        "property_type": PropertyType.MULTI_RESIDENTIAL,
        "created_at": datetime(2026, 1, 5, tzinfo=UTC),
        "units": ("101", "102"),
    }
    return Property(**(details | changes))


def test_a_property_is_registered_with_what_rates_price_it_by() -> None:
    body = {
        **OPEN_BODY["property"],
        "attributes": {"zone": "rural", "sewer-connection": "not-connected"},
        "impervious_area": "312.50",
        "dwelling_units": 6,
    }
    edits = RegisterPropertyRequest.model_validate_json(json.dumps(body)).edits()
    assert edits.attributes == {"zone": "rural", "sewer-connection": "not-connected"}
    assert (edits.impervious_area, edits.dwelling_units) == (D("312.50"), 6)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"attributes": {"Zone": "rural"}}, "attributes"),
        ({"attributes": {"zone": "Rural Area"}}, "attributes.zone"),
        ({"impervious_area": "12.345"}, "impervious_area"),
        ({"impervious_area": 12.5}, "impervious_area"),
        ({"dwelling_units": 0}, "dwelling_units"),
        ({"dwelling_units": "3"}, "dwelling_units"),
    ],
)
def test_a_bad_property_detail_is_refused_naming_the_field(
    change: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as error:
        RegisterPropertyRequest.model_validate_json(json.dumps({**OPEN_BODY["property"], **change}))
    locations = [".".join(map(str, e["loc"])) for e in error.value.errors()]
    assert any(loc.startswith(field) for loc in locations), locations


def test_dwelling_units_default_to_the_units_listed_or_one() -> None:
    assert _property().dwellings == 2
    assert _property(units=()).dwellings == 1
    assert _property(dwelling_units=40).dwellings == 40
    with pytest.raises(InvalidInput) as refused:
        _property(impervious_area=D("-1"))
    assert refused.value.field == "impervious_area"


def test_a_property_edit_keeps_what_it_does_not_name_and_removes_what_it_names_null() -> None:
    current = _property(attributes={"zone": "rural"}, impervious_area=D("312.50"), dwelling_units=6)
    retyped = PropertyUpdate.model_validate_json(
        json.dumps({"version": 1, "property_type": "townhouse"})
    ).over(current)
    assert (retyped.attributes, retyped.impervious_area, retyped.dwelling_units) == (
        {"zone": "rural"},
        D("312.50"),
        6,
    )
    changed = PropertyUpdate.model_validate_json(
        json.dumps(
            {
                "version": 1,
                "attributes": {"zone": "urban"},
                "impervious_area": None,
                "dwelling_units": None,
            }
        )
    ).over(current)
    assert (changed.attributes, changed.impervious_area, changed.dwelling_units) == (
        {"zone": "urban"},
        None,
        None,
    )
    assert changed.property_type is current.property_type


def test_the_store_keeps_them_and_loads_a_property_stored_before_them() -> None:
    prop = _property(attributes={"zone": "rural"}, impervious_area=D("312.50"), dwelling_units=6)
    assert property_of(property_item(prop)) == prop
    older = property_item(_property())
    older.attributes = older.impervious_area = older.dwelling_units = None
    loaded = property_of(older)
    assert (loaded.attributes, loaded.impervious_area, loaded.dwelling_units) == ({}, None, None)
    shown = PropertyResponse.of(prop).model_dump(mode="json")
    assert (shown["attributes"], shown["impervious_area"], shown["dwelling_units"]) == (
        {"zone": "rural"},
        "312.50",
        6,
    )


# --- meters ---------------------------------------------------------------------------------


def _installed(owner: MeterOwner = MeterOwner.MUNICIPALITY) -> InstalledMeter:
    meter = Meter(
        "M1", "AB123", MeterSize.MM15, MeterType.DISPLACEMENT, date(2026, 1, 5), owner=owner
    )
    return InstalledMeter(meter, "P1", None, "clerk")


def test_a_meter_is_installed_as_the_customers_own() -> None:
    body = {
        "property_id": "P1",
        "installed_on": "2026-01-05",
        "meter": {"serial": "AB123", "size": "15mm", "meter_type": "displacement",
                  "owner": "customer"},
    }  # fmt: skip
    command = InstallMeterRequest.model_validate_json(json.dumps(body)).to_command()
    assert command.meter.build("M1", date(2026, 1, 5)).owner is MeterOwner.CUSTOMER
    del body["meter"]["owner"]
    command = InstallMeterRequest.model_validate_json(json.dumps(body)).to_command()
    assert command.meter.build("M1", date(2026, 1, 5)).owner is MeterOwner.MUNICIPALITY
    body["meter"]["owner"] = "landlord"
    with pytest.raises(ValidationError) as error:
        InstallMeterRequest.model_validate_json(json.dumps(body))
    assert error.value.errors()[0]["loc"] == ("meter", "owner")


def test_the_store_keeps_the_owner_and_loads_a_meter_stored_before_it() -> None:
    owned = _installed(MeterOwner.CUSTOMER)
    assert meter_of(meter_record(owned)) == owned
    older = meter_record(_installed())
    del older["meter"]["owner"]
    assert meter_of(older).meter.owner is MeterOwner.MUNICIPALITY
    assert MeterOut.of(owned).owner is MeterOwner.CUSTOMER
    assert as_record(owned.meter)["owner"] == "customer"
