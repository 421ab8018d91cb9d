"""Only billable accounts, through the real API and the move task function on moto: an account the
town's cycle could not bill (waste without a cart when the rates charge waste by cart size, a
route no cycle bills) is refused when it is opened, moved in or changed, naming the request's
field and writing nothing; a move-in takes the services and cart it leaves out from the unit's
previous occupant."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from chalice.test import Client

from civiq.billing.adapters.dynamodb import DynamoCycles
from civiq.core.audit import AuditEntry
from civiq.core.dates import MUNICIPAL_TIME_ZONE
from civiq.core.staff import Role
from civiq.rates.adapters.dynamodb import DynamoRateSchedules
from civiq.rates.schemas.rates import NewRateSchedule
from infra.local.demo_billing import cycle
from infra.local.demo_rates import sample_schedule
from infra.local.lambda_runtime import import_isolated
from tests.helpers.api import API, address, call, ok
from tests.helpers.emulator import REGION, TABLE
from tests.helpers.files import REPO
from tests.helpers.handlers import Context
from tests.helpers.stores import NOW

ACCOUNTS = f"{API}/accounts"
MOVES = f"{API}/moves"
WASTE_NEEDS_A_CART = "cart_size is required: the schedule has a waste charge by it"


@pytest.fixture
def client(chalice_app: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    """The API with stand-in move and transfer workflows (started, not run)."""
    sfn = boto3.client("stepfunctions", region_name=REGION)
    definition = json.dumps({"StartAt": "Wait", "States": {"Wait": {"Type": "Pass", "End": True}}})
    for machine in ("MOVE", "TRANSFER"):
        arn = sfn.create_state_machine(
            name=machine.lower(), definition=definition, roleArn="arn:aws:iam::123456789012:role/x"
        )["stateMachineArn"]
        monkeypatch.setenv(f"{machine}_STATE_MACHINE_ARN", arn)
    with Client(chalice_app) as test_client:
        yield test_client


def bill_the_town() -> None:
    """The town's rates (waste by cart size) and its cycle of routes 1 to 3."""
    entry = AuditEntry(uuid.uuid4().hex, "RATE#town", "T", "s", "s", NOW, "c", {})
    rates = NewRateSchedule.model_validate_json(json.dumps(sample_schedule())).to_domain()
    DynamoRateSchedules().save(None, rates, entry)
    DynamoCycles().save(
        None, cycle(), AuditEntry(uuid.uuid4().hex, "CYCLE#x", "T", "s", "s", NOW, "c", {})
    )


def services(*kinds: str) -> list[dict[str, str]]:
    return [{"service_type": kind, "start_date": "2026-01-01"} for kind in kinds]


def duplex_owner(client: Client, **more: Any) -> dict[str, Any]:
    body = {
        "customer": {"name": "Olivia Owner", "preferences": {"language": "fr"}},
        "property": {
            "address": address("12 Rue Principale"),
            "property_type": "multi-residential",
            "units": ["1", "2"],
        },
        "unit": "1",
        "services": services("water", "sewer", "stormwater", "waste"),
        **more,
    }
    return ok(call(client, "POST", ACCOUNTS, body), 201)  # type: ignore[no-any-return]


def kinds_of_items() -> list[str]:
    items = boto3.client("dynamodb", region_name=REGION).scan(TableName=TABLE)["Items"]
    return sorted({i["PK"]["S"].split("#")[0] for i in items})


def executions() -> list[str]:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    return [
        e["name"]
        for machine in sfn.list_state_machines()["stateMachines"]
        for e in sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]
    ]


def test_an_account_with_waste_and_no_cart_is_refused_naming_cart_size(client: Client) -> None:
    bill_the_town()
    before = kinds_of_items()
    refused = call(client, "POST", ACCOUNTS, {**_owner_body(), "services": services("waste")})
    assert refused.status_code == 400, refused.json_body
    error = refused.json_body["error"]
    assert error["field"] == "cart_size"
    assert [e["field"] for e in error["errors"]] == ["cart_size"]
    assert WASTE_NEEDS_A_CART in error["message"]
    assert kinds_of_items() == before  # no customer, property, account or history

    opened = call(
        client,
        "POST",
        ACCOUNTS,
        {**_owner_body(), "services": services("waste"), "cart_size": "medium"},
    )
    assert ok(opened, 201)["cart_size"] == "medium"


def _owner_body() -> dict[str, Any]:
    return {
        "customer": {"name": "Élise Côté", "preferences": {"language": "fr"}},
        "property": {"address": address("5 Rue Laval"), "property_type": "single-family"},
    }


def test_an_account_on_a_route_no_cycle_bills_is_refused_naming_the_route(client: Client) -> None:
    bill_the_town()
    body = _owner_body()
    body["property"]["route"] = "9"
    refused = call(client, "POST", ACCOUNTS, {**body, "services": services("water")})
    assert refused.status_code == 400, refused.json_body
    assert refused.json_body["error"]["field"] == "property.route"
    assert "no billing cycle bills route 9" in refused.json_body["error"]["message"]


