"""Fees through real Chalice routing against in-process moto: the catalogue configured by a
supervisor, a fee charged by a clerk once per Idempotency-Key, and the new-account fee charged once
per AccountOpened however often the event is delivered (functions/fee_charger)."""

from __future__ import annotations

import json
import uuid
from types import ModuleType
from typing import Any

import pytest
from chalice.test import Client

from civiq.core.staff import Role
from tests.helpers.api import call
from tests.helpers.builders import open_body
from tests.helpers.emulator import BUS, LEDGER_TABLE, TABLE
from tests.helpers.files import load_event
from tests.helpers.handlers import Context, load_handler, sqs_event

API = "/api/v1/utility"
HST = {"name_en": "HST", "name_fr": "TVH", "rate": "0.13"}


def fee(amount: str, en: str, fr: str, tax: dict[str, str] | None = None) -> Any:
    version: dict[str, Any] = {
        "effective_from": "2026-01-01",
        "amount": amount,
        "label_en": en,
        "label_fr": fr,
        "gl_code": "4110",
    }
    if tax:
        version["tax"] = tax
    return {"versions": [version]}


# Barrie's: 13% HST on the new-account fee, none on the dishonoured-payment fee.
CATALOGUE = {
    "version": 0,
    "fees": {
        "new-account": fee("40.00", "New account fee", "Frais d'ouverture de compte", HST),
        "dishonoured-payment": fee("40.00", "Returned payment fee", "Frais de paiement refusé"),
        "certificate": fee("60.00", "Tax certificate", "Certificat fiscal", HST),
    },
}


@pytest.fixture
def client(chalice_app: Any) -> Any:
    with Client(chalice_app) as test_client:
        yield test_client


@pytest.fixture
def account(client: Client) -> dict[str, Any]:
    opened = call(client, "POST", f"{API}/accounts", open_body())
    assert opened.status_code == 201, opened.json_body
    return dict(opened.json_body)


def fee_entries(client: Client, account_id: str) -> list[dict[str, Any]]:
    ledger = call(client, "GET", f"{API}/accounts/{account_id}/ledger").json_body
    return [e for e in ledger["items"] if e["kind"] == "fee"]


def test_a_supervisor_configures_the_catalogue_at_the_version_read(client: Client) -> None:
    assert call(client, "GET", f"{API}/fees").json_body == {"version": 0, "fees": {}}
    refused = call(client, "PUT", f"{API}/fees", CATALOGUE, role=Role.CLERK)
    assert refused.status_code == 403

    saved = call(client, "PUT", f"{API}/fees", CATALOGUE, role=Role.SUPERVISOR)

    assert saved.status_code == 200, saved.json_body
    assert saved.json_body["version"] == 1
    read = call(client, "GET", f"{API}/fees").json_body
    assert read == saved.json_body
    assert read["fees"] == CATALOGUE["fees"]
    stale = call(client, "PUT", f"{API}/fees", CATALOGUE, role=Role.SUPERVISOR)
    assert stale.status_code == 409, stale.json_body


def test_overlapping_versions_are_refused_naming_the_field(client: Client) -> None:
    twice = fee("60.00", "Tax certificate", "Certificat fiscal")
    twice["versions"].append(dict(twice["versions"][0], amount="65.00"))
    catalogue = {"version": 0, "fees": {"certificate": twice}}
    response = call(client, "PUT", f"{API}/fees", catalogue, role=Role.SUPERVISOR)
    assert response.status_code == 400, response.json_body
    assert response.json_body["error"]["field"] == "fees.certificate.effective_from"


def test_a_fee_charged_twice_with_the_same_key_is_one_fee_with_its_tax(
    client: Client, account: dict[str, Any]
) -> None:
    call(client, "PUT", f"{API}/fees", CATALOGUE, role=Role.SUPERVISOR)
    path = f"{API}/accounts/{account['id']}/fees"
    key = str(uuid.uuid4())

    first = call(client, "POST", path, {"code": "certificate"}, key=key)
    again = call(client, "POST", path, {"code": "certificate"}, key=key)

    assert first.status_code == 201, first.json_body
    assert again.json_body == first.json_body
    # 60.00 + 13% HST 7.80 = 67.80
    assert (first.json_body["amount"], first.json_body["tax"], first.json_body["total"]) == (
        "60.00",
        "7.80",
        "67.80",
    )
    entries = fee_entries(client, account["id"])
    assert [(e["amount"], e["reason"]) for e in entries] == [  # the holder reads French
        ("60.00", "Certificat fiscal"),
        ("7.80", "TVH 13\u00a0% sur Certificat fiscal"),
    ]
    ledger = call(client, "GET", f"{API}/accounts/{account['id']}/ledger").json_body
    fee_id = entries[0]["entry_id"]
    assert ledger["open_items"] == {f"unbilled:{fee_id}": "67.80"}


def test_a_fee_not_in_the_catalogue_is_404(client: Client, account: dict[str, Any]) -> None:
    path = f"{API}/accounts/{account['id']}/fees"
    response = call(client, "POST", path, {"code": "reconnection"}, key=str(uuid.uuid4()))
    assert response.status_code == 404, response.json_body
    assert fee_entries(client, account["id"]) == []


@pytest.fixture
def fee_charger(aws: None, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("TABLE_NAME", TABLE)
    monkeypatch.setenv("LEDGER_TABLE_NAME", LEDGER_TABLE)
    monkeypatch.setenv("EVENT_BUS_NAME", BUS)
    return load_handler("fee_charger")


def account_opened(account_id: str) -> str:
    """The AccountOpened message EventBridge delivers for ``account_id``."""
    message = load_event("eventbridge/account_opened.json")
    message["detail"]["subject_id"] = f"ACCOUNT#{account_id}"
    message["detail"]["data"]["account_id"] = account_id
    return json.dumps(message)


def test_an_account_opened_is_charged_the_new_account_fee_once(
    client: Client, account: dict[str, Any], fee_charger: ModuleType
) -> None:
    call(client, "PUT", f"{API}/fees", CATALOGUE, role=Role.SUPERVISOR)
    delivery = sqs_event([account_opened(account["id"])])

    for _ in range(2):  # delivered twice
        assert fee_charger.handler(delivery, Context()) == {"batchItemFailures": []}

    entries = fee_entries(client, account["id"])
    # 40.00 + 13% HST 5.20 = 45.20
    assert [e["amount"] for e in entries] == ["40.00", "5.20"]
    assert entries[0]["source"] == "fee-catalogue:new-account"


def test_no_fee_is_charged_for_an_account_opened_without_a_new_account_fee(
    client: Client, account: dict[str, Any], fee_charger: ModuleType
) -> None:
    delivery = sqs_event([account_opened(account["id"])])
    assert fee_charger.handler(delivery, Context()) == {"batchItemFailures": []}
    assert fee_entries(client, account["id"]) == []
