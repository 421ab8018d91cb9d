"""Processor events that cannot be posted become processor exceptions staff decide: a signed
webhook goes through the real Chalice routing to the queue (moto), the real worker
(functions/processor_events) reads it from there, and clerks list, read and decide the
exceptions through the API. Transient failures still fail the message, for SQS to retry."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from types import ModuleType, SimpleNamespace
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from botocore.stub import Stubber
from chalice.test import Client

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.domain.accounts import AccountStatus
from civiq.billing.adapters.dynamodb import DynamoStatements
from civiq.core.audit import AuditEntry
from civiq.core.events import Actor
from civiq.ledger.adapters.dynamodb_postings import DynamoPayments
from civiq.ledger.domain.journal import LedgerMoved
from civiq.ledger.services import posting
from civiq.payments.adapters.dynamodb_processor_events import ProcessorEventItem
from civiq.payments.domain.webhooks import sign
from civiq.platform.dynamodb.outbox import DynamoOutbox
from infra.local import dynamodb_transactions
from tests.helpers.api import API, call, ok
from tests.helpers.builders import open_body
from tests.helpers.emulator import BUS, LEDGER_TABLE, REGION, TABLE, WEBHOOK_SECRET
from tests.helpers.handlers import Context, load_handler, sqs_event
from tests.helpers.statement_builders import issue_with_ledger, statement
from tests.helpers.stores import NOW, Stores

EXCEPTIONS = f"{API}/processor-exceptions"
WEBHOOK = f"{API}/webhooks/payments"


@pytest.fixture
def processor_queue(aws: None, monkeypatch: pytest.MonkeyPatch) -> str:
    url = boto3.client("sqs", region_name=REGION).create_queue(QueueName="processor")["QueueUrl"]
    monkeypatch.setenv("PROCESSOR_EVENTS_QUEUE_URL", url)
    return str(url)


@pytest.fixture
def client(chalice_app: Any, processor_queue: str) -> Any:
    with Client(chalice_app) as test_client:
        yield test_client


@pytest.fixture
def worker(aws: None, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    dynamodb_transactions.install()
    monkeypatch.setenv("TABLE_NAME", TABLE)
    monkeypatch.setenv("LEDGER_TABLE_NAME", LEDGER_TABLE)
    monkeypatch.setenv("EVENT_BUS_NAME", BUS)
    return load_handler("processor_events")


@pytest.fixture
def account(client: Client) -> dict[str, Any]:
    """An account owing one statement."""
    opened = ok(call(client, "POST", f"{API}/accounts", open_body()), 201)
    issued = statement(
        account_id=opened["id"],
        account_number=opened["account_number"],
        statement_id=f"{opened['account_number']}-20261130",
    )
    entry = AuditEntry("E1", f"ACCOUNT#{opened['id']}", "StatementCreated", "b", "s", NOW, "c", {})
    issue_with_ledger(DynamoStatements(), issued, entry)
    return dict(opened)


def mistyped(number: str) -> str:
    """``number`` with a wrong check digit."""
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def event(
    event_id: str,
    account_number: str,
    kind: str = "payment.succeeded",
    amount: str = "25.00",
    **data: Any,
) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": kind,
        "created": int(time.time()),
        "data": {
            "payment_id": f"pay_{event_id.removeprefix('evt_')}",
            "amount": amount,
            "currency": "CAD",
            "method": "card",
            "account_number": account_number,
            **data,
        },
    }


def send(client: Client, body: dict[str, Any]) -> Any:
    raw = json.dumps(body).encode()
    return client.http.post(
        WEBHOOK,
        headers={
            "Content-Type": "application/json",
            "Civiq-Signature": sign(raw, WEBHOOK_SECRET, int(time.time())),
        },
        body=raw,
    )


def work(worker: ModuleType, queue: str) -> dict[str, Any]:
    """The worker's answer to what the webhook queued, as SQS would deliver it; the messages
    are taken off the queue (a failed one is delivered again by the test, as SQS would)."""
    sqs = boto3.client("sqs", region_name=REGION)
    found = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    for message in found:
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    return dict(worker.handler(sqs_event([m["Body"] for m in found]), Context()))


def deliver(client: Client, worker: ModuleType, queue: str, body: dict[str, Any]) -> None:
    """A signed event acknowledged by the webhook and handled by the worker without failing."""
    assert ok(send(client, body)) == {"received": body["id"]}
    assert work(worker, queue) == {"batchItemFailures": []}


def listed(client: Client, status: str = "open") -> list[dict[str, Any]]:
    return list(ok(call(client, "GET", f"{EXCEPTIONS}?status={status}"))["items"])


def decide(client: Client, event_id: str, body: dict[str, Any]) -> Any:
    return call(client, "POST", f"{EXCEPTIONS}/{event_id}/decision", body)


def payments_of(client: Client, account_id: str) -> list[dict[str, Any]]:
    return list(ok(call(client, "GET", f"{API}/accounts/{account_id}/payments"))["items"])


def balance(client: Client, account_id: str) -> D:
    return D(ok(call(client, "GET", f"{API}/accounts/{account_id}/ledger"))["balance"])


def test_a_wrong_check_digit_is_acknowledged_then_waits_for_a_clerk(
    client: Client, worker: ModuleType, processor_queue: str, account: dict[str, Any]
) -> None:
    deliver(
        client, worker, processor_queue, event("evt_typo1", mistyped(account["account_number"]))
    )

    (waiting,) = listed(client)
    assert waiting["event_id"] == "evt_typo1"
    assert waiting["reason"] == "invalid-account-number"
    assert "check digit" in waiting["explanation"]
    assert waiting["processor_payment_id"] == "pay_typo1"
    assert (waiting["amount"], waiting["currency"]) == ("25.00", "CAD")
    assert waiting["account_number"] == mistyped(account["account_number"])
    assert waiting["status"] == "open" and waiting["can_post"] is True
    assert listed(client, "resolved") == []
    assert payments_of(client, account["id"]) == []


def test_the_same_event_again_is_one_exception(
    client: Client, worker: ModuleType, processor_queue: str, account: dict[str, Any]
) -> None:
    body = event("evt_twice1", mistyped(account["account_number"]))
    deliver(client, worker, processor_queue, body)
    deliver(client, worker, processor_queue, body)
    assert [e["event_id"] for e in listed(client)] == ["evt_twice1"]


def test_resolving_posts_the_payment_once_with_the_processors_reference(
    client: Client, worker: ModuleType, processor_queue: str, account: dict[str, Any]
) -> None:
    owed = balance(client, account["id"])
    deliver(client, worker, processor_queue, event("evt_fix1", mistyped(account["account_number"])))
    decision = {"action": "post", "account": account["account_number"], "note": "typo in number"}

    first = ok(decide(client, "evt_fix1", decision))
    again = ok(decide(client, "evt_fix1", decision))

    assert first == again
    assert first["status"] == "resolved" and first["resolution"] == "posted"
    assert first["account_id"] == account["id"] and first["decided_by"] == "staff-7"
    (paid,) = payments_of(client, account["id"])
    assert (paid["payment_id"], paid["amount"]) == ("pay_fix1", "25.00")
    assert paid["reference"] == "pay_fix1"  # the processor's payment id
    assert balance(client, account["id"]) == owed - D("25.00")
    assert listed(client) == []
    assert [e["event_id"] for e in listed(client, "resolved")] == ["evt_fix1"]

    detail = ok(call(client, "GET", f"{EXCEPTIONS}/evt_fix1"))
    assert detail["exception"] == first
    assert [h["action"] for h in detail["history"]] == [
        "ProcessorExceptionRecorded",
        "ProcessorExceptionResolved",
    ]
    recorded, resolved = detail["history"]
    assert recorded["actor"]["subject"] == "payment-processor"
    assert resolved["actor"] == {"subject": "staff-7", "role": "clerk"}
    assert resolved["changes"]["status"] == {"before": "open", "after": "resolved"}
    assert resolved["changes"]["account_id"] == {"before": None, "after": account["id"]}


def test_a_later_event_of_a_resolved_payment_goes_to_the_account_the_clerk_chose(
    client: Client, worker: ModuleType, processor_queue: str, account: dict[str, Any]
) -> None:
    owed = balance(client, account["id"])
    wrong = mistyped(account["account_number"])
    deliver(client, worker, processor_queue, event("evt_later1", wrong))
    ok(decide(client, "evt_later1", {"action": "post", "account": account["id"], "note": "typo"}))

    refunded = event(
        "evt_later1refund", wrong, "payment.refunded", refund={"id": "re_later1", "amount": "5.00"}
    )
    refunded["data"]["payment_id"] = "pay_later1"
    deliver(client, worker, processor_queue, refunded)

    assert listed(client) == []
    assert balance(client, account["id"]) == owed - D("20.00")


def test_a_refund_decision_posts_nothing_and_the_payment_cannot_be_posted_after(
    client: Client, worker: ModuleType, processor_queue: str, account: dict[str, Any]
) -> None:
    owed = balance(client, account["id"])
    deliver(client, worker, processor_queue, event("evt_back1", "UB99999997"))
    (waiting,) = listed(client)
    assert waiting["reason"] == "unknown-account"

    refunded = ok(decide(client, "evt_back1", {"action": "refund", "note": "not one of ours"}))
    assert refunded["status"] == "resolved" and refunded["resolution"] == "refund"
    assert refunded["account_id"] is None

    late = decide(client, "evt_back1", {"action": "post", "account": account["id"], "note": "x12"})
    assert late.status_code == 409, late.json_body
    assert balance(client, account["id"]) == owed
    assert payments_of(client, account["id"]) == []


def test_money_that_cannot_be_taken_waits_to_be_refunded(
    client: Client, worker: ModuleType, processor_queue: str, account: dict[str, Any]
) -> None:
    number = account["account_number"]
    in_dollars = event("evt_usd1", number, currency="USD")
    unknown_kind = event("evt_captured1", number, kind="payment.captured")
    nothing_owed = event("evt_zero1", number, amount="0.00")
    for body in (in_dollars, unknown_kind, nothing_owed):
        deliver(client, worker, processor_queue, body)
    # a type we do not know that carries no money is acknowledged and ignored
    deliver(
        client,
        worker,
        processor_queue,
        {"id": "evt_customer1", "type": "customer.updated", "created": 1, "data": {"id": "c1"}},
    )

    reasons = {e["event_id"]: (e["reason"], e["can_post"]) for e in listed(client)}
    assert reasons == {
        "evt_usd1": ("unsupported-currency", False),
        "evt_captured1": ("unknown-event-type", False),
        "evt_zero1": ("unsupported-amount", False),
    }
    refused = decide(client, "evt_usd1", {"action": "post", "account": number, "note": "try it"})
    assert refused.status_code == 409, refused.json_body
    assert payments_of(client, account["id"]) == []


@pytest.mark.parametrize("stores", ["dynamodb"], indirect=True)
def test_a_closed_account_pays_its_holders_one_new_account_else_waits(
    client: Client, worker: ModuleType, processor_queue: str, stores: Stores
) -> None:
    moved = stores.open("Chloé Côté", "5 Rue Laval")
    new_home = stores.open("Chloé Côté", "9 Rue Notre-Dame", customer=moved.holder.customer_id)
    gone = stores.open("Luc Roy", "12 Rue Champlain")
    for closed in (moved, gone):
        stores.revise(closed, replace(closed, status=AccountStatus.CLOSED, closed_at=NOW))

    deliver(client, worker, processor_queue, event("evt_moved1", moved.account_number))
    deliver(client, worker, processor_queue, event("evt_gone1", gone.account_number))

    assert DynamoPayments().find(new_home.account_id, "pay_moved1") is not None
    assert DynamoPayments().find(moved.account_id, "pay_moved1") is None
    (waiting,) = listed(client)
    assert (waiting["event_id"], waiting["reason"]) == ("evt_gone1", "closed-account")
    assert DynamoAccountRepository().get(gone.account_id).status is AccountStatus.CLOSED


def test_bad_decisions_are_refused_naming_the_field(
    client: Client, worker: ModuleType, processor_queue: str, account: dict[str, Any]
) -> None:
    deliver(client, worker, processor_queue, event("evt_bad1", "UB99999997"))
    cases = [
        ({"action": "post", "note": "no account"}, 400, "account"),
        ({"action": "refund", "account": account["id"], "note": "both"}, 400, "account"),
        ({"action": "post", "account": "UB-0000000-1", "note": "a typo"}, 400, "account"),
        ({"action": "post", "account": "UB99999997", "note": "nobody"}, 404, "account"),
        ({"action": "keep", "note": "what"}, 400, "action"),
        ({"action": "refund"}, 400, "note"),
    ]
    for body, status, field in cases:
        answer = decide(client, "evt_bad1", body)
        assert (answer.status_code, answer.json_body["error"]["field"]) == (status, field), body
    unknown = decide(client, "evt_none1", {"action": "refund", "note": "who?"})
    assert unknown.status_code == 404
    assert call(client, "GET", f"{EXCEPTIONS}/evt_none1").status_code == 404
    assert call(client, "GET", f"{EXCEPTIONS}?status=closed").status_code == 400
    assert listed(client)[0]["status"] == "open"


def test_the_list_pages(
    client: Client, worker: ModuleType, processor_queue: str, account: dict[str, Any]
) -> None:
    for n in range(3):
        deliver(client, worker, processor_queue, event(f"evt_page{n}", "UB99999997"))
    first = ok(call(client, "GET", f"{EXCEPTIONS}?limit=2"))
    rest = ok(call(client, "GET", f"{EXCEPTIONS}?limit=2&cursor={first['next_cursor']}"))
    seen = [e["event_id"] for e in first["items"] + rest["items"]]
    assert sorted(seen) == ["evt_page0", "evt_page1", "evt_page2"]
    assert len(first["items"]) == 2


# ------------------------------------------------------------------ transient failures


def test_throttling_fails_the_message_for_sqs_to_retry(
    client: Client, worker: ModuleType, processor_queue: str, account: dict[str, Any]
) -> None:
    owed = balance(client, account["id"])
    body = event("evt_throttled1", account["account_number"])
    assert ok(send(client, body)) == {"received": "evt_throttled1"}
    message = sqs_event([json.dumps(body)])
    with Stubber(events_client()) as stubber:
        stubber.add_client_error("put_item", "ProvisionedThroughputExceededException")
        with pytest.raises(BatchProcessingError):  # its only message failed: SQS retries it
            worker.handler(message, Context())
    assert listed(client) == []
    assert worker.handler(message, Context()) == {"batchItemFailures": []}  # SQS delivers again
    assert balance(client, account["id"]) == owed - D("25.00")


def test_ledger_contention_fails_the_message_for_sqs_to_retry(
    client: Client,
    worker: ModuleType,
    processor_queue: str,
    account: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    owed = balance(client, account["id"])
    body = event("evt_busy1", account["account_number"])
    message = sqs_event([json.dumps(body)])
    monkeypatch.setattr(posting, "time", SimpleNamespace(sleep=lambda seconds: None))
    ledger = worker.apply_event().poster.books.ledger

    def busy(*args: Any, **kwargs: Any) -> bool:
        raise LedgerMoved(account["id"])

    with monkeypatch.context() as busy_ledger:
        busy_ledger.setattr(ledger, "post", busy)
        with pytest.raises(BatchProcessingError):
            worker.handler(message, Context())
    assert listed(client) == []
    assert worker.handler(message, Context()) == {"batchItemFailures": []}
    assert balance(client, account["id"]) == owed - D("25.00")


def events_client() -> Any:
    """The botocore client under the processor-event store's PynamoDB model."""
    return ProcessorEventItem._get_connection().connection.client


