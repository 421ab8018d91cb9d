"""Receivables aging through real Chalice routing against in-process moto: statements issued
with their charges posted, a cheque paying part of them, and the report, its filters, the
drill-down from customers to accounts to their items, and every invalid request named."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from chalice.test import Client

from civiq.billing.adapters.dynamodb import DynamoStatements
from tests.helpers.aging import billed_to
from tests.helpers.api import call
from tests.helpers.builders import open_body, with_path
from tests.helpers.statement_builders import issue_with_ledger, issued_entry

API = "/api/v1/utility"
AGING = "/api/v1/ar/aging"
TODAY = datetime.now(ZoneInfo("America/Toronto")).date()  # the API's "today"
SERVED_SINCE = TODAY - timedelta(days=400)


@pytest.fixture
def client(chalice_app: Any) -> Any:
    with Client(chalice_app) as test_client:
        yield test_client


def opened(client: Client, body: dict[str, Any]) -> dict[str, Any]:
    served = [
        {"service_type": kind, "start_date": SERVED_SINCE.isoformat()}
        for kind in ("water", "sewer", "stormwater", "waste")
    ]
    answer = call(client, "POST", f"{API}/accounts", {**body, "services": served})
    assert answer.status_code == 201, answer.json_body
    return dict(answer.json_body)


def issue(account: dict[str, Any], days_ago: int, **amounts: str) -> None:
    due = TODAY - timedelta(days=days_ago)
    statement = billed_to(account["id"], account["account_number"], due, **amounts)
    assert issue_with_ledger(DynamoStatements(), statement, issued_entry(statement))


@pytest.fixture
def owing(client: Client) -> dict[str, dict[str, Any]]:
    """A person owing four statements (130, 40 and 5 days past due, and one not due), who paid
    70.00 of the oldest by cheque, in a semi-detached house; a shop (commercial) on route R7
    owing one 31 days past due."""
    person = opened(client, open_body(autopay=False))
    shop_body = with_path(open_body(autopay=False), "customer.kind", "organization")
    shop_body = with_path(shop_body, "customer.name", "Boulangerie Laval")
    shop_body = with_path(shop_body, "property.roll_number", ...)
    shop_body = with_path(shop_body, "property.route", "R7")
    shop_body = with_path(shop_body, "property.property_type", "commercial")
    shop_body = with_path(shop_body, "property.address.street", "9 Rue Principale")
    shop = opened(client, shop_body)
    issue(person, 130, water="60.00", sewer="40.00")
    issue(person, 40, water="25.00")
    issue(person, 5, waste="20.00")
    issue(person, -10, water="15.00")
    issue(shop, 31, sewer="80.00")
    cheque = {
        "amount": "70.00",
        "method": "cheque",
        "received_on": TODAY.isoformat(),
        "reference": "cheque 12",
    }
    paid = call(
        client, "POST", f"{API}/accounts/{person['id']}/payments", cheque, key=str(uuid.uuid4())
    )
    assert paid.status_code == 201, paid.json_body
    return {"person": person, "shop": shop}


def aging(client: Client, **query: Any) -> Any:
    answer = call(client, "GET", f"{AGING}?{urlencode(query)}" if query else AGING)
    assert answer.status_code == 200, answer.json_body
    return answer.json_body


def owed(body: dict[str, Any]) -> dict[str, str]:
    return {b["bucket"]: b["amount"] for b in body["buckets"] if b["amount"] != "0.00"}


def test_the_report_buckets_what_is_owed_by_due_date(
    client: Client, owing: dict[str, dict[str, Any]]
) -> None:
    body = aging(client)

    assert body["as_of"] == TODAY.isoformat()
    assert [b["bucket"] for b in body["buckets"]] == [
        "current", "1-30", "31-60", "61-90", "91-120", "120+",
    ]  # fmt: skip
    assert owed(body) == {"current": "15.00", "1-30": "20.00", "31-60": "105.00", "120+": "30.00"}
    assert body["total"] == {"amount": "170.00", "items": 5, "accounts": 2}
    assert body["credit"] == {"amount": "0.00", "accounts": 0}
    assert body["rows"] is None and body["next_cursor"] is None
    assert body["compared"] == []  # no snapshot taken yet
    later = aging(client, as_of=(TODAY + timedelta(days=30)).isoformat())
    assert owed(later) == {"1-30": "15.00", "31-60": "20.00", "61-90": "105.00", "120+": "30.00"}


def test_the_filters_narrow_by_who_owes_and_what_for(
    client: Client, owing: dict[str, dict[str, Any]]
) -> None:
    assert owed(aging(client, customer_class="commercial")) == {"31-60": "80.00"}
    assert owed(aging(client, route="R7")) == {"31-60": "80.00"}
    assert owed(aging(client, route="R7", customer_class="residential")) == {}
    assert owed(aging(client, service="water")) == {
        "current": "15.00",
        "31-60": "25.00",
        "120+": "18.00",  # 30.00 still owed on water 60.00 and sewer 40.00
    }
    assert owed(aging(client, department="fees")) == {}
    assert owed(aging(client, revenue_type="sewer", department="utility")) == {
        "31-60": "80.00",
        "120+": "12.00",
    }


def test_the_drill_down_goes_from_customers_to_accounts_to_items(
    client: Client, owing: dict[str, dict[str, Any]]
) -> None:
    person, shop = owing["person"], owing["shop"]

    customers = aging(client, by="customer")["rows"]
    first = aging(client, by="account", limit=1)
    rest = aging(client, by="account", limit=1, cursor=first["next_cursor"])
    mine = aging(client, by="account", customer_id=shop["holder"]["customer_id"])["rows"]
    items = call(client, "GET", f"{AGING}/accounts/{person['id']}").json_body

    assert [(r["kind"], r["name"], r["total"]) for r in customers] == [
        ("customer", "Élise Tremblay", "90.00"),  # 30.00 over 120 days: first
        ("customer", "Boulangerie Laval", "80.00"),
    ]
    assert [r["id"] for r in first["rows"]] == [person["id"]]
    assert first["rows"][0]["buckets"]["120+"] == "30.00"
    assert [r["id"] for r in rest["rows"]] == [shop["id"]] and rest["next_cursor"] is None
    assert [(r["account_number"], r["total"]) for r in mine] == [(shop["account_number"], "80.00")]
    assert [(i["days_past_due"], i["bucket"], i["owed"]) for i in items["items"]] == [
        (130, "120+", "30.00"),
        (40, "31-60", "25.00"),
        (5, "1-30", "20.00"),
        (0, "current", "15.00"),
    ]
    assert items["items"][0]["by_revenue"] == [
        {"department": "utility", "service": "sewer", "revenue_type": "sewer", "owed": "12.00"},
        {"department": "utility", "service": "water", "revenue_type": "water", "owed": "18.00"},
    ]
    assert items["buckets"]["120+"] == "30.00" and items["credit"] == "0.00"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("customer_class=alien", "customer_class"),
        ("route=r7", "route"),
        ("department=water", "department"),
        ("service=gas", "service"),
        ("revenue_type=Water", "revenue_type"),
        ("by=street", "by"),
        ("limit=0", "limit"),
        ("as_of=2026-13-01", "as_of"),
        ("customer_id=someone", "customer_id"),
        ("colour=blue", "colour"),
    ],
)
def test_an_invalid_request_is_refused_naming_the_field(
    client: Client, query: str, field: str
) -> None:
    answer = call(client, "GET", f"{AGING}?{query}")

    assert answer.status_code == 400, answer.json_body
    assert answer.json_body["error"]["field"] == field


def test_an_unknown_cursor_or_account_is_not_found(client: Client) -> None:
    cursor = call(client, "GET", f"{AGING}?by=account&cursor=nothing")
    account = call(client, "GET", f"{AGING}/accounts/01J00000000000000000000000")

    assert (cursor.status_code, cursor.json_body["error"]["field"]) == (404, "cursor")
    assert account.status_code == 404
