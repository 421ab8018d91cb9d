"""Staff payments, refunds, dishonoured cheques, the ledger and the processor's webhook, through
real Chalice routing against in-process moto."""

from __future__ import annotations

import json
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal as D
from typing import Any

import boto3
import pytest
from chalice.test import Client

from civiq.billing.adapters.dynamodb import DynamoStatements
from civiq.core.audit import AuditEntry
from civiq.core.staff import Role
from civiq.payments.domain.webhooks import sign
from tests.helpers.api import call
from tests.helpers.builders import open_body
from tests.helpers.emulator import REGION, WEBHOOK_SECRET
from tests.helpers.statement_builders import issue_with_ledger, statement
from tests.helpers.stores import NOW

API = "/api/v1/utility"
WEBHOOK = f"{API}/webhooks/payments"
RECEIVED = date.today() - timedelta(days=1)  # a local date in any time zone
SERVED_SINCE = date.today() - timedelta(days=90)  # the account takes payments from then


def cheque(amount: str = "60.00", **overrides: Any) -> dict[str, Any]:
    return {
        "amount": amount,
        "method": "cheque",
        "received_on": RECEIVED.isoformat(),
        "reference": "cheque 1042",
        "payer_name": "Élise Côté",
        **overrides,
    }


@pytest.fixture
def client(chalice_app: Any) -> Any:
    with Client(chalice_app) as test_client:
        yield test_client


@pytest.fixture
def account(client: Client) -> dict[str, Any]:
    """An account served for three months, owing one 100.00 statement."""
    served = [
        {"service_type": kind, "start_date": SERVED_SINCE.isoformat()}
        for kind in ("water", "sewer", "stormwater", "waste")
    ]
    opened = call(client, "POST", f"{API}/accounts", open_body(services=served)).json_body
    issued = statement(
        account_id=opened["id"],
        account_number=opened["account_number"],
        statement_id=f"{opened['account_number']}-20261130",
    )
    entry = AuditEntry("E1", f"ACCOUNT#{opened['id']}", "StatementCreated", "b", "s", NOW, "c", {})
    issue_with_ledger(DynamoStatements(), issued, entry)
    opened["owed"] = f"{issued.bill.total:.2f}"
    opened["statement_id"] = issued.statement_id
    return opened


def ledger(client: Client, account: dict[str, Any]) -> Any:
    return call(client, "GET", f"{API}/accounts/{account['id']}/ledger").json_body


def test_a_clerk_records_a_cheque_and_the_balance_goes_down(
    client: Client, account: dict[str, Any]
) -> None:
    path = f"{API}/accounts/{account['id']}/payments"
    response = call(client, "POST", path, cheque(), key=str(uuid.uuid4()))

    assert response.status_code == 201, response.json_body
    payment = response.json_body
    assert response.headers["Location"] == f"{path}/{payment['payment_id']}"
    assert payment["applied"] == [{"statement_id": account["statement_id"], "amount": "60.00"}]
    books = ledger(client, account)
    assert [e["kind"] for e in books["items"]] == ["charge", "payment"]
    assert books["items"][-1]["amount"] == "-60.00"
    assert float(books["balance"]) == pytest.approx(float(account["owed"]) - 60)
    listed = call(client, "GET", path).json_body["items"]
    assert [p["payment_id"] for p in listed] == [payment["payment_id"]]
    one = call(client, "GET", f"{path}/{payment['payment_id']}").json_body
    assert one == payment


@pytest.mark.parametrize(
    ("received_on", "says"),
    [
        (SERVED_SINCE - timedelta(days=1), f"before the account opened on {SERVED_SINCE}"),
        (date.today() + timedelta(days=2), "in the future"),
    ],
    ids=["before-opening", "future"],
)
def test_a_payment_dated_before_the_account_opened_or_after_today_is_400(
    client: Client, account: dict[str, Any], received_on: date, says: str
) -> None:
    path = f"{API}/accounts/{account['id']}/payments"
    body = cheque(received_on=received_on.isoformat())
    response = call(client, "POST", path, body, key=str(uuid.uuid4()))
    assert response.status_code == 400, response.json_body
    error = response.json_body["error"]
    assert (error["code"], error["field"]) == ("invalid_input", "received_on")
    assert says in error["message"]
    assert [e["kind"] for e in ledger(client, account)["items"]] == ["charge"]


