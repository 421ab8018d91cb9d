"""Payment arrangements through real Chalice routing against in-process moto: a clerk arranges
what an account owes past due (stored in the table, listed newest first), a retried request
answers what the first was answered, a second arrangement is refused while one is in force, and
every term the policy refuses is named."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from chalice.test import Client

from civiq.billing.adapters.dynamodb import DynamoStatements
from tests.helpers.api import call
from tests.helpers.builders import open_body
from tests.helpers.statement_builders import issue_with_ledger, issued_entry, owing_statement

API = "/api/v1/utility"


@pytest.fixture
def client(chalice_app: Any) -> Any:
    with Client(chalice_app) as test_client:
        yield test_client


@pytest.fixture
def owing(client: Client) -> dict[str, Any]:
    """An open account with a statement of 240.00 that fell due ten days ago."""
    opened = call(client, "POST", f"{API}/accounts", open_body())
    assert opened.status_code == 201, opened.json_body
    account = dict(opened.json_body)
    due = date.today() - timedelta(days=10)
    statement = owing_statement(account["id"], account["account_number"], due, "240.00")
    assert issue_with_ledger(DynamoStatements(), statement, issued_entry(statement))
    return account


def terms(down: str | None = "40.00", count: int = 4) -> dict[str, Any]:
    return {
        "down_payment": down,
        "instalments": count,
        "frequency": "monthly",
        "first_due": (date.today() + timedelta(days=14)).isoformat(),
    }


def test_a_clerk_arranges_the_arrears_once_per_key(client: Client, owing: dict[str, Any]) -> None:
    path = f"{API}/accounts/{owing['id']}/arrangements"
    key = str(uuid.uuid4())

    made = call(client, "POST", path, terms(), key=key)
    again = call(client, "POST", path, terms(), key=key)

    assert made.status_code == 201, made.json_body
    assert again.status_code == 201 and again.json_body == made.json_body
    body = made.json_body
    assert (body["owed"], body["down_payment"], body["status"]) == ("240.00", "40.00", "active")
    assert [i["amount"] for i in body["instalments"]] == ["50.00"] * 4
    listed = call(client, "GET", path)
    assert listed.status_code == 200 and listed.json_body["items"] == [body]
    in_force = call(client, "GET", "/api/v1/ar/arrangements?limit=5")
    assert in_force.status_code == 200, in_force.json_body
    assert in_force.json_body == {"items": [body], "next_cursor": None}


def test_one_arrangement_is_in_force_at_a_time(client: Client, owing: dict[str, Any]) -> None:
    path = f"{API}/accounts/{owing['id']}/arrangements"
    assert call(client, "POST", path, terms(), key=str(uuid.uuid4())).status_code == 201

    second = call(client, "POST", path, terms(), key=str(uuid.uuid4()))

    assert second.status_code == 409, second.json_body


def test_every_refused_term_is_named(client: Client, owing: dict[str, Any]) -> None:
    path = f"{API}/accounts/{owing['id']}/arrangements"

    refused = call(client, "POST", path, terms(down=None, count=24), key=str(uuid.uuid4()))

    assert refused.status_code == 400, refused.json_body
    error = refused.json_body["error"]
    assert (error["code"], error["field"]) == ("invalid_input", "instalments")
    assert call(client, "GET", path).json_body["items"] == []


def test_an_unknown_account_is_not_found(client: Client) -> None:
    path = f"{API}/accounts/01J00000000000000000000000/arrangements"
    assert call(client, "GET", path).status_code == 404
    assert call(client, "POST", path, terms(), key=str(uuid.uuid4())).status_code == 404


def test_a_case_held_by_an_arrangement_resumes_only_when_it_ends(
    client: Client, workflows: None, owing: dict[str, Any]
) -> None:
    """A clerk resumes a case paused for a dispute; one an arrangement holds is refused (it
    resumes when the arrangement is broken or completed) and stays held. (``workflows`` after
    ``client``: the app's settings then name the stand-in state machines.)"""
    case_path = f"{API}/accounts/{owing['id']}/collection-case"
    assert call(client, "POST", "/api/v1/ar/cases", {"account_id": owing["id"]}).status_code == 201
    paused = call(client, "POST", f"{case_path}/pause", {"reason": "dispute"})
    assert paused.status_code == 200 and paused.json_body["paused_by"] == "dispute"
    resumed = call(client, "POST", f"{case_path}/resume")
    assert resumed.status_code == 200 and resumed.json_body["status"] == "open"
    path = f"{API}/accounts/{owing['id']}/arrangements"
    arranged = call(client, "POST", path, terms(), key=str(uuid.uuid4()))
    assert arranged.status_code == 201, arranged.json_body

    refused = call(client, "POST", f"{case_path}/resume")

    assert refused.status_code == 409, refused.json_body
    assert refused.json_body["error"]["field"] == "id"
    (case, *_) = call(client, "GET", f"{API}/accounts/{owing['id']}/collection-cases").json_body[
        "cases"
    ]
    assert case["paused_by"] == f"arrangement:{arranged.json_body['arrangement_id']}", case
