"""The console's collections worklist and transfers awaiting approval (Chalice routing over
in-process moto): a case opened for an owing account waits among the unassigned, most exposed
first; a sale waiting for a supervisor is listed, a clerk sees no decision form, a supervisor's
rejection needs a reason and then leaves the list."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from chalice.test import Client

from civiq.core.dates import MUNICIPAL_TIME_ZONE
from civiq.core.staff import Role
from tests.helpers.api import API, call, ok, open_account
from tests.helpers.builders import open_body
from tests.helpers.emulator import table_items
from tests.helpers.handlers import Context, load_handler
from tests.helpers.owing_books import owe_on
from tests.helpers.web import Browser

HOME = "/dashboard/utilities"


@pytest.fixture
def client(chalice_app: Any) -> Any:
    with Client(chalice_app) as test_client:
        yield test_client


def signed_in(client: Client, role: str) -> Browser:
    browser = Browser(client, form_page="/dashboard/local-sign-in")
    answer = browser.post("/dashboard/local-sign-in", {"role": role, "next": HOME})
    assert answer.status_code == 303, answer.body
    return browser


def test_a_new_case_waits_among_the_unassigned(client: Client, workflows: None) -> None:
    account = dict(ok(call(client, "POST", f"{API}/accounts", open_body()), 201))
    owe_on(account, date.today() - timedelta(days=20))
    ok(call(client, "POST", "/api/v1/ar/cases", {"account_id": account["id"]}), 201)
    clerk = signed_in(client, "clerk")
    mine = clerk.get(f"{HOME}/collections").body.decode()
    assert "No cases here." in mine  # nobody gave it to this clerk
    unassigned = clerk.get(f"{HOME}/collections?assignee=unassigned").body.decode()
    assert f'{HOME}/accounts/{account["id"]}"' in unassigned
    assert "$240.00" in unassigned  # what is past due
    assert clerk.get(f"{HOME}/collections?assignee=not%20a%20subject!").status_code == 400


def test_a_supervisor_decides_a_transfer_waiting_for_approval(
    client: Client, workflows: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TENANT_ARREARS_POLICY", "stay-with-tenant")  # the workflow task's
    owner = open_account(client, "12 Rue des Ventes")
    closing = datetime.now(MUNICIPAL_TIME_ZONE).date() + timedelta(days=30)
    sale = {
        "property_id": owner["property_id"],
        "closing_date": closing.isoformat(),
        "buyer": {"customer": {"name": "Noah Fraser", "preferences": {"language": "en"}}},
    }
    submitted = ok(call(client, "POST", f"{API}/transfers", sale, role=Role.SUPERVISOR), 202)
    task = {
        "task": "request_approval",
        "execution": submitted["id"],
        "correlation_id": "cid-approval",
        "transfer_id": submitted["id"],
        "task_token": f"token-{submitted['id']}",
    }
    assert load_handler("workflow_tasks").handler(task, Context()) == {
        "status": "awaiting-approval"
    }

    clerk = signed_in(client, "clerk")
    listing = clerk.get(f"{HOME}/transfers").body.decode()
    assert "Sale closing" in listing and "Record the decision" not in listing
    decision = f"{HOME}/transfers/{submitted['id']}/decision"
    assert clerk.post(decision, {"decision-decision": "reject"}).status_code == 403

    supervisor = signed_in(client, "supervisor")
    unexplained = supervisor.post(decision, {"decision-decision": "reject", "decision-reason": ""})
    assert unexplained.status_code == 400
    assert 'href="#decision-reason"' in unexplained.body.decode()
    rejected = supervisor.post(
        decision, {"decision-decision": "reject", "decision-reason": "Deed not registered"}
    )
    assert rejected.status_code == 303
    after = supervisor.get(rejected.headers["Location"]).body.decode()
    assert "The decision was recorded." in after and "No transfers are waiting" in after
    transfer = ok(call(client, "GET", f"{API}/transfers/{submitted['id']}"))
    assert (transfer["decision"], transfer["reason"]) == ("reject", "Deed not registered")


def test_signing_in_and_out_is_on_the_staff_members_history(client: Client) -> None:
    clerk = signed_in(client, "clerk")
    assert clerk.post("/dashboard/sign-out", {}).status_code == 303
    kept = [
        (item["action"]["S"], item["PK"]["S"])
        for item in table_items()
        if item["PK"]["S"].startswith("STAFF#")
    ]
    assert [action for action, _ in sorted(kept)] == ["ConsoleSignedIn", "ConsoleSignedOut"]
    assert {subject for _, subject in kept} == {kept[0][1]}  # one staff member's history
