"""Collection agencies through real Chalice routing against in-process moto: a supervisor keeps
the roster (refused field by field, at the version read), refers an account (its case held, its
history saying so; refused with the field named, writing nothing), recalls it (the case goes on
where it left off); an agency's remittance posts payments with its commission (one bad line:
nothing written); the daily function writes each agency's file, read back through the API."""

from __future__ import annotations

import csv
import io
import itertools
import json
from datetime import date, datetime, timedelta
from typing import Any

import boto3
import pytest
from chalice.test import Client

from civiq.billing.adapters.dynamodb import DynamoStatements
from civiq.core.dates import MUNICIPAL_TIME_ZONE
from civiq.core.staff import Role
from tests.helpers.alerts import Timed
from tests.helpers.api import call
from tests.helpers.builders import open_body, with_path
from tests.helpers.emulator import BUCKET, REGION, TABLE
from tests.helpers.files import load_event
from tests.helpers.handlers import load_handler
from tests.helpers.statement_builders import issue_with_ledger, issued_entry, owing_statement

ACCOUNTS = "/api/v1/utility/accounts"
AGENCIES = "/api/v1/ar/agencies"
REFERRALS = "/api/v1/ar/referrals"
FILES = "/api/v1/ar/agency-files"
UNKNOWN = "01J00000000000000000000000"
SUPERVISOR = Role.SUPERVISOR
OPENED = itertools.count(1)  # each account at a street number of its own
ROSTER = [
    {
        "code": "northern",
        "name": "Northern Credit Services",
        "commission_percent": "25.00",
        "email": "accounts@northern.example.ca",
    },
    {"code": "southern", "name": "Southern Recovery", "commission_percent": "18.5"},
]