def test_a_payment_received_the_day_the_account_opened_is_posted(
    client: Client, account: dict[str, Any]
) -> None:
    path = f"{API}/accounts/{account['id']}/payments"
    body = cheque(received_on=SERVED_SINCE.isoformat())
    assert call(client, "POST", path, body, key=str(uuid.uuid4())).status_code == 201


def test_a_retry_with_the_same_key_gets_the_first_answer_and_pays_once(
    client: Client, account: dict[str, Any]
) -> None:
    path = f"{API}/accounts/{account['id']}/payments"
    key = str(uuid.uuid4())
    first = call(client, "POST", path, cheque(), key=key)
    again = call(client, "POST", path, cheque(), key=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json_body == first.json_body
    assert len(ledger(client, account)["items"]) == 2


def test_the_same_key_with_another_body_is_refused(client: Client, account: dict[str, Any]) -> None:
    path = f"{API}/accounts/{account['id']}/payments"
    key = str(uuid.uuid4())
    call(client, "POST", path, cheque("60.00"), key=key)
    response = call(client, "POST", path, cheque("61.00"), key=key)
    assert response.status_code == 422
    assert response.json_body["error"]["field"] == "Idempotency-Key"
    assert len(ledger(client, account)["items"]) == 2


@pytest.mark.parametrize(
    ("key", "body", "field"),
    [
        (None, cheque(), "Idempotency-Key"),
        ("short", cheque(), "Idempotency-Key"),
        ("k" * 20, cheque("60.001"), "amount"),
        ("k" * 21, cheque("-5.00"), "amount"),
        ("k" * 22, cheque(method="card"), "method"),
        ("k" * 23, cheque("0.00"), "amount"),
        ("k" * 24, cheque(received_on=(RECEIVED + timedelta(days=4)).isoformat()), "received_on"),
        ("k" * 25, {**cheque(), "extra": 1}, "extra"),
    ],
)
def test_bad_payments_are_refused_naming_the_field(
    client: Client, account: dict[str, Any], key: str | None, body: dict[str, Any], field: str
) -> None:
    response = call(client, "POST", f"{API}/accounts/{account['id']}/payments", body, key=key)
    assert response.status_code == 400, response.json_body
    assert response.json_body["error"]["field"] == field
    assert len(ledger(client, account)["items"]) == 1


@pytest.mark.parametrize("typed", ["60", "60.0", "60.00", " 60.00 "])
def test_a_clerk_types_an_amount_as_they_write_it(
    client: Client, account: dict[str, Any], typed: str
) -> None:
    path = f"{API}/accounts/{account['id']}/payments"
    posted = call(client, "POST", path, cheque(typed), key=f"typed-{typed.strip()}-0000000000")
    assert posted.status_code == 201, posted.json_body
    assert posted.json_body["amount"] == "60.00"


def test_a_wrong_amount_is_explained_in_words(client: Client, account: dict[str, Any]) -> None:
    path = f"{API}/accounts/{account['id']}/payments"
    refused = call(client, "POST", path, cheque("sixty"), key="w" * 20)
    assert refused.status_code == 400
    message = "amount: must be a positive amount in dollars and cents, like 150.00"
    assert refused.json_body["error"] == {
        "code": "invalid_input",
        "message": message,
        "field": "amount",
        "errors": [{"field": "amount", "message": message}],
    }


def test_every_account_route_takes_the_account_number_as_get_does(
    client: Client, account: dict[str, Any]
) -> None:
    for typed in (account["account_number"], account["account_number_display"]):
        path = f"{API}/accounts/{typed}/payments"
        posted = call(client, "POST", path, cheque("10.00"), key=f"by-number-{typed}-000000")
        assert posted.status_code == 201, posted.json_body
        assert posted.json_body["account_id"] == account["id"]
        listed = call(client, "GET", path)
        assert listed.status_code == 200
    assert len(ledger(client, account)["items"]) == 3  # the statement and both payments
    settings = call(
        client,
        "PUT",
        f"{API}/accounts/{account['account_number']}/settings",
        {"version": 1, "autopay": True},
    )
    assert settings.status_code == 200 and settings.json_body["autopay"] is True
    mistyped = account["account_number"][:-1] + str((int(account["account_number"][-1]) + 1) % 10)
    refused = call(client, "POST", f"{API}/accounts/{mistyped}/payments", cheque(), key="m" * 20)
    assert refused.status_code == 404 and refused.json_body["error"]["field"] == "id"  # a typo


def test_a_payment_to_an_unknown_account_is_404(client: Client, account: dict[str, Any]) -> None:
    unknown = "01JDX3V1Q8C7M2N4P6R8T0W2Y3"
    response = call(client, "POST", f"{API}/accounts/{unknown}/payments", cheque(), key="k" * 30)
    assert response.status_code == 404
    neither = call(client, "POST", f"{API}/accounts/nope/payments", cheque(), key="k" * 31)
    assert neither.status_code == 400 and neither.json_body["error"]["field"] == "id"


def test_refunds_are_for_supervisors(client: Client, account: dict[str, Any]) -> None:
    path = f"{API}/accounts/{account['id']}/payments"
    paid = call(client, "POST", path, cheque("150.00"), key=str(uuid.uuid4())).json_body
    refunds = f"{path}/{paid['payment_id']}/refunds"
    body = {"amount": "20.00", "reason": "paid twice"}

    assert call(client, "POST", refunds, body, key="r" * 20).status_code == 403
    refunded = call(client, "POST", refunds, body, Role.SUPERVISOR, key="r" * 20)
    assert refunded.status_code == 201, refunded.json_body
    too_much = {"amount": "130.01", "reason": "all of it"}
    refused = call(client, "POST", refunds, too_much, Role.SUPERVISOR, key="r" * 21)
    assert refused.status_code == 400
    assert refused.json_body["error"]["field"] == "amount"
    payment = call(client, "GET", f"{path}/{paid['payment_id']}").json_body
    assert payment["refunded"] == "20.00"
    assert [e["kind"] for e in ledger(client, account)["items"]] == ["charge", "payment", "refund"]


def test_a_dishonoured_cheque_is_reversed_with_the_nsf_fee(
    client: Client, account: dict[str, Any]
) -> None:
    path = f"{API}/accounts/{account['id']}/payments"
    paid = call(client, "POST", path, cheque(), key=str(uuid.uuid4())).json_body
    before = ledger(client, account)["balance"]
    response = call(
        client,
        "POST",
        f"{path}/{paid['payment_id']}/dishonour",
        {"reason": "NSF"},
        key=str(uuid.uuid4()),
    )
    assert response.status_code == 200, response.json_body
    assert response.json_body["status"] == "dishonoured"
    books = ledger(client, account)
    assert [e["kind"] for e in books["items"]][-2:] == ["reversal", "fee"]
    assert float(books["balance"]) == pytest.approx(float(before) + 60 + 45)
    assert books["open_items"][account["statement_id"]] == account["owed"]


def test_a_supervisor_adjusts_a_balance_up_or_down(client: Client, account: dict[str, Any]) -> None:
    path = f"{API}/accounts/{account['id']}/adjustments"
    credit = {"amount": "-25.00", "reason": "leak repaired within 30 days"}
    assert call(client, "POST", path, credit, key="adjust-key-1").status_code == 403
    entry = call(client, "POST", path, credit, Role.SUPERVISOR, key="adjust-key-1")
    assert entry.status_code == 201, entry.json_body
    assert (entry.json_body["kind"], entry.json_body["amount"]) == ("adjustment", "-25.00")
    charge = {"amount": "12.00", "reason": "meter tampering fee"}
    call(client, "POST", path, charge, Role.SUPERVISOR, key="adjust-key-2")
    books = ledger(client, account)
    assert D(books["balance"]) == D(account["owed"]) - D("25.00") + D("12.00")
    assert books["open_items"][account["statement_id"]] == f"{D(account['owed']) - 25:.2f}"
    zero = {"amount": "0.00", "reason": "nothing"}
    refused = call(client, "POST", path, zero, Role.SUPERVISOR, key="adjust-key-3")
    assert refused.status_code == 400
    assert refused.json_body["error"]["field"] == "amount"


def test_the_ledger_pages_in_order(client: Client, account: dict[str, Any]) -> None:
    path = f"{API}/accounts/{account['id']}/payments"
    for n in range(3):
        call(client, "POST", path, cheque(f"1.0{n}"), key=f"page-key-{n:04d}")
    first = call(client, "GET", f"{API}/accounts/{account['id']}/ledger?limit=2").json_body
    rest = call(
        client,
        "GET",
        f"{API}/accounts/{account['id']}/ledger?limit=2&cursor={first['next_cursor']}",
    ).json_body
    sequences = [e["sequence"] for e in first["items"] + rest["items"]]
    assert sequences == [1, 2, 3, 4]
    assert rest["next_cursor"] is None


# ---------------------------------------------------------------- the processor's webhook


@pytest.fixture
def processor_queue(monkeypatch: pytest.MonkeyPatch, aws: None) -> str:
    url = boto3.client("sqs", region_name=REGION).create_queue(QueueName="processor")["QueueUrl"]
    monkeypatch.setenv("PROCESSOR_EVENTS_QUEUE_URL", url)
    return str(url)


def processor_event(account_number: str, event_id: str = "evt_1") -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "type": "payment.succeeded",
            "created": int(time.time()),
            "data": {
                "payment_id": "pay_1",
                "amount": "25.00",
                "currency": "CAD",
                "method": "card",
                "account_number": account_number,
            },
        }
    ).encode()


