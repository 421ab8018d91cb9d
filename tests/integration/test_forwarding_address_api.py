"""A forwarding address for the final bill, given with a move-out or a sale, through the API's
real routes on in-process moto: validated like any address (the error names the field), kept
with the sale and passed to the move workflow as accepted. The workflows themselves (the
address kept on the closing account, the final bill mailed to it) run in test_workflows.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from chalice.test import Client

from civiq.core.dates import MUNICIPAL_TIME_ZONE
from civiq.core.staff import Role
from tests.helpers.api import API, call, ok, open_account
from tests.helpers.emulator import REGION

FORWARDING = {
    "street": "220 Bayfield St",
    "unit": "4",
    "city": "Barrie",
    "province": "ON",
    "postal_code": "L4M 3B9",
}


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
    monkeypatch.setenv("TENANT_ARREARS_POLICY", "stay-with-tenant")
    with Client(chalice_app) as test_client:
        yield test_client


def today() -> str:
    return datetime.now(MUNICIPAL_TIME_ZONE).date().isoformat()


def move_out(account_id: str, forwarding: dict[str, str]) -> dict[str, Any]:
    return {
        "move_out": {
            "account_id": account_id,
            "move_out_date": today(),
            "final_reading": {"estimate": True},
            "forwarding_address": forwarding,
        }
    }


def sale(property_id: str, forwarding: dict[str, str]) -> dict[str, Any]:
    closing = datetime.now(MUNICIPAL_TIME_ZONE).date() + timedelta(days=30)
    return {
        "property_id": property_id,
        "closing_date": closing.isoformat(),
        "buyer": {"customer": {"name": "Noah Fraser", "preferences": {"language": "en"}}},
        "forwarding_address": forwarding,
    }


def workflow_input(execution_arn: str) -> dict[str, Any]:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    return json.loads(sfn.describe_execution(executionArn=execution_arn)["input"])  # type: ignore[no-any-return]


def test_a_move_out_passes_its_forwarding_address_to_the_workflow(client: Client) -> None:
    account = open_account(client, "15 Dunlop St")

    started = ok(call(client, "POST", f"{API}/moves", move_out(account["id"], FORWARDING)), 202)

    sfn = boto3.client("stepfunctions", region_name=REGION)
    (execution,) = [
        e
        for machine in sfn.list_state_machines()["stateMachines"]
        if machine["name"] == "move"
        for e in sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]
        if e["name"] == started["id"]
    ]
    asked = workflow_input(execution["executionArn"])
    assert asked["move_out"]["forwarding_address"] == FORWARDING


def test_a_sale_keeps_the_sellers_forwarding_address(client: Client) -> None:
    owner = open_account(client, "16 Dunlop St")

    submitted = ok(
        call(
            client,
            "POST",
            f"{API}/transfers",
            sale(owner["property_id"], FORWARDING),
            Role.SUPERVISOR,
        ),
        202,
    )

    assert submitted["forwarding_address"]["one_line"] == "4-220 Bayfield St, Barrie ON L4M 3B9"
    shown = ok(call(client, "GET", f"{API}/transfers/{submitted['id']}", role=Role.SUPERVISOR))
    assert shown["forwarding_address"] == submitted["forwarding_address"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"postal_code": "90210"}, "postal_code"),
        ({"province": "XX"}, "province"),
        ({"street": ""}, "street"),
        ({"country": "CA"}, "country"),
    ],
)
def test_a_bad_forwarding_address_is_refused_naming_the_field(
    client: Client, change: dict[str, str], field: str
) -> None:
    owner = open_account(client, "17 Dunlop St")
    bad = {**FORWARDING, **change}

    moved = call(client, "POST", f"{API}/moves", move_out(owner["id"], bad))
    sold = call(
        client, "POST", f"{API}/transfers", sale(owner["property_id"], bad), Role.SUPERVISOR
    )

    assert moved.status_code == 400, moved.json_body
    assert moved.json_body["error"]["field"] == f"move_out.forwarding_address.{field}"
    assert sold.status_code == 400, sold.json_body
    assert sold.json_body["error"]["field"] == f"forwarding_address.{field}"