def test_a_move_in_is_checked_as_it_will_open_the_account(client: Client) -> None:
    owner = duplex_owner(client)  # opened before the town's billing was set up: no cart
    bill_the_town()
    move_in = {
        "property_id": owner["property_id"],
        "unit": "2",
        "customer": {"name": "Nina Newcomer", "preferences": {"language": "en"}},
        "holder_role": "tenant",
        "move_in_date": "2026-11-01",
    }
    refused = call(client, "POST", MOVES, {"move_in": move_in})
    assert refused.status_code == 400, refused.json_body
    assert refused.json_body["error"]["field"] == "move_in.cart_size"
    assert executions() == []  # nothing started

    accepted = call(client, "POST", MOVES, {"move_in": {**move_in, "cart_size": "large"}})
    assert accepted.status_code == 202, accepted.json_body


def test_a_sale_whose_buyer_could_not_be_billed_is_refused_at_submission(client: Client) -> None:
    owner = duplex_owner(client)  # opened before the town's billing was set up: no cart
    bill_the_town()
    sale = {
        "property_id": owner["property_id"],
        "closing_date": (datetime.now(MUNICIPAL_TIME_ZONE).date() + timedelta(days=10)).isoformat(),
        "buyer": {"customer": {"name": "Bea Buyer", "preferences": {"language": "fr"}}},
    }
    refused = call(client, "POST", f"{API}/transfers", sale, Role.SUPERVISOR)
    assert refused.status_code == 400, refused.json_body
    error = refused.json_body["error"]
    assert error["field"] == "property_id"
    assert "the buyer's account for unit 1 could not be billed" in error["message"]
    assert executions() == []  # nothing started, no transfer written


def test_a_change_leaving_waste_without_a_cart_is_refused(client: Client) -> None:
    bill_the_town()
    owner = duplex_owner(client, cart_size="small")
    path = f"{ACCOUNTS}/{owner['id']}"
    body = {"version": owner["version"], "cart_size": None}
    refused = call(client, "PUT", f"{path}/settings", body)
    assert refused.status_code == 400, refused.json_body
    assert refused.json_body["error"]["field"] == "cart_size"
    kept = ok(call(client, "GET", path))
    assert (kept["cart_size"], kept["version"]) == ("small", owner["version"])

    no_waste = {"version": owner["version"], "services": services("water", "sewer")}
    changed = ok(call(client, "PUT", f"{path}/services", no_waste))
    removed = ok(call(client, "PUT", f"{path}/settings", {**body, "version": changed["version"]}))
    assert removed["cart_size"] is None  # without waste, no cart is needed
    with_waste = {"version": removed["version"], "services": services("water", "waste")}
    assert call(client, "PUT", f"{path}/services", with_waste).status_code == 400
    given = ok(call(client, "PUT", f"{path}/services", {**with_waste, "cart_size": "medium"}))
    assert given["cart_size"] == "medium"


def test_the_move_in_task_gives_the_tenant_the_previous_occupants_services_and_cart(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    bill_the_town()
    owner = duplex_owner(client, cart_size="small")
    tenant_body = {
        "customer": {"name": "Tom Tenant", "preferences": {"language": "en"}},
        "property_id": owner["property_id"],
        "unit": "2",
        "holder_role": "tenant",
        "services": services("water", "waste"),
        "cart_size": "medium",
    }
    tenant = ok(call(client, "POST", ACCOUNTS, tenant_body), 201)
    monkeypatch.setenv("TENANT_ARREARS_POLICY", "stay-with-tenant")
    code = REPO / "functions" / "workflow_tasks"
    tasks = import_isolated(code, code / "handler.py", f"_tasks_{uuid.uuid4().hex}")
    actor = {"subject": "clerk-7", "role": "clerk"}
    common = {"execution": "MV1", "correlation_id": "c", "move_id": "MV1", "actor": actor}
    out = {
        "account_id": tenant["id"],
        "move_out_date": "2026-10-31",
        "final_reading": {"estimate": True},
    }
    tasks.handler({"task": "move_out", **common, "move_out": out}, Context())
    move_in = {
        "property_id": owner["property_id"],
        "unit": "2",
        "customer": {"name": "Nina Newcomer", "preferences": {"language": "en"}},
        "holder_role": "tenant",
        "move_in_date": "2026-11-01",
    }
    opened = tasks.handler({"task": "move_in", **common, "move_in": move_in}, Context())

    account = ok(call(client, "GET", f"{ACCOUNTS}/{opened['account_id']}"))
    assert account["holder"]["name"] == "Nina Newcomer"
    assert [(s["service_type"], s["start_date"]) for s in account["services"]] == [
        ("water", "2026-11-01"),
        ("waste", "2026-11-01"),
    ]
    assert account["cart_size"] == "medium"
