"""The API function and the billing workflow over in-process moto (the ``aws`` fixture of
tests/conftest.py)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from chalice.test import Client

from civiq.core.audit import AuditEntry
from civiq.rates.adapters.dynamodb import DynamoRateSchedules
from civiq.rates.schemas.rates import NewRateSchedule
from infra.local.demo_rates import SCHEDULE_ID, sample_schedule
from infra.local.lambda_runtime import import_isolated
from tests.helpers.emulator import (
    BUCKET,
    BUS,
    COLLECTION_CASE_MACHINE,
    CONSOLE_SIGNING_SECRET_ID,
    IDEMPOTENCY_TABLE,
    LEDGER_TABLE,
    PORTAL_SESSION_SECRET_ID,
    REGION,
    SANDBOX_QUEUE,
    SIGNING_KEY_SECRET_ID,
    TABLE,
    TAX_ROLL_MACHINE,
    UNSUBSCRIBE_SECRET_ID,
    WEBHOOK_SECRET_ID,
)
from tests.helpers.files import REPO
from tests.helpers.handlers import load_handler
from tests.helpers.stores import NOW

PORTAL_SENDER = "notices@riverside.example.ca"


@pytest.fixture
def chalice_app(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The API's Chalice app wired to the in-process emulator (cold start per test)."""
    for name, value in {
        "TABLE_NAME": TABLE,
        "LEDGER_TABLE_NAME": LEDGER_TABLE,
        "EVENT_BUS_NAME": BUS,
        "AUTH_MODE": "local",
        "LOCAL_SIGNING_KEY_SECRET_ID": SIGNING_KEY_SECRET_ID,
        "MAX_BODY_BYTES": "4096",
        "DOCUMENTS_BUCKET": BUCKET,
        "STATEMENT_RENDERER_FUNCTION": "statement-renderer",  # created by tests that rebill
        "IDEMPOTENCY_TABLE_NAME": IDEMPOTENCY_TABLE,
        "WEBHOOK_SECRET_ID": WEBHOOK_SECRET_ID,
        "COLLECTION_CASE_STATE_MACHINE_ARN": COLLECTION_CASE_MACHINE,
        "TAX_ROLL_STATE_MACHINE_ARN": TAX_ROLL_MACHINE,
        "UNSUBSCRIBE_SECRET_ID": UNSUBSCRIBE_SECRET_ID,
        "CONSOLE_SIGNING_SECRET_ID": CONSOLE_SIGNING_SECRET_ID,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.syspath_prepend(str(REPO / "functions" / "api"))
    import app as api_module

    from chalicelib import composition

    composition.clear()
    yield api_module.app
    composition.clear()
    for name in [n for n in sys.modules if n == "app" or n.startswith("chalicelib")]:
        del sys.modules[name]


@pytest.fixture
def portal_app(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The resident portal's Chalice app wired to the in-process emulator (cold start per
    test); its payments go to the sandbox gateway's queue, its arrangements pause cases of the
    collection-case machine (created by the tests that open cases), its PAD agreements are
    sealed with a KMS key of their own, its email verification links sent through SES."""
    queue = boto3.client("sqs", region_name=REGION).create_queue(QueueName=SANDBOX_QUEUE)
    mandate_key = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    boto3.client("ses", region_name=REGION).verify_email_identity(EmailAddress=PORTAL_SENDER)
    for name, value in {
        "SANDBOX_PROCESSOR_QUEUE_URL": queue["QueueUrl"],
        "MANDATE_KEY_ID": mandate_key,
        "NOTIFICATION_SENDER_ADDRESS": PORTAL_SENDER,
        "TABLE_NAME": TABLE,
        "LEDGER_TABLE_NAME": LEDGER_TABLE,
        "EVENT_BUS_NAME": BUS,
        "DOCUMENTS_BUCKET": BUCKET,
        "PORTAL_SESSION_SECRET_ID": PORTAL_SESSION_SECRET_ID,
        "MUNICIPALITY_NAME": "Town of Riverside",
        "COLLECTION_CASE_STATE_MACHINE_ARN": COLLECTION_CASE_MACHINE,
    }.items():
        monkeypatch.setenv(name, value)
    code = REPO / "functions" / "portal"
    # Under a name of its own, as the local Lambda runtime imports it: a test may drive the staff
    # API's app (module ``app``) beside it.
    portal_module = import_isolated(code, code / "app.py", "civiq_portal_app")
    yield portal_module.app
    portal_module.clear()
    del sys.modules["civiq_portal_app"]


@pytest.fixture
def portal(portal_app: Any) -> Iterator[Client]:
    with Client(portal_app) as client:
        yield client


@pytest.fixture
def billing_machine(aws: None, monkeypatch: pytest.MonkeyPatch) -> str:
    """The town's rates, and a stand-in billing workflow: runs are started and recorded, not
    executed."""
    entry = AuditEntry("R1", f"RATE#{SCHEDULE_ID}", "T", "s", "s", NOW, "c", {})
    rates = NewRateSchedule.model_validate_json(json.dumps(sample_schedule())).to_domain()
    DynamoRateSchedules().save(None, rates, entry)
    sfn = boto3.client("stepfunctions", region_name=REGION)
    definition = json.dumps({"StartAt": "Wait", "States": {"Wait": {"Type": "Pass", "End": True}}})
    arn = sfn.create_state_machine(
        name="billing", definition=definition, roleArn="arn:aws:iam::123456789012:role/x"
    )["stateMachineArn"]
    monkeypatch.setenv("BILLING_CYCLE_STATE_MACHINE_ARN", arn)
    return str(arn)


@pytest.fixture
def workflows(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stand-in state machines for the move, transfer, billing, case and tax roll workflows: their
    executions are started and described, not run (the workflows have tests of their own)."""
    sfn = boto3.client("stepfunctions", region_name=REGION)
    definition = json.dumps({"StartAt": "Wait", "States": {"Wait": {"Type": "Pass", "End": True}}})
    role = "arn:aws:iam::123456789012:role/workflow"
    for name in ("MOVE", "TRANSFER", "BILLING_CYCLE", "COLLECTION_CASE", "TAX_ROLL"):
        machine = sfn.create_state_machine(name=name.lower(), definition=definition, roleArn=role)
        monkeypatch.setenv(f"{name}_STATE_MACHINE_ARN", machine["stateMachineArn"])


@pytest.fixture
def remittance_queue(aws: None, monkeypatch: pytest.MonkeyPatch) -> str:
    """The queue remittance files' chunks wait on for their worker."""
    url = boto3.client("sqs", region_name=REGION).create_queue(QueueName="remittances")["QueueUrl"]
    monkeypatch.setenv("REMITTANCE_QUEUE_URL", url)
    return str(url)


@pytest.fixture
def remittance_worker(aws: None, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The remittance worker (functions/remittances) on the emulator."""
    for name, value in {
        "TABLE_NAME": TABLE,
        "LEDGER_TABLE_NAME": LEDGER_TABLE,
        "EVENT_BUS_NAME": BUS,
        "DOCUMENTS_BUCKET": BUCKET,
    }.items():
        monkeypatch.setenv(name, value)
    return load_handler("remittances")
