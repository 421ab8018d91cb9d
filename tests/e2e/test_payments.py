"""Payments end to end in the local stack, as `make run` runs them: a cheque at the counter, a
card payment through the processor's signed webhook, an autopay charge answered by the sandbox
processor, and a bank remittance file each reduce the right balance exactly once, and each
payment gets its receipt in S3."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal as D
from typing import Any

import pytest
import requests

from civiq.billing.adapters.dynamodb import DynamoStatements
from civiq.core.audit import AuditEntry
from civiq.core.events import Actor, DomainEvent
from civiq.core.staff import Role
from civiq.payments.domain.webhooks import sign
from civiq.platform.dynamodb.table import configure_models
from civiq.platform.eventbridge import EventBridgePublisher
from infra.local.demo import Town, load_via_api, municipality
from infra.local.run import staff_token
from infra.local.stack import REGION, LocalStack
from tests.helpers.stack import http_sender
from tests.helpers.statement_builders import issue_with_ledger, statement

pytestmark = pytest.mark.e2e
API = "/api/v1/utility"
PAID = date.today() - timedelta(days=1)


def eventually(check: Callable[[], Any], seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


@pytest.fixture(scope="module")
def town(stack: LocalStack, api_url: str) -> dict[str, Any]:
    """Four accounts of a small town, each owing one statement (issued through the stack's own
    table), and a clerk's and a supervisor's senders."""
    clerk = http_sender(api_url, staff_token(stack, Role.CLERK))
    # a town of its own (its roll numbers differ from the other tests' towns in this stack)
    town = Town(name="Rivière-aux-Paiements", municipality_code="0411")
    accounts = load_via_api(municipality(properties=4, seed=21, town=town), clerk)[:4]
    tables = stack.outputs["MainTableName"], stack.outputs["LedgerTableName"]
    configure_models(*tables, REGION, stack.endpoint)
    for account in accounts:
        issued = statement(
            account_id=account["id"],
            account_number=account["account_number"],
            statement_id=f"{account['account_number']}-20261130",
            language=account["language"],
        )
        entry = AuditEntry(
            "E", f"ACCOUNT#{account['id']}", "S", "b", "s", issued.issued_at, "c", {}
        )
        issue_with_ledger(DynamoStatements(), issued, entry)
        account["statement"] = issued
    return {"accounts": accounts, "clerk": clerk}


def balance(api_url: str, token: str, account_id: str) -> D:
    answer = requests.get(
        f"{api_url}{API}/accounts/{account_id}/ledger",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return D(answer.json()["balance"])


def payments_of(api_url: str, token: str, account_id: str) -> list[dict[str, Any]]:
    answer = requests.get(
        f"{api_url}{API}/accounts/{account_id}/payments",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    return list(answer.json()["items"])


def test_a_cheque_a_webhook_payment_an_autopay_charge_and_a_bank_file_each_pay_once(
    stack: LocalStack, api_url: str, town: dict[str, Any]
) -> None:
    token = staff_token(stack, Role.CLERK)
    cheque_payer, card_payer, autopayer, bank_payer = town["accounts"]
    owed = {a["id"]: a["statement"].bill.total for a in town["accounts"]}

    # a cheque at the counter, sent twice with the same key
    key = str(uuid.uuid4())
    for _ in range(2):
        answer = requests.post(
            f"{api_url}{API}/accounts/{cheque_payer['id']}/payments",
            json={"amount": "40.00", "method": "cheque", "received_on": PAID.isoformat()},
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
            timeout=60,
        )
        assert answer.status_code == 201, answer.text

    # a card payment through the processor's webhook, delivered three times
    event = json.dumps(
        {
            "id": "evt_e2ecard1",
            "type": "payment.succeeded",
            "created": int(time.time()),
            "data": {
                "payment_id": "pay_e2ecard1",
                "amount": "25.50",
                "currency": "CAD",
                "method": "card",
                "account_number": card_payer["account_number"],
            },
        }
    ).encode()
    secret = stack.secret("PaymentWebhookSecret")
    for _ in range(3):
        delivered = requests.post(
            f"{api_url}{API}/webhooks/payments",
            data=event,
            headers={
                "Content-Type": "application/json",
                "Civiq-Signature": sign(event, secret, int(time.time())),
            },
            timeout=30,
        )
        assert delivered.status_code == 200, delivered.text

    # autopay: the account is flagged, its statement is announced, the sandbox answers
    account = requests.get(
        f"{api_url}{API}/accounts/{autopayer['id']}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ).json()
    flagged = requests.put(
        f"{api_url}{API}/accounts/{autopayer['id']}/settings",
        json={"version": account["version"], "autopay": True, "landlord_copies": False},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert flagged.status_code == 200, flagged.text
    issued = autopayer["statement"]
    announcement = DomainEvent(
        str(uuid.uuid4()),
        "StatementIssued",
        1,
        issued.issued_at,
        Actor("civiq-billing", "system"),
        "e2e-autopay",
        f"ACCOUNT#{autopayer['id']}",
        {
            "statement_id": issued.statement_id,
            "account_id": autopayer["id"],
            "account_number": autopayer["account_number"],
            "kind": "regular",
            "cycle_id": None,
            "run_id": None,
            "period_start": issued.bill.period_start.isoformat(),
            "period_end": issued.bill.period_end.isoformat(),
            "issued_on": issued.issued_on.isoformat(),
            "due_on": issued.due_on.isoformat(),
            "new_charges": f"{issued.bill.total:.2f}",
            "total_due": f"{issued.bill.total:.2f}",
            "total_after_due": None,
            "estimated": False,
            "language": autopayer["language"],
            "document_key": "statements/e2e.pdf",
        },
    )
    bus = EventBridgePublisher(stack.client("events"), stack.outputs["DomainEventBusName"])
    bus.publish([announcement, announcement])  # delivered twice: charged once

    # a bank remittance file with a line for the fourth account
    remittance = "\n".join(
        [
            "date,amount,reference,payer_name",
            f"{PAID},60.00,{bank_payer['account_number_display']},{bank_payer['holder']['name']}",
        ]
    )
    uploaded = requests.post(
        f"{api_url}{API}/remittances?file_name=bank.csv",
        data=remittance.encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
        timeout=60,
    )
    assert uploaded.status_code == 202, uploaded.text

    expected = {
        cheque_payer["id"]: owed[cheque_payer["id"]] - D("40.00"),
        card_payer["id"]: owed[card_payer["id"]] - D("25.50"),
        autopayer["id"]: D("0.00"),
        bank_payer["id"]: owed[bank_payer["id"]] - D("60.00"),
    }

    def settled() -> bool:
        return all(balance(api_url, token, a) == b for a, b in expected.items())

    assert eventually(settled, 90), {a: balance(api_url, token, a) for a in expected}
    time.sleep(3)  # any late duplicate would land now
    assert all(balance(api_url, token, a) == b for a, b in expected.items())
    for account_id in expected:
        assert len(payments_of(api_url, token, account_id)) == 1, account_id

    # a supervisor refunds part of the card payment: the processor is asked, and its report of
    # the refund (through the webhook) is recognised as the refund already posted
    supervisor = staff_token(stack, Role.SUPERVISOR)
    card_payment = payments_of(api_url, token, card_payer["id"])[0]
    refunded = requests.post(
        f"{api_url}{API}/accounts/{card_payer['id']}/payments/{card_payment['payment_id']}/refunds",
        json={"amount": "5.50", "reason": "paid the wrong amount"},
        headers={"Authorization": f"Bearer {supervisor}", "Idempotency-Key": str(uuid.uuid4())},
        timeout=60,
    )
    assert refunded.status_code == 201, refunded.text
    assert refunded.json()["refund_id"].startswith("re_")
    dynamodb = stack.client("dynamodb")

    def reported() -> list[Any]:
        return list(
            dynamodb.query(
                TableName=stack.outputs["MainTableName"],
                KeyConditionExpression="PK = :pk",
                ExpressionAttributeValues={":pk": {"S": "PROCESSOR#pay_e2ecard1"}},
            )["Items"]
        )

    assert eventually(lambda: len(reported()) == 2, 30), reported()  # succeeded, refunded
    assert balance(api_url, token, card_payer["id"]) == expected[card_payer["id"]] + D("5.50")

    # every payment has its receipt, a PDF in the account's language
    s3 = stack.client("s3")
    bucket = stack.outputs["DocumentsBucketName"]

    def receipts() -> dict[str, list[str]]:
        return {
            account_id: [
                o["Key"]
                for o in s3.list_objects_v2(Bucket=bucket, Prefix=f"receipts/{account_id}/").get(
                    "Contents", []
                )
            ]
            for account_id in expected
        }

    assert eventually(lambda: all(len(keys) == 1 for keys in receipts().values()), 60), receipts()
    for account_id, (key,) in receipts().items():
        payment = payments_of(api_url, token, account_id)[0]
        assert key == f"receipts/{account_id}/{payment['payment_id']}.pdf"
        pdf = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert pdf.startswith(b"%PDF")
