"""Service requests through real Chalice routing against in-process moto: a clerk opens one
taken on the phone (once per Idempotency-Key), staff work the worklist, answer and move it
along; a billing dispute pauses the account's real collection case at once and resolving it
resumes that case; every refusal is a 4xx naming its field."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from chalice.test import Client

from tests.helpers.api import call, ok
from tests.helpers.builders import open_body
from tests.helpers.owing_books import owe_on

API = "/api/v1/utility"
WORKLIST = f"{API}/service-requests"
UNKNOWN = "01J00000000000000000000000"


@pytest.fixture
def client(chalice_app: Any) -> Any:
    with Client(chalice_app) as test_client:
        yield test_client


@pytest.fixture
def owing(client: Client) -> dict[str, Any]:
    """An open account (its holder French-speaking) with a statement of 240.00 that fell due ten
    days ago."""
    account = dict(ok(call(client, "POST", f"{API}/accounts", open_body()), 201))
    account["statement_id"] = owe_on(account, date.today() - timedelta(days=10))
    return account


def requests_of(account: dict[str, Any]) -> str:
    return f"{API}/accounts/{account['id']}/service-requests"


def leak(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "leak",
        "subject": "Fuite au sous-sol",
        "description": "L'eau coule près du compteur depuis hier soir.",
    } | overrides


def dispute(account: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "billing-dispute",
        "subject": "Relevé contesté",
        "description": "Le relevé compte une consommation impossible: la maison était vide.",
        "statement_id": account["statement_id"],
    }


def the_case(client: Client, account: dict[str, Any]) -> dict[str, Any]:
    path = f"{API}/accounts/{account['id']}/collection-cases"
    (case, *_) = ok(call(client, "GET", path))["cases"]
    return dict(case)


def test_a_dispute_pauses_the_collection_case_and_resolving_it_resumes_that_case(
    client: Client, workflows: None, owing: dict[str, Any]
) -> None:
    """(``workflows`` after ``client``: the app's settings then name the stand-in state
    machines.)"""
    case = ok(call(client, "POST", "/api/v1/ar/cases", {"account_id": owing["id"]}), 201)
    key = str(uuid.uuid4())

    opened = ok(call(client, "POST", requests_of(owing), dispute(owing), key=key), 201)
    again = ok(call(client, "POST", requests_of(owing), dispute(owing), key=key), 201)

    assert again == opened
    assert (opened["status"], opened["held_case_id"], opened["language"]) == (
        "open",
        case["case_id"],
        "fr",
    )
    assert opened["opened_by"] == {"kind": "staff", "id": "staff-7"}
    held = the_case(client, owing)
    assert (held["status"], held["paused_by"]) == ("paused", "dispute")

    status = f"{WORKLIST}/{opened['id']}/status"
    resolved = ok(call(client, "POST", status, {"status": "resolved", "version": 1}))
    assert (resolved["status"], resolved["version"]) == ("resolved", 2)
    resumed = the_case(client, owing)
    assert (resumed["case_id"], resumed["status"], resumed["paused_by"]) == (
        case["case_id"],
        "open",
        None,
    )
    history = ok(call(client, "GET", f"{API}/accounts/{owing['id']}/history?limit=100"))
    actions = [e["action"] for e in history["items"]]
    assert {"ServiceRequestOpened", "ServiceRequestStatusChanged"} <= set(actions), actions


def test_a_dispute_without_a_case_holds_nothing(client: Client, owing: dict[str, Any]) -> None:
    opened = ok(call(client, "POST", requests_of(owing), dispute(owing), key="no-case-01"), 201)
    assert opened["held_case_id"] is None
    assert ok(call(client, "GET", f"{API}/accounts/{owing['id']}/collection-cases"))["cases"] == []


def test_staff_work_the_worklist_answer_and_move_requests_along(
    client: Client, owing: dict[str, Any]
) -> None:
    first = ok(call(client, "POST", requests_of(owing), leak(), key="leak-0001"), 201)
    second = ok(
        call(client, "POST", requests_of(owing), leak(kind="meter-problem"), key="meter-001"), 201
    )

    worklist = ok(call(client, "GET", f"{WORKLIST}?status=open"))
    assert [r["id"] for r in worklist["items"]] == [first["id"], second["id"]]
    of_account = ok(call(client, "GET", requests_of(owing)))
    assert [r["id"] for r in of_account["items"]] == [second["id"], first["id"]]

    one = f"{WORKLIST}/{first['id']}"
    answered = ok(call(client, "POST", one + "/replies", {"text": "Un plombier passe demain."}))
    assert [(m["author"]["kind"], m["text"]) for m in answered["messages"]] == [
        ("staff", "Un plombier passe demain.")
    ]
    assert ok(call(client, "GET", one)) == answered

    stale = call(client, "POST", one + "/status", {"status": "in-progress", "version": 1})
    assert stale.status_code == 409, stale.json_body
    assert stale.json_body["error"]["code"] == "version_conflict"
    moved = ok(call(client, "POST", one + "/status", {"status": "in-progress", "version": 2}))
    assert moved["status"] == "in-progress"
    backwards = call(client, "POST", one + "/status", {"status": "open", "version": 3})
    assert backwards.status_code == 409 and backwards.json_body["error"]["field"] == "status"
    in_progress = ok(call(client, "GET", f"{WORKLIST}?status=in-progress"))
    assert [r["id"] for r in in_progress["items"]] == [first["id"]]
    assert [r["id"] for r in ok(call(client, "GET", WORKLIST))["items"]] == [second["id"]]


def test_every_refusal_names_its_field_and_writes_nothing(
    client: Client, owing: dict[str, Any]
) -> None:
    path = requests_of(owing)
    without = dispute(owing)
    del without["statement_id"]
    for body, field in (
        (without, "statement_id"),
        (leak(statement_id=owing["statement_id"]), "statement_id"),
        (leak(subject="   "), "subject"),
        (leak(urgent=True), "urgent"),
    ):
        refused = call(client, "POST", path, body, key="refused-1")
        assert refused.status_code == 400, refused.json_body
        fields = [e["field"] for e in refused.json_body["error"]["errors"] or []]
        assert refused.json_body["error"]["field"] == field or field in fields, refused.json_body
    no_key = call(client, "POST", path, leak())
    assert no_key.status_code == 400 and no_key.json_body["error"]["field"] == "Idempotency-Key"
    other = dispute(owing) | {"statement_id": "st-not-this-accounts"}
    assert call(client, "POST", path, other, key="refused-2").status_code == 404
    reused = call(client, "POST", path, leak(), key="refused-1")
    assert reused.status_code == 201  # nothing was written under that key before
    assert call(client, "POST", path, leak(subject="Autre"), key="refused-1").status_code == 409
    assert len(ok(call(client, "GET", path))["items"]) == 1


def test_unknown_accounts_and_requests_are_not_found(client: Client) -> None:
    assert call(client, "GET", f"{API}/accounts/{UNKNOWN}/service-requests").status_code == 404
    opened = call(
        client, "POST", f"{API}/accounts/{UNKNOWN}/service-requests", leak(), key="k-12345678"
    )
    assert opened.status_code == 404
    one = f"{WORKLIST}/{UNKNOWN}"
    assert call(client, "GET", one).status_code == 404
    assert call(client, "POST", one + "/replies", {"text": "Bonjour"}).status_code == 404
    moved = call(client, "POST", one + "/status", {"status": "closed", "version": 1})
    assert moved.status_code == 404
