"""Collection KPIs through real Chalice routing against in-process moto: a statement billed,
partly paid by cheque through the API, the upkeep's KPI folds run as the aging upkeep runs
them, and the report (rates, DSO, the aging at month end, the stages); every invalid request
refused naming its field."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from chalice.test import Client

from civiq.billing.adapters.dynamodb import DynamoStatements
from civiq.collections.adapters.dynamodb_aging import DynamoAgingCells
from civiq.collections.adapters.dynamodb_kpis import DynamoCollectionKpis
from civiq.collections.domain.kpis import months_ending
from civiq.collections.services.kpi_fold import FoldCollectionKpis
from tests.helpers.aging import billed_to
from tests.helpers.api import call
from tests.helpers.builders import open_body
from tests.helpers.statement_builders import issue_with_ledger, issued_entry

API = "/api/v1/utility"
KPIS = "/api/v1/ar/kpis"
TODAY = datetime.now(ZoneInfo("America/Toronto")).date()  # the API's "today"
DUE_MONTH_START = (TODAY - timedelta(days=100)).replace(day=1)  # a month whose 60 days are over
DUE = DUE_MONTH_START + timedelta(days=5)


@pytest.fixture
def client(chalice_app: Any) -> Any:
    with Client(chalice_app) as test_client:
        yield test_client


def fold(day: date) -> int:
    return FoldCollectionKpis(DynamoAgingCells(), DynamoCollectionKpis(), lambda: day)().due_dates


@pytest.fixture
def folded(client: Client) -> dict[str, Any]:
    """A person billed 100.00 due early in a month whose 60 days are over (billed 20 days
    before), who paid 40.00 by cheque; the KPIs folded from that month's first due date's 61st
    day, then today."""
    since = (TODAY - timedelta(days=400)).isoformat()
    body = {
        **open_body(autopay=False),
        "services": [{"service_type": "water", "start_date": since}],
    }
    opened = call(client, "POST", f"{API}/accounts", body)
    assert opened.status_code == 201, opened.json_body
    person = opened.json_body
    statement = billed_to(person["id"], person["account_number"], DUE, water="100.00")
    issued = DUE - timedelta(days=20)
    statement = replace(
        statement, issued_at=datetime(issued.year, issued.month, issued.day, 15, tzinfo=UTC)
    )
    assert issue_with_ledger(DynamoStatements(), statement, issued_entry(statement))
    assert fold(DUE_MONTH_START + timedelta(days=61)) == 1
    cheque = {
        "amount": "40.00",
        "method": "cheque",
        "received_on": TODAY.isoformat(),
        "reference": "cheque 7",
    }
    paid = call(
        client, "POST", f"{API}/accounts/{person['id']}/payments", cheque, key=str(uuid.uuid4())
    )
    assert paid.status_code == 201, paid.json_body
    assert fold(TODAY) > 28  # the rest of that month's due dates, and on to today's
    return dict(person)


def test_the_report_shows_each_months_rate_dso_and_aging(
    client: Client, folded: dict[str, Any]
) -> None:
    answer = call(client, "GET", f"{KPIS}?months=6")

    assert answer.status_code == 200, answer.json_body
    body = answer.json_body
    assert body["as_of"] == TODAY.isoformat()
    assert [m["month"] for m in body["months"]] == months_ending(TODAY, 6)
    by_month = {m["month"]: m for m in body["months"]}
    due_month = by_month[f"{DUE:%Y-%m}"]
    assert due_month["collection_rate_60"] == {
        "status": "measured",
        "billed": "100.00",
        "collected": "40.00",
        "rate": "0.4000",
    }
    this_month = by_month[f"{TODAY:%Y-%m}"]
    assert this_month["collection_rate_60"]["status"] == "pending"
    assert this_month["collection_rate_60"]["rate"] is None
    yesterday = TODAY - timedelta(days=1)
    latest = by_month[f"{yesterday:%Y-%m}"]
    assert latest["aging"]["as_of"] == yesterday.isoformat()
    assert latest["aging"]["total"] == {"amount": "60.00", "items": 1, "accounts": 1}
    # nothing billed in the 90 days before yesterday: no DSO, the receivables all the same
    assert latest["dso"] == {
        "as_of": yesterday.isoformat(),
        "receivables": "60.00",
        "billed_90_days": "0.00",
        "days": None,
    }
    assert body["stages"] == []
    default = call(client, "GET", KPIS).json_body
    assert len(default["months"]) == 12


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("months=0", "months"),
        ("months=25", "months"),
        ("months=many", "months"),
        ("as_of=1", "as_of"),
    ],
)
def test_an_invalid_request_is_refused_naming_the_field(
    client: Client, query: str, field: str
) -> None:
    answer = call(client, "GET", f"{KPIS}?{query}")

    assert answer.status_code == 400, answer.json_body
    assert answer.json_body["error"]["field"] == field


def test_a_clerk_needs_to_be_signed_in(client: Client) -> None:
    assert client.http.get(KPIS).status_code == 401
