"""Stored names are plain text: a name with a control character (NUL, an escape, a line break)
or a bidirectional override is refused at the API with 400 naming the field, and nothing is
stored. Names in any script, with accents, apostrophes and hyphens, are accepted."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import boto3
import pytest
from chalice.test import Client

from civiq.core.dates import MUNICIPAL_TIME_ZONE
from civiq.core.staff import Role
from tests.helpers.api import API, bearer, call, ok
from tests.helpers.builders import open_body, with_path
from tests.helpers.emulator import REGION, TABLE

# NUL, BEL, ESC, DEL, a C1 control (NEL), the right-to-left override, a first-strong isolate, a
# right-to-left mark, and a line break inside the name.
UNSAFE = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u202e", "\u2068", "\u200f", "\n"]
UNSAFE_IDS = ["nul", "bel", "esc", "del", "nel", "rlo", "fsi", "rlm", "newline"]
SAFE = ["Élise Côté-O'Brien", "Marie-Ève d'Amours", "محمد الأمين", "ᓀᐦᐃᔭᐍᐏᐣ", "Nguyễn Thị Ánh"]


def items(prefix: str) -> list[dict[str, Any]]:
    table = boto3.client("dynamodb", region_name=REGION)
    found = table.scan(TableName=TABLE)["Items"]
    return [i for i in found if i["PK"]["S"].startswith(prefix)]


def refused(response: Any, field: str) -> str:
    assert response.status_code == 400, response.json_body
    error = response.json_body["error"]
    assert (error["code"], error["field"]) == ("invalid_input", field), error
    return str(error["message"])


@pytest.fixture
def client(chalice_app: Any) -> Any:
    with Client(chalice_app) as test_client:
        yield test_client


@pytest.mark.parametrize("bad", UNSAFE, ids=UNSAFE_IDS)
def test_a_customer_name_with_a_control_character_is_refused(client: Client, bad: str) -> None:
    body = open_body()["customer"] | {"name": f"Élise{bad} Côté"}
    message = refused(call(client, "POST", f"{API}/customers", body), "name")
    assert "control character" in message
    assert items("CUSTOMER#") == []


@pytest.mark.parametrize("bad", ["\x00", "\u202e", "\u2066"], ids=["nul", "rlo", "lri"])
def test_opening_an_account_for_a_badly_named_customer_is_refused(client: Client, bad: str) -> None:
    body = with_path(open_body(), "customer.name", f"Tremblay{bad}gnp.exe")
    refused(call(client, "POST", f"{API}/accounts", body), "customer.name")
    assert items("ACCOUNT#") == [] and items("CUSTOMER#") == []


@pytest.mark.parametrize(
    "path",
    ["property.address.street", "property.address.city"],
)
def test_a_property_address_with_a_control_character_is_refused(client: Client, path: str) -> None:
    body = with_path(open_body(), path, "100 Main\u202eSt")
    refused(call(client, "POST", f"{API}/accounts", body), path)
    assert items("PROPERTY#") == []


def test_renaming_a_customer_with_a_control_character_is_refused(client: Client) -> None:
    customer = ok(call(client, "POST", f"{API}/customers", open_body()["customer"]), 201)
    path = f"{API}/customers/{customer['id']}/contact"
    update = {"version": customer["version"], "name": "Élise\u200fCôté"}
    refused(call(client, "PUT", path, update), "name")
    assert ok(call(client, "GET", f"{API}/customers/{customer['id']}"))["name"] == customer["name"]


def test_an_agent_named_with_a_control_character_is_refused(client: Client) -> None:
    account = ok(call(client, "POST", f"{API}/accounts", open_body()), 201)
    agent = {"name": "Luc\x00Roy", "scope": "inquire", "valid_from": "2026-01-01"}
    body = {"version": account["version"], "agent": agent}
    refused(call(client, "POST", f"{API}/accounts/{account['id']}/agents", body), "agent.name")


def test_a_payer_name_with_a_control_character_is_refused(client: Client) -> None:
    account = ok(call(client, "POST", f"{API}/accounts", open_body()), 201)
    cheque = {
        "amount": "60.00",
        "method": "cheque",
        "received_on": datetime.now(MUNICIPAL_TIME_ZONE).date().isoformat(),
        "payer_name": "Élise\x1b[31mCôté",
    }
    path = f"{API}/accounts/{account['id']}/payments"
    headers = bearer(Role.CLERK) | {"Idempotency-Key": "names-payer-1"}
    response = client.http.post(path, headers=headers, body=json.dumps(cheque))
    refused(response, "payer_name")


@pytest.mark.parametrize("name", SAFE)
def test_names_in_any_script_with_accents_and_punctuation_are_kept(
    client: Client, name: str
) -> None:
    body = with_path(open_body(), "customer.name", name)
    account = ok(call(client, "POST", f"{API}/accounts", body), 201)
    assert account["holder"]["name"] == name
