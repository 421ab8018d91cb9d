"""Service requests in the staff console (Chalice routing over in-process moto): a resident's
request opened in the portal waits in the console's worklist; a clerk answers it and resolves it
there, and the resident reads the answer in the portal; every refusal is a page naming its
field, a stale status change a 409 page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from chalice.test import Client

from tests.helpers.portal_accounts import hidden, owing_account
from tests.helpers.stores import Stores, dynamodb_stores
from tests.helpers.web import Browser

HOME = "/dashboard/utilities"
REQUESTS = HOME + "/service-requests"


@pytest.fixture
def clerk(chalice_app: Any) -> Browser:
    browser = Browser(Client(chalice_app), form_page="/dashboard/local-sign-in")
    answer = browser.post("/dashboard/local-sign-in", {"role": "clerk", "next": HOME})
    assert answer.status_code == 303, answer.body
    return browser


@pytest.fixture
def leak(clerk: Browser, portal: Client) -> dict[str, Any]:
    """A leak a resident reported through the portal: its id and the resident's browser."""
    stores: Stores = dynamodb_stores()
    account = owing_account(stores)
    resident = Browser(portal).signed_in(account["number"])
    form = resident.get("/portal/requests/new").body.decode()
    opened = resident.post(
        "/portal/requests",
        {
            "request_key": hidden(form, "request_key"),
            "kind": "leak",
            "subject": "Water at the meter",
            "description": "Pooling under the meter since last night.",
        },
    )
    assert opened.status_code == 303
    request_id = opened.headers["Location"].split("/")[-1].split("?")[0]
    return {"id": request_id, "resident": resident}


def test_a_clerk_answers_and_resolves_a_residents_request(
    clerk: Browser, leak: dict[str, Any]
) -> None:
    worklist = clerk.get(REQUESTS).body.decode()
    assert f'{REQUESTS}/{leak["id"]}"' in worklist and "Water at the meter" in worklist

    page = clerk.get(f"{REQUESTS}/{leak['id']}").body.decode()
    assert "Pooling under the meter" in page
    replied = clerk.post(
        f"{REQUESTS}/{leak['id']}/replies", {"reply-text": "A crew comes this afternoon."}
    )
    assert replied.status_code == 303
    page = clerk.get(replied.headers["Location"]).body.decode()
    assert "Your reply was sent" in page and "A crew comes this afternoon." in page
    version = hidden(page, "move-version")
    moved = clerk.post(
        f"{REQUESTS}/{leak['id']}/status", {"move-status": "resolved", "move-version": version}
    )
    assert moved.status_code == 303
    assert "Water at the meter" not in clerk.get(REQUESTS).body.decode()  # no longer open
    assert "Water at the meter" in clerk.get(REQUESTS + "?status=resolved").body.decode()

    resident: Browser = leak["resident"]
    thread = resident.get(f"/portal/requests/{leak['id']}").body.decode()
    assert "A crew comes this afternoon." in thread and "Resolved" in thread


def test_refusals_are_pages_naming_their_field_and_a_stale_change_is_a_409(
    clerk: Browser, leak: dict[str, Any]
) -> None:
    empty = clerk.post(f"{REQUESTS}/{leak['id']}/replies", {"reply-text": ""})
    assert empty.status_code == 400
    assert 'href="#reply-text"' in empty.body.decode()
    unknown = clerk.post(
        f"{REQUESTS}/{leak['id']}/status", {"move-status": "lost", "move-version": "1"}
    )
    assert unknown.status_code == 400
    assert 'href="#move-status"' in unknown.body.decode()
    first = clerk.post(
        f"{REQUESTS}/{leak['id']}/status", {"move-status": "in-progress", "move-version": "1"}
    )
    assert first.status_code == 303
    stale = clerk.post(
        f"{REQUESTS}/{leak['id']}/status", {"move-status": "resolved", "move-version": "1"}
    )
    assert stale.status_code == 409
    assert re.search(r"changed this request meanwhile", stale.body.decode())
    assert clerk.get(REQUESTS + "?status=lost").status_code == 400
