"""What rates price a property by, through real Chalice routing against in-process moto: a
property's attributes, impervious area and dwelling units are registered, kept by an edit that
does not name them, and removed when named null; a meter is installed as the customer's own."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from tests.helpers.api import address, call, ok

UTILITY = "/api/v1/utility"
PROPERTIES = f"{UTILITY}/properties"


@pytest.fixture
def client(chalice_app: Any) -> Iterator[Client]:
    from chalicelib import metering_composition

    metering_composition.metering.cache_clear()
    with Client(chalice_app) as test_client:
        yield test_client
    metering_composition.metering.cache_clear()


def test_a_property_keeps_what_rates_price_it_by_through_edits(client: Client) -> None:
    body = {
        "address": address(),
        "property_type": "multi-residential",
        "units": ["1", "2"],
        "attributes": {"zone": "rural", "sewer-connection": "not-connected"},
        "impervious_area": "312.50",
        "dwelling_units": 6,
    }
    prop = ok(call(client, "POST", PROPERTIES, body), 201)
    assert (prop["attributes"], prop["impervious_area"], prop["dwelling_units"]) == (
        {"zone": "rural", "sewer-connection": "not-connected"},
        "312.50",
        6,
    )
    rerouted = ok(call(client, "PUT", f"{PROPERTIES}/{prop['id']}", {"version": 1, "route": "7"}))
    assert rerouted["route"] == "7"
    assert ok(call(client, "GET", f"{PROPERTIES}/{prop['id']}")) == rerouted | {"accounts": []}
    for name in ("attributes", "impervious_area", "dwelling_units"):
        assert rerouted[name] == prop[name]
    cleared = ok(
        call(
            client,
            "PUT",
            f"{PROPERTIES}/{prop['id']}",
            {"version": 2, "attributes": {}, "impervious_area": None, "dwelling_units": None},
        )
    )
    assert (cleared["attributes"], cleared["impervious_area"], cleared["dwelling_units"]) == (
        {},
        None,
        None,
    )
    refused = call(
        client, "PUT", f"{PROPERTIES}/{prop['id']}", {"version": 3, "impervious_area": "1.234"}
    )
    assert refused.status_code == 400
    assert refused.json_body["error"]["field"].startswith("impervious_area")


def test_a_meter_is_installed_as_the_customers_own(client: Client) -> None:
    def install(serial: str, **owner: str) -> Any:
        prop = ok(
            call(client, "POST", PROPERTIES, {"address": address(f"{serial} Rue Laval")}), 201
        )
        meter = {"serial": serial, "size": "15mm", "meter_type": "displacement", **owner}
        body = {"property_id": prop["id"], "installed_on": "2024-01-01", "meter": meter}
        return ok(call(client, "POST", f"{UTILITY}/meters", body), 201)

    owned = install("12", owner="customer")
    assert owned["owner"] == "customer"
    assert ok(call(client, "GET", f"{UTILITY}/meters/{owned['id']}"))["owner"] == "customer"
    assert install("14")["owner"] == "municipality"