def test_a_decision_made_twice_is_published_and_kept_in_the_history_once(
    client: Client, worker: ModuleType, processor_queue: str, account: dict[str, Any]
) -> None:
    deliver(client, worker, processor_queue, event("evt_audit1", "UB99999997"))
    for _ in range(2):
        ok(decide(client, "evt_audit1", {"action": "refund", "note": "returned to the card"}))

    detail = ok(call(client, "GET", f"{EXCEPTIONS}/evt_audit1"))
    recorded, refunded = detail["history"]
    assert (recorded["action"], refunded["action"]) == (
        "ProcessorExceptionRecorded",
        "ProcessorExceptionResolved",
    )
    assert refunded["changes"]["resolution"] == {"before": None, "after": "refund"}
    assert detail["exception"]["decided_at"] == refunded["occurred_at"]
    # published on the bus right after each commit: nothing is left for the outbox relay
    later = datetime.now(UTC) + timedelta(days=1)
    left = {e.event_id for e in DynamoOutbox().pending(later, 100)}
    assert {recorded["entry_id"], refunded["entry_id"]} & left == set()


def test_events_that_disagree_wait_to_be_refunded(
    client: Client, worker: ModuleType, processor_queue: str, account: dict[str, Any]
) -> None:
    paid = event("evt_paid1", account["account_number"])
    deliver(client, worker, processor_queue, paid)
    disagreeing = event(
        "evt_paid1refund",
        account["account_number"],
        "payment.refunded",
        amount="26.00",
        refund={"id": "re_paid1", "amount": "5.00"},
    )
    disagreeing["data"]["payment_id"] = "pay_paid1"
    deliver(client, worker, processor_queue, disagreeing)

    (waiting,) = listed(client)
    assert (waiting["event_id"], waiting["reason"]) == ("evt_paid1refund", "contradictory-events")
    assert waiting["can_post"] is False
    assert [p["payment_id"] for p in payments_of(client, account["id"])] == ["pay_paid1"]


