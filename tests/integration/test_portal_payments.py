"""A resident pays on the portal, through Chalice's routing over in-process moto: the form
prefilled with what is owed, a double-submitted form is one charge on the sandbox gateway's
queue, the payment shows as submitted, then as a payment once the processor's answer went
through the real processor-events worker; every refused field is named."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import boto3
import pytest
from chalice.test import Client

from civiq.billing.adapters.dynamodb import post_to_statements
from civiq.ledger.adapters.dynamodb_postings import DynamoLedger, DynamoPayments
from civiq.ledger.domain.payments import PaymentMethod
from civiq.payments.adapters.sandbox_gateway import sandbox_event
from tests.helpers.emulator import REGION
from tests.helpers.handlers import Context, load_handler, sqs_event
from tests.helpers.portal_accounts import gateway_charges, hidden, owing_account
from tests.helpers.stores import dynamodb_stores
from tests.helpers.web import Browser


@pytest.fixture
def account(aws: None) -> dict[str, str]:
    return owing_account(dynamodb_stores())


@pytest.fixture
def resident(portal: Client, account: dict[str, str]) -> Browser:
    return Browser(portal).signed_in(account["number"])


def test_the_form_offers_what_is_owed(resident: Browser) -> None:
    page = resident.get("/portal/pay").body.decode()
    assert 'name="amount" value="240.00"' in page
    assert "<legend>Pay by</legend>" in page
    assert len(hidden(page, "idempotency_key")) >= 16


def test_a_double_submitted_payment_is_one_charge_posted_once(
    resident: Browser, account: dict[str, str]
) -> None:
    form = resident.get("/portal/pay").body.decode()
    fields = {
        "amount": "240.00",
        "method": "card",
        "idempotency_key": hidden(form, "idempotency_key"),
    }
    first = resident.post("/portal/pay", fields)
    second = resident.post("/portal/pay", fields)  # a double click
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == "/portal/account?paid=1"

    (charge,) = gateway_charges()
    assert charge["amount"] == "240.00" and charge["method"] == "card"
    assert charge["statement_id"] == account["statement_id"]
    page = resident.get("/portal/account?paid=1").body.decode()
    assert "Your payment was submitted" in page
    assert (
        "Payments submitted online, not yet posted" in page and "Waiting for confirmation" in page
    )
    assert page.count("$240.00") >= 2  # owed, and submitted

    worker = load_handler("processor_events")
    event = sandbox_event(charge, datetime.now(UTC)).decode()
    assert worker.handler(sqs_event([event, event]), Context()) == {"batchItemFailures": []}
    (posted,) = DynamoPayments().of_account(account["account_id"])
    assert posted.method is PaymentMethod.CARD and posted.reference == charge["payment_id"]
    assert DynamoLedger(post_to_statements).state(account["account_id"]).balance == 0
    page = resident.get("/portal/account").body.decode()
    assert "not yet posted" not in page
    assert '<td>Card</td><td class="num">$240.00</td>' in page  # under Payments


def test_a_new_form_is_a_new_payment(resident: Browser) -> None:
    for _ in range(2):
        form = resident.get("/portal/pay").body.decode()
        key = hidden(form, "idempotency_key")
        resident.post("/portal/pay", {"amount": "20.00", "method": "pad", "idempotency_key": key})
    assert [c["method"] for c in gateway_charges()] == ["pad", "pad"]


@pytest.mark.parametrize("amount", ["0", "-5.00", "12.345", "abc", "10000.01", ""])
def test_an_amount_refused_is_named_and_nothing_is_charged(resident: Browser, amount: str) -> None:
    form = resident.get("/portal/pay").body.decode()
    key = hidden(form, "idempotency_key")
    answer = resident.post(
        "/portal/pay", {"amount": amount, "method": "card", "idempotency_key": key}
    )
    assert answer.status_code == 400
    page = answer.body.decode()
    assert 'href="#amount"' in page and 'aria-invalid="true"' in page
    assert "at most $10,000.00" in page
    assert hidden(page, "idempotency_key") == key  # corrected, it is still the one payment
    assert gateway_charges() == []


def test_a_missing_method_and_amount_are_both_named_in_french(
    portal: Client, account: dict[str, str]
) -> None:
    resident = Browser(portal, "fr-CA").signed_in(account["number"])
    key = hidden(resident.get("/portal/pay").body.decode(), "idempotency_key")
    page = resident.post("/portal/pay", {"amount": "abc", "idempotency_key": key}).body.decode()
    assert 'href="#amount"' in page and 'href="#method"' in page
    assert "10\u00a0000,00\u00a0$" in page
    assert "Choisissez de payer par carte" in page


def test_a_payment_without_its_csrf_token_or_session_is_refused(
    portal: Client, resident: Browser
) -> None:
    key = hidden(resident.get("/portal/pay").body.decode(), "idempotency_key")
    fields = {"amount": "10.00", "method": "card", "idempotency_key": key}
    assert resident.post("/portal/pay", fields, csrf=False).status_code == 403
    stranger = Browser(portal)
    answer = stranger.post("/portal/pay", fields)
    assert answer.status_code == 303 and answer.headers["Location"] == "/portal?expired=1"
    assert gateway_charges() == []


def test_the_submission_is_in_the_accounts_history(
    resident: Browser, account: dict[str, str]
) -> None:
    key = hidden(resident.get("/portal/pay").body.decode(), "idempotency_key")
    resident.post("/portal/pay", {"amount": "15.00", "method": "pad", "idempotency_key": key})
    rows = boto3.client("dynamodb", region_name=REGION).query(
        TableName=os.environ["TABLE_NAME"],
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"ACCOUNT#{account['account_id']}"}},
    )["Items"]
    actions = [r["action"]["S"] for r in rows if "action" in r]
    assert actions.count("PortalPaymentSubmitted") == 1


def test_a_declined_payment_says_so_and_nothing_is_posted(
    resident: Browser, account: dict[str, str]
) -> None:
    key = hidden(resident.get("/portal/pay").body.decode(), "idempotency_key")
    resident.post("/portal/pay", {"amount": "20.13", "method": "card", "idempotency_key": key})
    (charge,) = gateway_charges()  # the sandbox declines an amount ending in .13
    worker = load_handler("processor_events")
    event = sandbox_event(charge, datetime.now(UTC)).decode()
    assert worker.handler(sqs_event([event]), Context()) == {"batchItemFailures": []}
    assert DynamoPayments().of_account(account["account_id"]) == []
    page = resident.get("/portal/account").body.decode()
    assert "Declined: nothing was taken." in page and "$20.13" in page
