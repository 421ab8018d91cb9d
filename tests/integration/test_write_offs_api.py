"""Write-offs through real Chalice routing against in-process moto: a clerk writes off within
authority (the ledger, the record and the account's history written together), a clerk above
it is refused on ``amount`` with nothing written, a supervisor writes off more; the same
write_off_id again changes nothing; a later payment reinstates the arrears through the
write-off function's PaymentPosted consumer; a supervisor reverses a write-off; the daily
small-balance run writes off what an account no longer served still owes."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import boto3
import pytest
from chalice.test import Client

from civiq.billing.adapters.dynamodb import DynamoStatements
from civiq.core.staff import Role
from civiq.platform.dynamodb.audit import DynamoAuditLog
from civiq.platform.dynamodb.keys import ACCOUNT_SK
from infra.local.lambda_runtime import import_isolated
from tests.helpers.alerts import Timed
from tests.helpers.api import call, ok
from tests.helpers.builders import open_body, with_path
from tests.helpers.emulator import REGION, TABLE
from tests.helpers.files import REPO, load_event
from tests.helpers.handlers import Context, queue_of, sqs_event
from tests.helpers.statement_builders import issue_with_ledger, issued_entry, owing_statement

API = "/api/v1/utility"
WRITE_OFFS = "/api/v1/ar/write-offs"
WRITE_OFF_ID = "01JWR1TE0FF000000000000001"


@pytest.fixture
def client(chalice_app: Any) -> Any:
    with Client(chalice_app) as test_client:
        yield test_client


def owing(client: Client, total: str = "240.00", days_past_due: int = 10) -> dict[str, Any]:
    """An open account with a statement of ``total`` that fell due ``days_past_due`` ago."""
    opened = with_path(open_body(), "property.roll_number", ...)  # each its own property
    account = dict(ok(call(client, "POST", f"{API}/accounts", opened), 201))
    due = date.today() - timedelta(days=days_past_due)
    statement = owing_statement(account["id"], account["account_number"], due, total)
    assert issue_with_ledger(DynamoStatements(), statement, issued_entry(statement))
    return account


def body(account: dict[str, Any], amount: str, **more: Any) -> dict[str, Any]:
    return {
        "account_id": account["id"],
        "amount": amount,
        "reason_category": "uncollectable",
        "reason": "the holder left no forwarding address",
        **more,
    }


def ledger(client: Client, account: dict[str, Any]) -> Any:
    return ok(call(client, "GET", f"{API}/accounts/{account['id']}/ledger"))


def test_a_clerk_writes_off_within_authority(client: Client) -> None:
    account = owing(client)

    made = ok(call(client, "POST", WRITE_OFFS, body(account, "80.00")), 201)

    assert (made["amount"], made["authority"], made["left"]) == (
        "80.00",
        "clerk-within-authority",
        "80.00",
    )
    books = ledger(client, account)
    assert [(e["kind"], e["amount"]) for e in books["items"]][-1] == ("write-off", "-80.00")
    assert books["balance"] == "160.00"
    history = DynamoAuditLog().entries_for(f"ACCOUNT#{account['id']}", 50, None).items
    assert "ArrearsWrittenOff" in {e.action for e in history}
    assert ok(call(client, "GET", f"{WRITE_OFFS}/{made['write_off_id']}")) == made


def test_a_clerk_above_authority_is_refused_on_amount_and_nothing_is_written(
    client: Client,
) -> None:
    account = owing(client)

    refused = call(client, "POST", WRITE_OFFS, body(account, "100.01", write_off_id=WRITE_OFF_ID))

    assert refused.status_code == 400, refused.json_body
    error = refused.json_body["error"]
    assert error["field"] == "amount"
    assert "100.00" in error["message"] and "supervisor" in error["message"]
    assert ledger(client, account)["balance"] == "240.00"
    assert call(client, "GET", f"{WRITE_OFFS}/{WRITE_OFF_ID}").status_code == 404
    assert ok(call(client, "GET", WRITE_OFFS, None))["items"] == []
    by_supervisor = call(client, "POST", WRITE_OFFS, body(account, "240.00"), role=Role.SUPERVISOR)
    assert ok(by_supervisor, 201)["authority"] == "supervisor"


def test_more_than_owed_or_an_unknown_account_is_refused(client: Client) -> None:
    account = owing(client)

    above = call(client, "POST", WRITE_OFFS, body(account, "240.01"), role=Role.SUPERVISOR)
    unknown = call(client, "POST", WRITE_OFFS, body({"id": "01J00000000000000000000000"}, "1.00"))

    assert above.status_code == 400 and above.json_body["error"]["field"] == "amount"
    assert unknown.status_code == 404, unknown.json_body


def test_the_same_write_off_id_again_changes_nothing(client: Client) -> None:
    account = owing(client)
    sent = body(account, "50.00", write_off_id=WRITE_OFF_ID)

    first = ok(call(client, "POST", WRITE_OFFS, sent), 201)
    again = ok(call(client, "POST", WRITE_OFFS, sent), 200)

    assert again == first
    assert ledger(client, account)["balance"] == "190.00"
    listed = ok(call(client, "GET", f"{WRITE_OFFS}?account_id={account['id']}"))
    assert listed == {"items": [first], "next_cursor": None}
    other = owing(client)
    taken = call(client, "POST", WRITE_OFFS, body(other, "50.00", write_off_id=WRITE_OFF_ID))
    assert taken.status_code == 409, taken.json_body


def test_write_offs_are_listed_newest_first_page_by_page(client: Client) -> None:
    account = owing(client)
    made = [ok(call(client, "POST", WRITE_OFFS, body(account, f"{n}.00")), 201) for n in (1, 2, 3)]

    first = ok(call(client, "GET", f"{WRITE_OFFS}?limit=2"))
    second = ok(call(client, "GET", f"{WRITE_OFFS}?limit=2&cursor={first['next_cursor']}"))

    assert [w["amount"] for w in first["items"] + second["items"]] == ["3.00", "2.00", "1.00"]
    assert second["next_cursor"] is None and len(made) == 3
    missing = call(client, "GET", f"{WRITE_OFFS}?account_id=01J00000000000000000000000")
    assert missing.status_code == 404


def function() -> Any:
    return import_isolated(
        REPO / "functions" / "write_offs",
        REPO / "functions" / "write_offs" / "handler.py",
        "_write_offs_test",
    )


def test_a_later_payment_reinstates_the_written_off_arrears(client: Client) -> None:
    queue = queue_of("PaymentPosted", "write-off-payments")
    account = owing(client)
    made = ok(call(client, "POST", WRITE_OFFS, body(account, "240.00"), role=Role.SUPERVISOR), 201)
    payment = {"amount": "300.00", "method": "cheque", "received_on": date.today().isoformat()}
    path = f"{API}/accounts/{account['id']}/payments"
    ok(call(client, "POST", path, payment, key=str(uuid.uuid4())), 201)
    sqs = boto3.client("sqs", region_name=REGION)
    bodies = [
        m["Body"] for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    ]

    consumer = function()
    answer = consumer.reinstatements(sqs_event(bodies), Context())
    again = consumer.reinstatements(sqs_event(bodies), Context())  # delivered twice

    assert answer == again == {"batchItemFailures": []}
    after = ok(call(client, "GET", f"{WRITE_OFFS}/{made['write_off_id']}"))
    assert (after["reinstated"], after["left"]) == ("240.00", "0.00")
    books = ledger(client, account)
    assert [(e["kind"], e["amount"]) for e in books["items"]][-1] == ("write-off", "240.00")
    assert books["balance"] == "-60.00"  # the rest of the payment is a credit


def test_a_bad_record_fails_alone(client: Client) -> None:
    """A payment to an account without write-offs reinstates nothing; an unreadable record is
    reported back alone."""
    answer = function().reinstatements(load_event("sqs/payment_posted_with_poison.json"), Context())

    assert answer == {"batchItemFailures": [{"itemIdentifier": "7d3c9e2a-0002"}]}


def test_a_supervisor_reverses_a_write_off_made_in_error(client: Client) -> None:
    account = owing(client)
    made = ok(call(client, "POST", WRITE_OFFS, body(account, "90.00")), 201)
    reverse = f"{WRITE_OFFS}/{made['write_off_id']}/reverse"
    reason = {"reason": "written off the wrong account"}

    by_clerk = call(client, "POST", reverse, reason)
    reversed_ = ok(call(client, "POST", reverse, reason, role=Role.SUPERVISOR))
    again = ok(call(client, "POST", reverse, reason, role=Role.SUPERVISOR))

    assert by_clerk.status_code == 403
    assert reversed_ == again and (reversed_["left"], reversed_["reinstated"]) == ("0.00", "90.00")
    assert ledger(client, account)["balance"] == "240.00"
    unknown = call(
        client,
        "POST",
        f"{WRITE_OFFS}/01J00000000000000000000000/reverse",
        reason,
        role=Role.SUPERVISOR,
    )
    assert unknown.status_code == 404


def test_the_daily_run_writes_off_small_balances_of_accounts_no_longer_served(
    client: Client,
) -> None:
    closing = owing(client, total="7.50", days_past_due=95)
    served = owing(client, total="7.50", days_past_due=95)
    boto3.client("dynamodb", region_name=REGION).update_item(  # its final bill went out
        TableName=TABLE,
        Key={"PK": {"S": f"ACCOUNT#{closing['id']}"}, "SK": {"S": ACCOUNT_SK}},
        UpdateExpression="SET #status = :final",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":final": {"S": "final-billed"}},
    )

    swept = function().small_balances(
        load_event("schedule/small_balance_write_offs_daily.json"), Timed()
    )

    assert swept["written_off"] == 1 and swept["complete"]
    assert ledger(client, closing)["balance"] == "0.00"
    assert ledger(client, served)["balance"] == "7.50"
    (made,) = ok(call(client, "GET", f"{WRITE_OFFS}?account_id={closing['id']}"))["items"]
    assert (made["authority"], made["reason_category"]) == (
        "automatic-small-balance",
        "small-balance",
    )