def deliver(client: Client, body: bytes, signature: str | None) -> Any:
    sent = {"Content-Type": "application/json"}
    if signature is not None:
        sent["Civiq-Signature"] = signature
    return client.http.post(WEBHOOK, headers=sent, body=body)


def queued(url: str) -> list[str]:
    sqs = boto3.client("sqs", region_name=REGION)
    found = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [m["Body"] for m in found]


def test_a_signed_delivery_is_queued_and_acknowledged(client: Client, processor_queue: str) -> None:
    body = processor_event("UB00000018")
    response = deliver(client, body, sign(body, WEBHOOK_SECRET, int(time.time())))
    assert response.status_code == 200, response.json_body
    assert response.json_body == {"received": "evt_1"}
    assert queued(processor_queue) == [body.decode()]


@pytest.mark.parametrize("case", ["unsigned", "wrong secret", "tampered", "replayed", "future"])
def test_unsigned_tampered_and_replayed_deliveries_are_refused(
    client: Client, processor_queue: str, case: str
) -> None:
    body = processor_event("UB00000018")
    now = int(time.time())
    signature = {
        "unsigned": None,
        "wrong secret": sign(body, "another-secret-of-at-least-32-characters", now),
        "tampered": sign(body.replace(b"25.00", b"2500.00"), WEBHOOK_SECRET, now),
        # a minute beyond the 300 s tolerance either way: a slow machine keeps them outside it
        "replayed": sign(body, WEBHOOK_SECRET, now - 360),
        "future": sign(body, WEBHOOK_SECRET, now + 360),
    }[case]
    response = deliver(client, body, signature)
    assert response.status_code == 401
    assert response.json_body["error"]["field"] == "Civiq-Signature"
    assert queued(processor_queue) == []


