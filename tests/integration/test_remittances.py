"""Bank remittance files end to end in moto: uploaded through the API (real Chalice routing),
matched and posted by the remittance worker from its queue, exceptions decided by a clerk."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal as D
from types import ModuleType
from typing import Any

import boto3
import pytest
from chalice.test import Client

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.billing.adapters.dynamodb import DynamoStatements, post_to_statements
from civiq.core.audit import AuditEntry
from civiq.core.errors import InvalidInput
from civiq.core.staff import Role
from civiq.ledger.adapters.dynamodb_postings import DynamoLedger
from tests.helpers.api import token
from tests.helpers.builders import open_body
from tests.helpers.emulator import REGION
from tests.helpers.remittance_queue import drain
from tests.helpers.statement_builders import issue_with_ledger, statement
from tests.helpers.stores import NOW

API = "/api/v1/utility"
REMITTANCES = f"{API}/remittances"
NUMBERS = AccountNumberScheme()
PAID = (date.today() - timedelta(days=2)).isoformat()  # a past date in any time zone
SINCE = (date.today() - timedelta(days=60)).isoformat()  # the accounts' services started then


@pytest.fixture
def client(chalice_app: Any, remittance_queue: str) -> Any:
    with Client(chalice_app) as test_client:
        yield test_client


def open_account(
    client: Client, name: str, street: str, owed: str | None, since: str = SINCE
) -> dict[str, Any]:
    """An account whose services started on ``since``: it takes payments from that day."""
    body = open_body()
    body["customer"]["name"] = name
    body["property"]["address"]["street"] = street
    body["property"].pop("roll_number", None)
    body["services"] = [{"service_type": kind, "start_date": since} for kind in ("water", "sewer")]
    answer = client.http.post(
        f"{API}/accounts",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token(Role.CLERK)}",
        },
        body=json.dumps(body),
    )
    assert answer.status_code == 201, answer.json_body
    account = dict(answer.json_body)
    if owed is not None:
        issued = statement(
            account_id=account["id"],
            account_number=account["account_number"],
            statement_id=f"{account['account_number']}-20261130",
        )
        entry = AuditEntry("E", f"ACCOUNT#{account['id']}", "S", "b", "s", NOW, "c", {})
        issue_with_ledger(DynamoStatements(), issued, entry)
        account["owed"] = issued.bill.total
    return account


def upload(client: Client, text: str, role: Role = Role.CLERK) -> Any:
    return client.http.post(
        f"{REMITTANCES}?file_name=bank.csv",
        headers={"Content-Type": "text/csv", "Authorization": f"Bearer {token(role)}"},
        body=text.encode(),
    )


def get(client: Client, path: str) -> Any:
    answer = client.http.get(path, headers={"Authorization": f"Bearer {token(Role.CLERK)}"})
    assert answer.status_code == 200, answer.json_body
    return answer.json_body


def transposed(number: str) -> str:
    """The number without its prefix, two adjacent digits swapped so the check digit fails."""
    digits = number[2:]
    for i in range(len(digits) - 1, 0, -1):
        swapped = digits[: i - 1] + digits[i] + digits[i - 1] + digits[i + 1 :]
        if swapped != digits:
            try:
                NUMBERS.normalize(swapped)
            except InvalidInput:
                return swapped
    raise AssertionError(f"no transposition of {number} breaks its check digit")


def test_a_remittance_file_pays_the_right_accounts_once(
    client: Client, remittance_queue: str, remittance_worker: ModuleType
) -> None:
    marie = open_account(client, "Marie Tremblay", "1 Rue A", owed="x")
    paul = open_account(client, "Paul Gagnon", "2 Rue B", owed="x")
    lucie = open_account(client, "Lucie Roy", "3 Rue C", owed="x")
    owed = f"{lucie['owed']:.2f}"
    text = "\r\n".join(
        [
            "Date,Amount,Reference,Payer Name",
            f"{PAID},50.00,{marie['account_number_display']},MARIE TREMBLAY",
            f"{PAID},25.00,{transposed(paul['account_number'])},Paul Gagnon",
            f"{PAID},{owed},,Roy Lucie",  # no reference: name and amount
            f"{PAID},10.00,UB99999997,Unknown Payer",  # a valid number no account has
            f"{PAID},abc,UB00000018,Bad Amount",  # malformed: reported, not matched
        ]
    )

    answer = upload(client, text)

    assert answer.status_code == 202, answer.json_body
    uploaded = answer.json_body
    assert uploaded["lines"] == 4
    assert [(e["line_no"], e["field"]) for e in uploaded["errors"]] == [(6, "amount")]
    assert drain(remittance_queue, remittance_worker) == 1  # one chunk
    summary = get(client, answer.headers["Location"])
    assert (summary["status"], summary["posted"], summary["exceptions"]) == ("done", 3, 1)
    assert summary["auto_match_rate"] == "0.7500"
    ledger = DynamoLedger(post_to_statements)
    assert ledger.state(marie["id"]).balance == marie["owed"] - D("50.00")
    assert ledger.state(paul["id"]).balance == paul["owed"] - D("25.00")
    assert ledger.state(lucie["id"]).balance == 0
    lines = get(client, f"{answer.headers['Location']}/lines")["items"]
    assert [line["reason"] for line in lines] == [
        "exact",
        "check-digit-transposition",
        "name-and-amount",
        "unknown-account",
    ]

    # the same file again is the same file: nothing is matched or paid twice
    again = upload(client, text)
    assert again.status_code == 200
    assert again.json_body["remittance_id"] == uploaded["remittance_id"]
    assert drain(remittance_queue, remittance_worker) == 0
    assert ledger.state(marie["id"]).balance == marie["owed"] - D("50.00")


def test_a_clerk_posts_or_returns_what_the_matcher_was_not_sure_of(
    client: Client, remittance_queue: str, remittance_worker: ModuleType
) -> None:
    marie = open_account(client, "Marie Tremblay", "1 Rue A", owed="x")
    text = "\n".join(
        [
            "date,amount,reference,payer_name",
            f"{PAID},30.00,UB99999997,M Tremblay",
            f"{PAID},12.00,,Nobody Known",
        ]
    )
    location = upload(client, text).headers["Location"]
    drain(remittance_queue, remittance_worker)
    waiting = get(client, f"{API}/remittance-exceptions")["items"]
    assert [(w["line_no"], w["status"]) for w in waiting] == [(2, "exception"), (3, "exception")]

    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token(Role.CLERK)}"}
    decision = {"action": "post", "account_id": marie["id"], "note": "called the payer"}
    posted = client.http.post(
        f"{location}/lines/2/decision", headers=headers, body=json.dumps(decision)
    )
    assert posted.status_code == 200, posted.json_body
    assert posted.json_body["status"] == "resolved"
    again = client.http.post(
        f"{location}/lines/2/decision",
        headers=headers,
        body=json.dumps({"action": "return", "note": "changed my mind"}),
    )
    assert again.status_code == 409
    returned = client.http.post(
        f"{location}/lines/3/decision",
        headers=headers,
        body=json.dumps({"action": "return", "note": "not ours"}),
    )
    assert returned.json_body["status"] == "returned"
    assert DynamoLedger(post_to_statements).state(marie["id"]).balance == marie["owed"] - D("30.00")
    assert get(client, f"{API}/remittance-exceptions")["items"] == []
    summary = get(client, location)
    assert (summary["resolved"], summary["returned"], summary["exceptions"]) == (1, 1, 0)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("date,amount,reference\n2026-01-01,1.00,UB1", "file"),  # no payer_name column
        ("date,amount,reference,payer_name\n", "file"),  # no lines
        ("\xff\xfe".encode("latin-1").decode("latin-1") + "date", "file"),
    ],
)
def test_a_file_that_is_not_a_remittance_file_is_refused(
    client: Client, remittance_queue: str, text: str, field: str
) -> None:
    answer = upload(client, text)
    assert answer.status_code == 400, answer.json_body
    assert answer.json_body["error"]["field"] == field
    assert (
        boto3.client("sqs", region_name=REGION)
        .receive_message(QueueUrl=remittance_queue)
        .get("Messages", [])
        == []
    )


def test_every_line_of_a_file_sees_the_accounts_as_they_were_before_it(
    client: Client, remittance_queue: str, remittance_worker: ModuleType
) -> None:
    """A payer who paid the same bill twice at the bank: the second line finds the account as
    the first did (its bill unpaid), not as the first line left it, and goes to it too."""
    lucie = open_account(client, "Lucie Roy", "3 Rue C", owed="x")
    owed = f"{lucie['owed']:.2f}"
    text = "\n".join(
        [
            "date,amount,reference,payer_name",
            f"{PAID},{owed},,Lucie Roy",
            f"{PAID},{owed},,Lucie Roy",
        ]
    )
    location = upload(client, text).headers["Location"]
    drain(remittance_queue, remittance_worker)
    lines = get(client, f"{location}/lines")["items"]
    assert [(line["reason"], line["account_id"]) for line in lines] == [
        ("name-and-amount", lucie["id"]),
        ("name-and-amount", lucie["id"]),
    ]
    state = DynamoLedger(post_to_statements).state(lucie["id"])
    assert (state.balance, state.credit) == (-lucie["owed"], lucie["owed"])  # the second: a credit


def test_a_line_paid_before_its_account_opened_waits_for_a_clerk(
    client: Client, remittance_queue: str, remittance_worker: ModuleType
) -> None:
    """The number is exact, but the account opened after the bank took the money: it was meant
    for another account (or the date is wrong). Nothing is posted until a clerk decides, and a
    clerk cannot post it to an account opened after it either."""
    # yesterday here is no later than today in the municipality's time zone, and after PAID
    opened = (date.today() - timedelta(days=1)).isoformat()
    newcomer = open_account(client, "Marie Tremblay", "1 Rue A", owed=None, since=opened)
    earlier = open_account(client, "Marie Tremblay", "9 Rue Z", owed="x")
    text = "\n".join(
        [
            "date,amount,reference,payer_name",
            f"{PAID},30.00,{newcomer['account_number']},Marie Tremblay",
        ]
    )
    location = upload(client, text).headers["Location"]
    drain(remittance_queue, remittance_worker)
    (line,) = get(client, f"{location}/lines")["items"]
    assert (line["status"], line["reason"], line["account_id"]) == (
        "exception",
        "paid-before-opening",
        None,
    )
    assert line["candidates"][0] == newcomer["id"]
    ledger = DynamoLedger(post_to_statements)
    assert ledger.state(newcomer["id"]).balance == 0

    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token(Role.CLERK)}"}
    decision = {"action": "post", "account_id": newcomer["id"], "note": "same number"}
    refused = client.http.post(
        f"{location}/lines/2/decision", headers=headers, body=json.dumps(decision)
    )
    assert refused.status_code == 400, refused.json_body
    error = refused.json_body["error"]
    assert error["field"] == "account_id"
    assert f"before the account opened on {opened}" in error["message"]
    assert get(client, f"{location}/lines")["items"][0]["status"] == "exception"

    decision = {"action": "post", "account_id": earlier["id"], "note": "her previous account"}
    posted = client.http.post(
        f"{location}/lines/2/decision", headers=headers, body=json.dumps(decision)
    )
    assert posted.status_code == 200, posted.json_body
    assert ledger.state(earlier["id"]).balance == earlier["owed"] - D("30.00")