def test_a_refusal_of_the_ledger_keeps_the_payment_on_its_account(
    client: Client, worker: ModuleType, processor_queue: str, account: dict[str, Any]
) -> None:
    deliver(client, worker, processor_queue, event("evt_kept1", account["account_number"]))
    worker.apply_event().poster.refund_payment(
        account["id"],
        "pay_kept1",
        "RF-1",
        D("25.00"),
        "paid twice",
        Actor("s-1", "supervisor"),
        "c",
    )
    disputed = event(
        "evt_kept1dispute",
        account["account_number"],
        "payment.disputed",
        dispute={"id": "dp_kept1", "amount": "25.00"},
    )
    disputed["data"]["payment_id"] = "pay_kept1"
    deliver(client, worker, processor_queue, disputed)

    (waiting,) = listed(client)
    assert (waiting["reason"], waiting["candidates"]) == ("refused-by-ledger", [account["id"]])
    assert "nothing to refund" in waiting["explanation"]
    back = decide(client, "evt_kept1dispute", {"action": "refund", "note": "give it back"})
    assert back.status_code == 409, back.json_body
    again = decide(
        client, "evt_kept1dispute", {"action": "post", "account": account["id"], "note": "retry"}
    )
    assert again.status_code == 400, again.json_body  # the ledger still refuses: it stays open
    assert listed(client)[0]["status"] == "open"


