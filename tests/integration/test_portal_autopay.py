"""Autopay on the portal, through Chalice's routing over in-process moto: a resident signs a
PAD agreement kept by us (the bank account sealed with a KMS key, only its masked form readable,
the gateway's token kept by gateway), the account's autopay flag set through the accounts
feature's change (every other setting kept), and cancelled. Autopay then charges through the
real autopay function; when the municipality changes gateways the agreement is given to the new
one, from our sealed record, and the charge goes through without the resident doing anything."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from chalice.test import Client

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.core.envelope import envelope_from_eventbridge
from civiq.core.events import DomainEvent
from civiq.payments.adapters.dynamodb_mandates import DynamoMandates
from civiq.payments.adapters.kms_vault import KmsVault
from civiq.payments.adapters.sandbox_gateway import SandboxGateway
from civiq.payments.config import AutopaySettings
from civiq.payments.domain.mandates import BankAccount
from civiq.payments.services.autopay_enrolment import sealing_context
from civiq.payments.wiring import charge_autopay
from civiq.platform.dynamodb.audit import DynamoAuditLog
from tests.helpers.emulator import REGION, table_items
from tests.helpers.files import load_event
from tests.helpers.handlers import Context, load_handler, sqs_event
from tests.helpers.portal_accounts import gateway_charges, owing_account
from tests.helpers.stores import dynamodb_stores
from tests.helpers.web import Browser

AGREEMENT = {
    "payor": "Élise Tremblay",
    "institution": "001",
    "transit": "12345",
    "bank_account": "1234-567-89",
    "accepted": "yes",
}
SECRET_DIGITS = "123456789"


@pytest.fixture
def account(aws: None) -> dict[str, str]:
    return owing_account(dynamodb_stores())


@pytest.fixture
def resident(portal: Client, account: dict[str, str]) -> Browser:
    return Browser(portal).signed_in(account["number"])


def issued(account: dict[str, str], statement_id: str) -> dict[str, Any]:
    """A StatementIssued of 240.00 for the account, as EventBridge hands it to the queue."""
    event = load_event("eventbridge/statement_issued.json")
    data = event["detail"]["data"]
    data |= {
        "account_id": account["account_id"],
        "statement_id": statement_id,
        "total_due": "240.00",
    }
    event["detail"]["subject_id"] = f"ACCOUNT#{account['account_id']}"
    event["detail"]["event_id"] = statement_id.replace("-", "")[:26].ljust(26, "0")
    return event


def test_a_resident_signs_up_and_the_bank_account_is_sealed(
    resident: Browser, account: dict[str, str]
) -> None:
    accounts = DynamoAccountRepository()
    before = accounts.get(account["account_id"])
    answer = resident.post("/portal/autopay", AGREEMENT)
    assert answer.status_code == 303 and answer.headers["Location"] == "/portal/account?enrolled=1"

    after = accounts.get(account["account_id"])
    assert after.autopay and not before.autopay
    assert (after.landlord_copies, after.cart_size, after.services) == (
        before.landlord_copies,
        before.cart_size,
        before.services,
    )
    mandate = DynamoMandates().current(account["account_id"])
    assert mandate is not None and mandate.masked == "001-12345 •••789"
    assert mandate.payor == "Élise Tremblay" and list(mandate.tokens) == ["sandbox"]
    assert SECRET_DIGITS not in json.dumps(table_items(), default=str)  # sealed at rest
    vault = KmsVault(boto3.client("kms", region_name=REGION), os.environ["MANDATE_KEY_ID"])
    opened = BankAccount.unsealed(
        vault.unseal(mandate.sealed, sealing_context(account["account_id"]))
    )
    assert opened == BankAccount("001", "12345", SECRET_DIGITS)
    with pytest.raises(ClientError, match="InvalidCiphertext"):  # bound to its account
        vault.unseal(mandate.sealed, sealing_context("01J00000000000000000000000"))
    history = DynamoAuditLog().entries_for(f"ACCOUNT#{account['account_id']}", 50, None).items
    actions = [e.action for e in history]
    assert "AutopayEnrolled" in actions and "AccountSettingsChanged" in actions

    page = resident.get("/portal/account?enrolled=1").body.decode()
    assert "Automatic payments are set up" in page
    shown = resident.get("/portal/autopay").body.decode()
    assert "001-12345 •••789" in shown and SECRET_DIGITS not in shown


def test_every_field_of_the_agreement_refused_is_named(
    resident: Browser, account: dict[str, str]
) -> None:
    answer = resident.post(
        "/portal/autopay", {"payor": " ", "institution": "1", "transit": "12", "bank_account": "12"}
    )
    assert answer.status_code == 400
    page = answer.body.decode()
    for field in ("payor", "institution", "transit", "bank_account", "accepted"):
        assert f'href="#{field}"' in page
    assert page.count('aria-invalid="true"') == 5
    assert DynamoMandates().current(account["account_id"]) is None
    assert not DynamoAccountRepository().get(account["account_id"]).autopay


def test_signing_twice_is_one_agreement(resident: Browser, account: dict[str, str]) -> None:
    assert resident.post("/portal/autopay", AGREEMENT).status_code == 303
    assert resident.post("/portal/autopay", AGREEMENT).status_code == 303
    history = DynamoAuditLog().entries_for(f"ACCOUNT#{account['account_id']}", 50, None).items
    assert [e.action for e in history].count("AutopayEnrolled") == 1


def test_cancelling_clears_the_flag_and_keeps_the_agreement(
    resident: Browser, account: dict[str, str]
) -> None:
    resident.post("/portal/autopay", AGREEMENT)
    answer = resident.post("/portal/autopay/cancel", {})
    assert answer.status_code == 303 and answer.headers["Location"] == "/portal/account?cancelled=1"
    assert DynamoMandates().current(account["account_id"]) is None
    assert not DynamoAccountRepository().get(account["account_id"]).autopay
    kept = [i for i in table_items() if i["SK"]["S"].startswith("CANCELLED#")]
    assert len(kept) == 1 and kept[0]["status"]["S"] == "cancelled"
    assert "Sign up for automatic payments" in resident.get("/portal/autopay").body.decode()


def test_autopay_charges_the_agreement_and_survives_a_gateway_change(
    resident: Browser, account: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    resident.post("/portal/autopay", AGREEMENT)
    enrolled = DynamoMandates().current(account["account_id"])
    assert enrolled is not None

    autopay = load_handler("autopay")
    message = json.dumps(issued(account, "UB00000018-20261120"))
    assert autopay.handler(sqs_event([message]), Context()) == {"batchItemFailures": []}
    (charge,) = gateway_charges()
    assert charge["instrument"] == enrolled.tokens["sandbox"] and charge["method"] == "pad"

    # The municipality moves to another processor: nobody enrols again.
    settings = AutopaySettings()
    sqs = boto3.client("sqs", region_name=REGION)
    new_gateway = SandboxGateway(sqs, settings.sandbox_processor_queue_url, "next-processor")
    charging = charge_autopay(settings)
    moved = replace(
        charging, gateway=new_gateway, instrument=replace(charging.instrument, gateway=new_gateway)
    )
    for statement_id in ("UB00000018-20261220", "UB00000018-20270120"):
        event = envelope_from_eventbridge(issued(account, statement_id)).to_domain()
        assert isinstance(event, DomainEvent) and moved(event) is not None
    first, second = gateway_charges()
    token = new_gateway.tokenise(BankAccount("001", "12345", SECRET_DIGITS), "Élise Tremblay")
    assert first["instrument"] == second["instrument"] == token
    mandate = DynamoMandates().current(account["account_id"])
    assert mandate is not None and mandate.tokens == {
        "sandbox": enrolled.tokens["sandbox"],
        "next-processor": token,
    }
    history = DynamoAuditLog().entries_for(f"ACCOUNT#{account['account_id']}", 50, None).items
    assert [e.action for e in history].count("MandateTokenised") == 1
