"""Transfers through the API's real routes on in-process moto: four eyes on approval, and the
transfers waiting for a supervisor listed by status (one Query of an index, never a scan).

The transfer workflow is a stand-in whose executions are started, not run; its approval task
(functions/workflow_tasks) is called as the workflow would call it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from chalice.test import Client

from civiq.core.dates import MUNICIPAL_TIME_ZONE
from civiq.core.staff import Role
from civiq.platform.tokens import LocalTokens
from tests.helpers.api import API, bearer, ok, open_account
from tests.helpers.emulator import REGION, SIGNING_KEY
from tests.helpers.handlers import Context, load_handler

TRANSFERS = f"{API}/transfers"


@pytest.fixture
def workflows(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    definition = json.dumps({"StartAt": "Wait", "States": {"Wait": {"Type": "Pass", "End": True}}})
    for name in ("MOVE", "TRANSFER"):
        machine = sfn.create_state_machine(
            name=name.lower(), definition=definition, roleArn="arn:aws:iam::123456789012:role/x"
        )
        monkeypatch.setenv(f"{name}_STATE_MACHINE_ARN", machine["stateMachineArn"])
    monkeypatch.setenv("TENANT_ARREARS_POLICY", "stay-with-tenant")


def supervisor(subject: str) -> dict[str, str]:
    token = LocalTokens(SIGNING_KEY).mint(
        subject, [Role.SUPERVISOR], datetime.now(UTC), timedelta(hours=1)
    )
    return {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}


SUBMITTER = supervisor("supervisor-ann")
APPROVER = supervisor("supervisor-bob")


def sell(client: Client, street: str) -> dict[str, Any]:
    """Open an owner's account on a new property and submit its sale (202)."""
    owner = open_account(client, street)
    closing = datetime.now(MUNICIPAL_TIME_ZONE).date() + timedelta(days=30)
    sale = {
        "property_id": owner["property_id"],
        "closing_date": closing.isoformat(),
        "buyer": {"customer": {"name": "Noah Fraser", "preferences": {"language": "en"}}},
    }
    response = client.http.post(TRANSFERS, headers=SUBMITTER, body=json.dumps(sale))
    return ok(response, 202)  # type: ignore[no-any-return]


def await_approval(transfer_id: str) -> None:
    """What the workflow's AwaitApproval task does: keep its token on the transfer."""
    task = {
        "task": "request_approval",
        "execution": transfer_id,
        "correlation_id": "cid-approval",
        "transfer_id": transfer_id,
        "task_token": f"token-{transfer_id}",
    }
    assert load_handler("workflow_tasks").handler(task, Context()) == {
        "status": "awaiting-approval"
    }


def decide(client: Client, transfer_id: str, headers: dict[str, str], **body: str) -> Any:
    path = f"{TRANSFERS}/{transfer_id}/decision"
    return client.http.post(path, headers=headers, body=json.dumps(body))


def listed(client: Client, query: str = "", headers: dict[str, str] = APPROVER) -> Any:
    return ok(client.http.get(f"{TRANSFERS}{query}", headers=headers))


def test_the_supervisor_who_submitted_a_transfer_cannot_approve_it(
    chalice_app: Any, workflows: None
) -> None:
    with Client(chalice_app) as client:
        transfer = sell(client, "12 Rue des Érables")
        await_approval(transfer["id"])
        own = decide(client, transfer["id"], SUBMITTER, decision="approve")
        assert own.status_code == 403, own.json_body
        error = own.json_body["error"]
        assert (error["code"], error["field"]) == ("forbidden", "decision")
        assert "four eyes" in error["message"] and "another supervisor" in error["message"]
        unchanged = ok(client.http.get(f"{TRANSFERS}/{transfer['id']}", headers=APPROVER))
        assert (unchanged["status"], unchanged["decision"]) == ("awaiting-approval", None)

        approved = ok(decide(client, transfer["id"], APPROVER, decision="approve"))
        assert approved["status"] == "approved"
        assert approved["decided_by"] == {"subject": "supervisor-bob", "role": "supervisor"}
        assert approved["submitted_by"]["subject"] == "supervisor-ann"


def test_the_submitter_may_withdraw_their_own_transfer(chalice_app: Any, workflows: None) -> None:
    with Client(chalice_app) as client:
        transfer = sell(client, "14 Rue des Érables")
        await_approval(transfer["id"])
        withdrawn = decide(
            client, transfer["id"], SUBMITTER, decision="reject", reason="the buyer withdrew"
        )
        assert ok(withdrawn)["status"] == "rejected"


def test_transfers_awaiting_approval_are_listed_oldest_first_and_paged(
    chalice_app: Any, workflows: None
) -> None:
    with Client(chalice_app) as client:
        sales = [sell(client, f"{n} Rue du Marché") for n in (1, 3, 5)]
        assert listed(client, "?status=awaiting-approval")["items"] == []  # not waiting yet
        submitted = listed(client, "?status=submitted")["items"]
        assert sorted(t["id"] for t in submitted) == sorted(s["id"] for s in sales)

        for sale in sales:
            await_approval(sale["id"])
        everything = listed(client)  # the default: what waits for a supervisor
        waiting = [t["id"] for t in everything["items"]]
        assert sorted(waiting) == sorted(s["id"] for s in sales)
        assert everything["next_cursor"] is None
        assert {t["status"] for t in everything["items"]} == {"awaiting-approval"}
        times = [t["submitted_at"] for t in everything["items"]]
        assert times == sorted(times)  # oldest first

        first = listed(client, "?status=awaiting-approval&limit=2")
        rest = listed(client, f"?status=awaiting-approval&limit=2&cursor={first['next_cursor']}")
        assert [t["id"] for t in first["items"] + rest["items"]] == waiting

        ok(decide(client, waiting[0], APPROVER, decision="approve"))
        assert [t["id"] for t in listed(client)["items"]] == waiting[1:]
        assert [t["id"] for t in listed(client, "?status=approved")["items"]] == waiting[:1]

        clerk = listed(client, headers=bearer(Role.CLERK))  # clerks read transfers too
        assert [t["id"] for t in clerk["items"]] == waiting[1:]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?status=waiting", "status"),
        ("?limit=0", "limit"),
        ("?state=approved", "state"),
    ],
)
def test_a_bad_listing_query_is_400_naming_the_parameter(
    chalice_app: Any, workflows: None, query: str, field: str
) -> None:
    with Client(chalice_app) as client:
        response = client.http.get(f"{TRANSFERS}{query}", headers=APPROVER)
    assert response.status_code == 400, response.json_body
    assert response.json_body["error"]["field"] == field


def test_a_cursor_the_api_did_not_return_is_refused_naming_it(
    chalice_app: Any, workflows: None
) -> None:
    with Client(chalice_app) as client:
        response = client.http.get(f"{TRANSFERS}?cursor=not-a-cursor", headers=APPROVER)
    assert 400 <= response.status_code < 500, response.json_body
    assert response.json_body["error"]["field"] == "cursor"


def test_the_listing_and_its_query_are_in_the_openapi_document(chalice_app: Any) -> None:
    with Client(chalice_app) as client:
        document = ok(client.http.get("/api/v1/openapi.json"))
    operation = document["paths"][TRANSFERS]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert {"status", "limit", "cursor"} <= set(parameters)
    assert all(p["in"] == "query" for p in parameters.values())
    status = parameters["status"]["schema"]
    assert (status["default"], "awaiting-approval" in status["enum"]) == ("awaiting-approval", True)
    assert "page" in json.dumps(operation["responses"]["200"]).lower()
