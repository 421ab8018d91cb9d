"""A resident's service requests through the portal's pages (Chalice routing over in-process
moto): opened once however often the form is sent, listed, answered in a thread; a billing
dispute pauses the account's real collection case at once; every refusal names its field."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from chalice.test import Client

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from tests.helpers.api import call, ok
from tests.helpers.builders import OPEN_BODY, open_body
from tests.helpers.owing_books import owe_on
from tests.helpers.web import Browser

API = "/api/v1/utility"
NEXT_DOOR = {"street": "102 Main St", "city": "Ottawa", "province": "ON", "postal_code": "K1P 1J1"}


@pytest.fixture
def staff(chalice_app: Any) -> Any:
    with Client(chalice_app) as client:
        yield client


@pytest.fixture
def resident(staff: Client, portal_app: Any, workflows: None) -> Browser:
    """A resident signed in to the portal with an account a clerk opened, owing a statement
    that fell due ten days ago (``workflows`` after both apps: their settings then name the
    stand-in state machines)."""
    account = dict(ok(call(staff, "POST", f"{API}/accounts", open_body()), 201))
    account["statement_id"] = owe_on(account, date.today() - timedelta(days=10))
    browser = Browser(Client(portal_app))
    number = AccountNumberScheme().display(account["account_number"])
    postal_code = account["service_address"]["postal_code"]
    signed_in = browser.post("/portal", {"account_number": number, "postal_code": postal_code})
    assert signed_in.status_code == 303
    browser.account = account
    return browser


def new_form(browser: Browser) -> dict[str, str]:
    page = browser.get("/portal/requests/new").body.decode()
    key = re.search(r'name="request_key" value="([^"]+)"', page)
    assert key
    return {"request_key": key.group(1)}


def test_a_leak_is_reported_once_however_often_the_form_is_sent(resident: Browser) -> None:
    form = new_form(resident) | {
        "kind": "leak",
        "subject": "Water at the meter",
        "description": "Water has been pooling under the meter since last night.",
    }
    first = resident.post("/portal/requests", form)
    again = resident.post("/portal/requests", form)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    page = resident.get(first.headers["Location"]).body.decode()
    assert "Water at the meter" in page and "Your request was sent" in page
    listing = resident.get("/portal/requests").body.decode()
    assert listing.count("Water at the meter") == 1


def test_a_billing_dispute_pauses_the_collection_case_at_once(
    resident: Browser, staff: Client
) -> None:
    account = resident.account
    ok(call(staff, "POST", "/api/v1/ar/cases", {"account_id": account["id"]}), 201)
    form = new_form(resident) | {
        "kind": "billing-dispute",
        "statement_id": account["statement_id"],
        "subject": "Impossible consumption",
        "description": "The house was empty for the whole period.",
    }
    assert resident.post("/portal/requests", form).status_code == 303
    cases = ok(call(staff, "GET", f"{API}/accounts/{account['id']}/collection-cases"))["cases"]
    assert (cases[0]["status"], cases[0]["paused_by"]) == ("paused", "dispute")


def test_staff_answer_and_the_resident_replies_in_one_thread(
    resident: Browser, staff: Client
) -> None:
    form = new_form(resident) | {
        "kind": "stop-service",
        "subject": "Moving out",
        "description": "I am moving out on the 30th.",
    }
    page = resident.post("/portal/requests", form).headers["Location"]
    request_id = page.split("/")[-1].split("?")[0]
    reply = {"text": "We will read the meter on the 30th."}
    ok(call(staff, "POST", f"{API}/service-requests/{request_id}/replies", reply))
    answered = resident.post(f"/portal/requests/{request_id}/replies", {"text": "Thank you!"})
    assert answered.status_code == 303
    thread = resident.get(f"/portal/requests/{request_id}").body.decode()
    assert thread.index("We will read the meter") < thread.index("Thank you!")
    assert "Utility billing staff" in thread


def test_every_refusal_names_its_field_and_opens_nothing(resident: Browser) -> None:
    form = new_form(resident) | {
        "kind": "leak",
        "subject": "",
        "statement_id": "",
        "description": "",
    }
    refused = resident.post("/portal/requests", form)
    assert refused.status_code == 400
    page = refused.body.decode()
    assert 'href="#subject"' in page and 'href="#description"' in page
    dispute = new_form(resident) | {"kind": "billing-dispute", "subject": "s", "description": "d"}
    assert 'href="#statement_id"' in resident.post("/portal/requests", dispute).body.decode()
    no_kind = resident.post("/portal/requests", new_form(resident) | {"subject": "s"})
    assert 'href="#kind"' in no_kind.body.decode()
    assert "Water" not in resident.get("/portal/requests").body.decode()
    assert "You have no service requests" in resident.get("/portal/requests").body.decode()


def test_another_accounts_request_is_not_found(resident: Browser, staff: Client) -> None:
    elsewhere = {**OPEN_BODY["property"], "roll_number": None, "address": NEXT_DOOR}
    other = dict(ok(call(staff, "POST", f"{API}/accounts", open_body(property=elsewhere)), 201))
    body = {"kind": "leak", "subject": "Theirs", "description": "Not yours."}
    theirs = ok(
        call(staff, "POST", f"{API}/accounts/{other['id']}/service-requests", body, key="k-123456"),
        201,
    )
    assert resident.get(f"/portal/requests/{theirs['id']}").status_code == 404
    reply = resident.post(f"/portal/requests/{theirs['id']}/replies", {"text": "hi"})
    assert reply.status_code == 404


def test_a_dispute_names_one_of_the_accounts_own_statements(
    resident: Browser, staff: Client
) -> None:
    elsewhere = {**OPEN_BODY["property"], "roll_number": None, "address": NEXT_DOOR}
    other = dict(ok(call(staff, "POST", f"{API}/accounts", open_body(property=elsewhere)), 201))
    theirs = owe_on(other, date.today() - timedelta(days=10))
    form = new_form(resident) | {
        "kind": "billing-dispute",
        "statement_id": theirs,
        "subject": "Not my bill",
        "description": "This statement is the neighbour's.",
    }
    refused = resident.post("/portal/requests", form)
    assert refused.status_code == 400
    assert 'href="#statement_id"' in refused.body.decode()
    assert "Not my bill" not in resident.get("/portal/requests").body.decode()


def test_a_closed_request_takes_no_more_replies(resident: Browser, staff: Client) -> None:
    form = new_form(resident) | {"kind": "other", "subject": "A question", "description": "Hi."}
    request_id = resident.post("/portal/requests", form).headers["Location"].split("/")[-1]
    request_id = request_id.split("?")[0]
    status = {"status": "closed", "version": 1}
    ok(call(staff, "POST", f"{API}/service-requests/{request_id}/status", status))
    late = resident.post(f"/portal/requests/{request_id}/replies", {"text": "One more thing"})
    assert late.status_code == 409
    page = late.body.decode()
    assert "This request is closed" in page and "One more thing" not in page