def test_a_payment_the_processor_dates_before_the_account_opened_waits_for_a_clerk(
    client: Client, worker: ModuleType, processor_queue: str, account: dict[str, Any]
) -> None:
    """The account opened today: a payment the processor took three days ago was not for it (or
    its date is wrong). It is acknowledged and kept for a clerk with the dates, not posted."""
    owed = balance(client, account["id"])
    early = event("evt_early1", account["account_number"])
    early["created"] = int(time.time()) - 3 * 86_400
    deliver(client, worker, processor_queue, early)

    (waiting,) = listed(client)
    assert (waiting["event_id"], waiting["reason"]) == ("evt_early1", "refused-by-ledger")
    assert "before the account opened on" in waiting["explanation"]
    assert payments_of(client, account["id"]) == []
    assert balance(client, account["id"]) == owed


def test_a_payment_the_processor_dates_days_ahead_waits_for_a_clerk(
    client: Client, worker: ModuleType, processor_queue: str, account: dict[str, Any]
) -> None:
    """A processor's clock a few hours ahead is its tomorrow and our today (posted today); a date
    days ahead is not a clock: it is kept for a clerk, not posted."""
    ahead = event("evt_soon1", account["account_number"])
    ahead["created"] = int(time.time()) + 12 * 3600
    deliver(client, worker, processor_queue, ahead)
    assert [p["payment_id"] for p in payments_of(client, account["id"])] == ["pay_soon1"]

    later = event("evt_later1", account["account_number"])
    later["created"] = int(time.time()) + 5 * 86_400
    deliver(client, worker, processor_queue, later)
    (waiting,) = listed(client)
    assert (waiting["event_id"], waiting["reason"]) == ("evt_later1", "refused-by-ledger")
    assert "cannot be received in the future" in waiting["explanation"]
    assert [p["payment_id"] for p in payments_of(client, account["id"])] == ["pay_soon1"]