def test_a_signed_but_malformed_event_is_refused_naming_the_field(
    client: Client, processor_queue: str
) -> None:
    body = processor_event("UB00000018").replace(b'"25.00"', b"25.0")
    response = deliver(client, body, sign(body, WEBHOOK_SECRET, int(time.time())))
    assert response.status_code == 400
    assert response.json_body["error"]["field"] == "data.amount"
    assert queued(processor_queue) == []


def test_an_event_over_the_size_limit_is_413(client: Client, processor_queue: str) -> None:
    event = json.loads(processor_event("UB00000018"))
    event["data"]["padding"] = "x" * 17_000
    body = json.dumps(event).encode()
    response = deliver(client, body, sign(body, WEBHOOK_SECRET, int(time.time())))
    assert response.status_code == 413
    assert response.json_body["error"]["code"] == "payload_too_large"
    assert queued(processor_queue) == []


def test_a_stack_without_a_webhook_secret_refuses_deliveries(
    chalice_app: Any, processor_queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WEBHOOK_SECRET_ID")
    with Client(chalice_app) as unconfigured:
        body = processor_event("UB00000018")
        answer = deliver(unconfigured, body, sign(body, WEBHOOK_SECRET, int(time.time())))
    assert answer.status_code == 503
    assert answer.json_body["error"]["code"] == "not_configured"
    assert queued(processor_queue) == []