@pytest.fixture
def client(chalice_app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The API with a stand-in case workflow (executions started and stopped, not run)."""
    sfn = boto3.client("stepfunctions", region_name=REGION)
    definition = json.dumps({"StartAt": "Wait", "States": {"Wait": {"Type": "Pass", "End": True}}})
    machine = sfn.create_state_machine(
        name="case", definition=definition, roleArn="arn:aws:iam::123456789012:role/case"
    )
    monkeypatch.setenv("COLLECTION_CASE_STATE_MACHINE_ARN", machine["stateMachineArn"])
    with Client(chalice_app) as test_client:
        yield test_client


def owing(client: Client, total: str = "240.00", days: int = 40) -> dict[str, Any]:
    """An open account (at a property of its own) owing ``total`` on a statement due ``days``
    ago."""
    number = next(OPENED)
    body = with_path(open_body(), "property.roll_number", ...)
    body = with_path(body, "property.address.street", f"{number} Rue Principale")
    opened = call(client, "POST", ACCOUNTS, body)
    assert opened.status_code == 201, opened.json_body
    account = dict(opened.json_body)
    due = date.today() - timedelta(days=days)
    statement = owing_statement(account["id"], account["account_number"], due, total)
    assert issue_with_ledger(DynamoStatements(), statement, issued_entry(statement))
    return account


def contracted(client: Client) -> None:
    answer = call(client, "PUT", AGENCIES, {"version": 0, "agencies": ROSTER}, SUPERVISOR)
    assert answer.status_code == 200, answer.json_body


def refer(client: Client, account: dict[str, Any], agency: str = "northern", **more: Any) -> Any:
    body = {"account_id": account["id"], "agency": agency, **more}
    return call(client, "POST", REFERRALS, body, SUPERVISOR)


def case_of(client: Client, account: dict[str, Any]) -> dict[str, Any]:
    cases = call(client, "GET", f"{ACCOUNTS}/{account['id']}/collection-cases").json_body["cases"]
    return dict(cases[0])


def history(client: Client, account: dict[str, Any]) -> list[str]:
    found = call(client, "GET", f"{ACCOUNTS}/{account['id']}/history", None).json_body
    return [e["action"] for e in found["items"]]


def fields(answer: Any) -> list[str]:
    return [e["field"] for e in answer.json_body["error"]["errors"]]


# --- the roster ----------------------------------------------------------------------------------


def test_a_supervisor_keeps_the_roster_at_the_version_read(client: Client) -> None:
    assert call(client, "GET", AGENCIES).json_body == {"version": 0, "agencies": []}
    body = {"version": 0, "agencies": ROSTER}
    assert call(client, "PUT", AGENCIES, body).status_code == 403  # a clerk

    saved = call(client, "PUT", AGENCIES, body, SUPERVISOR)
    stale = call(client, "PUT", AGENCIES, body, SUPERVISOR)

    assert saved.status_code == 200, saved.json_body
    assert saved.json_body["version"] == 1
    assert [a["commission_percent"] for a in saved.json_body["agencies"]] == ["25.00", "18.50"]
    assert stale.status_code == 409 and stale.json_body["error"]["field"] == "version"
    assert call(client, "GET", AGENCIES).json_body == saved.json_body


def test_a_code_twice_or_a_commission_above_half_is_refused_by_field(client: Client) -> None:
    twice = {"version": 0, "agencies": [ROSTER[0], dict(ROSTER[1], code="northern")]}
    too_high = {"version": 0, "agencies": [dict(ROSTER[0], commission_percent="50.01")]}

    duplicate = call(client, "PUT", AGENCIES, twice, SUPERVISOR)
    greedy = call(client, "PUT", AGENCIES, too_high, SUPERVISOR)

    assert duplicate.status_code == 400, duplicate.json_body
    assert duplicate.json_body["error"]["field"] == "agencies[1].code"
    assert greedy.status_code == 400, greedy.json_body
    assert "commission_percent" in greedy.json_body["error"]["field"]
    assert call(client, "GET", AGENCIES).json_body["version"] == 0


# --- referrals and recalls -----------------------------------------------------------------------


def test_a_referral_holds_the_case_and_a_recall_lets_it_go_on(client: Client) -> None:
    contracted(client)
    account = owing(client)
    opened = call(client, "POST", "/api/v1/ar/cases", {"account_id": account["id"]})
    assert opened.status_code == 201, opened.json_body

    referred = refer(client, account, referral_id="01JREFERRA000000000000000A")
    again = refer(client, account, referral_id="01JREFERRA000000000000000A")

    assert referred.status_code == 201, referred.json_body
    body = referred.json_body
    assert (body["status"], body["amount"], body["agency"]) == ("referred", "240.00", "northern")
    assert (again.status_code, again.json_body) == (200, body)
    case = case_of(client, account)
    assert (case["status"], case["paused_by"]) == ("paused", f"agency:{body['referral_id']}")
    assert "AccountReferredToAgency" in history(client, account)
    path = f"{REFERRALS}/{body['referral_id']}"
    assert call(client, "GET", path).json_body == body
    listed = call(client, "GET", f"{REFERRALS}?agency=northern&status=referred").json_body
    assert [r["referral_id"] for r in listed["referrals"]] == [body["referral_id"]]
    assert call(client, "GET", f"{REFERRALS}?status=recalled").json_body["referrals"] == []

    recalled = call(client, "POST", f"{path}/recall", None, SUPERVISOR)

    assert recalled.status_code == 200, recalled.json_body
    assert recalled.json_body["status"] == "recalled"
    resumed = case_of(client, account)
    assert (resumed["status"], resumed["paused_by"]) == ("open", None)
    assert "AgencyReferralRecalled" in history(client, account)
    mine = call(client, "GET", f"{REFERRALS}?account_id={account['id']}").json_body
    assert [r["status"] for r in mine["referrals"]] == ["recalled"]


def test_refusals_name_the_field_and_write_nothing(client: Client) -> None:
    contracted(client)
    account = owing(client)
    paid_up = owing(client, days=-5)  # not due yet

    unknown_account = refer(client, {"id": UNKNOWN}, agency="nobody")
    unknown_agency = refer(client, account, agency="nobody")
    nothing_due = refer(client, paid_up)
    as_a_clerk = call(
        client, "POST", REFERRALS, {"account_id": account["id"], "agency": "northern"}
    )

    assert unknown_account.status_code == 404, unknown_account.json_body
    assert (unknown_agency.status_code, unknown_agency.json_body["error"]["field"]) == (
        400,
        "agency",
    )
    assert (nothing_due.status_code, nothing_due.json_body["error"]["field"]) == (409, "account_id")
    assert as_a_clerk.status_code == 403
    assert call(client, "GET", REFERRALS).json_body == {"referrals": [], "next_cursor": None}

    assert refer(client, account).status_code == 201
    twice = refer(client, account, agency="southern")
    assert (twice.status_code, twice.json_body["error"]["field"]) == (409, "account_id")
    assert len(call(client, "GET", REFERRALS).json_body["referrals"]) == 1
    assert call(client, "GET", f"{REFERRALS}/{UNKNOWN}").status_code == 404
    assert (
        call(client, "POST", f"{REFERRALS}/{UNKNOWN}/recall", None, SUPERVISOR).status_code == 404
    )


# --- remittances ---------------------------------------------------------------------------------


def balance(client: Client, account: dict[str, Any]) -> str:
    return str(call(client, "GET", f"{ACCOUNTS}/{account['id']}/ledger").json_body["balance"])


def test_a_remittance_posts_payments_with_the_agencys_commission(client: Client) -> None:
    contracted(client)
    first, second = owing(client, "240.00"), owing(client, "80.00")
    referral = refer(client, first).json_body
    refer(client, second)
    path = f"{AGENCIES}/northern/remittances"
    body = {
        "remittance_id": "NC-2027-001",
        "paid_on": date.today().isoformat(),
        "lines": [
            {"account_number": first["account_number_display"], "amount": "100.00"},
            {"account_number": second["account_number"], "amount": "80.00", "commission": "20.00"},
        ],
    }

    recorded = call(client, "POST", path, body, SUPERVISOR)
    again = call(client, "POST", path, body, SUPERVISOR)

    assert recorded.status_code == 201, recorded.json_body
    rem = recorded.json_body
    assert (rem["gross"], rem["commission"], rem["net"]) == ("180.00", "45.00", "135.00")
    assert (again.status_code, again.json_body) == (200, rem)
    assert call(client, "GET", f"{path}/NC-2027-001").json_body == rem
    assert (balance(client, first), balance(client, second)) == ("140.00", "0.00")
    after = call(client, "GET", f"{REFERRALS}/{referral['referral_id']}").json_body
    assert (after["status"], after["collected"], after["commission"]) == (
        "referred",
        "100.00",
        "25.00",
    )
    paid = call(client, "GET", f"{REFERRALS}?account_id={second['id']}").json_body["referrals"]
    assert [(r["status"], r["collected"]) for r in paid] == [("paid", "80.00")]
    payments = call(client, "GET", f"{ACCOUNTS}/{first['id']}/payments").json_body
    assert [(p["method"], p["channel"], p["amount"]) for p in payments["items"]] == [
        ("agency", "agency", "100.00")
    ]
    assert "AgencyCollectionReported" in history(client, first)


def test_a_remittance_with_a_bad_line_is_refused_whole(client: Client) -> None:
    contracted(client)
    referred_account, stranger = owing(client), owing(client)
    refer(client, referred_account)
    path = f"{AGENCIES}/northern/remittances"
    body = {
        "remittance_id": "NC-2027-002",
        "paid_on": date.today().isoformat(),
        "lines": [
            {"account_number": referred_account["account_number"], "amount": "100.00"},
            {"account_number": stranger["account_number"], "amount": "10.00"},
            {
                "account_number": referred_account["account_number"],
                "amount": "10.00",
                "commission": "9.00",
            },
        ],
    }

    refused = call(client, "POST", path, body, SUPERVISOR)

    assert refused.status_code == 400, refused.json_body
    assert fields(refused) == ["lines[1].account_number", "lines[2].commission"]
    assert balance(client, referred_account) == "240.00"
    assert call(client, "GET", f"{path}/NC-2027-002").status_code == 404
    unknown = call(client, "POST", f"{AGENCIES}/nobody/remittances", body, SUPERVISOR)
    assert unknown.status_code == 404


# --- the daily files -----------------------------------------------------------------------------


def test_the_daily_function_writes_each_agencys_file(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    contracted(client)
    first, second = owing(client), owing(client, "80.00")
    refer(client, first)
    recalled = refer(client, second, agency="southern").json_body
    call(client, "POST", f"{REFERRALS}/{recalled['referral_id']}/recall", None, SUPERVISOR)
    monkeypatch.setenv("TABLE_NAME", TABLE)
    monkeypatch.setenv("DOCUMENTS_BUCKET", BUCKET)
    files = load_handler("agency_files")
    day = datetime.now(MUNICIPAL_TIME_ZONE).date()  # the day, as the municipality counts it

    done = files.handler({"day": day.isoformat(), "id": "agency-run-1"}, Timed())
    again = files.handler({"day": day.isoformat(), "id": "agency-run-2"}, Timed())

    keys = [f"agency-files/northern/{day}.csv", f"agency-files/southern/{day}.csv"]
    assert done == again == {"day": day.isoformat(), "done": True, "files": keys}
    s3 = boto3.client("s3", region_name=REGION)
    text = s3.get_object(Bucket=BUCKET, Key=keys[1])["Body"].read().decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "line_type" and [r[0] for r in rows[1:]] == ["referral", "recall"]
    assert rows[1][2] == second["account_number_display"]
    assert rows[1][3] == second["holder"]["name"]
    due = (date.today() - timedelta(days=40)).isoformat()
    assert rows[1][11:] == ["80.00", due]

    listed = call(client, "GET", FILES).json_body
    assert [(f["agency"], f["referrals"], f["recalls"]) for f in listed["files"]] == [
        ("southern", 1, 1),
        ("northern", 1, 0),
    ]
    shown = call(client, "GET", f"{FILES}/southern/{day.isoformat()}")
    assert shown.status_code == 200, shown.json_body
    assert [x["line_type"] for x in shown.json_body["lines"]] == ["referral", "recall"]
    assert shown.json_body["url"].startswith("https://")
    assert call(client, "GET", f"{FILES}/southern/2001-01-01").status_code == 404
    # the schedule's event (06:00 UTC, 01:00 in Toronto) names the day that ended
    scheduled = load_event("schedules/agency_files_daily.json")
    assert files.day_of(scheduled, files.assemble().day_for) == date(2026, 11, 26)
