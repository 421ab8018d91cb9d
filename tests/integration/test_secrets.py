"""Secrets read at run time from Secrets Manager (moto): the webhook's secret with its rotation
overlap, the local token key, and the cache in front of them."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from chalice.test import Client

from civiq.payments.domain.webhooks import SignatureMismatch, sign, verify
from civiq.platform import secrets
from civiq.platform.secrets import Secret, SecretVersions
from tests.helpers.emulator import REGION, WEBHOOK_SECRET, WEBHOOK_SECRET_ID

OLD = "the-processors-old-webhook-secret-0123456789"
NEW = "the-processors-new-webhook-secret-9876543210"
WRONG = "a-secret-the-processor-never-held-000000000"
WEBHOOK = "/api/v1/utility/webhooks/payments"
T0 = datetime(2026, 12, 1, 12, 0)


class Clock:
    """The cache's clock, moved by the test."""

    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def manager(aws: None) -> Any:
    return boto3.client("secretsmanager", region_name=REGION)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def webhook_secret(manager: Any, clock: Clock) -> Secret:
    manager.create_secret(Name="processor-webhook", SecretString=OLD)
    return Secret(SecretVersions(manager, now=clock), "processor-webhook", max_age=300)


def rotate(manager: Any, secret_id: str, value: str) -> None:
    """What an operator (or a rotation function) does: the new value becomes AWSCURRENT, the
    one it replaces AWSPREVIOUS."""
    manager.put_secret_value(SecretId=secret_id, SecretString=value)


def test_a_secret_is_read_through_the_provider(webhook_secret: Secret) -> None:
    assert webhook_secret.current() == OLD
    assert webhook_secret.active() == (OLD,)  # never rotated: no previous version


def test_after_a_rotation_both_versions_are_active_and_the_new_one_signs(
    manager: Any, webhook_secret: Secret, clock: Clock
) -> None:
    rotate(manager, "processor-webhook", NEW)
    assert webhook_secret.current() == NEW
    assert webhook_secret.active() == (NEW, OLD)
    rotate(manager, "processor-webhook", "the-one-after-that-secret-000000000000000")
    clock.at += timedelta(seconds=301)
    assert OLD not in webhook_secret.active()  # two rotations on, the old one is refused


def test_during_the_overlap_a_delivery_signed_with_either_is_accepted_and_a_wrong_one_refused(
    manager: Any, webhook_secret: Secret
) -> None:
    rotate(manager, "processor-webhook", NEW)
    body = b'{"id": "evt_1"}'
    now = datetime.now().astimezone()
    at = int(now.timestamp())
    for signer in (OLD, NEW):
        assert verify(body, sign(body, signer, at), webhook_secret.active(), now) == at
    with pytest.raises(SignatureMismatch):
        verify(body, sign(body, WRONG, at), webhook_secret.active(), now)


def test_a_changed_secret_is_seen_once_the_cached_value_is_max_age_old(
    manager: Any, webhook_secret: Secret, clock: Clock
) -> None:
    assert webhook_secret.current() == OLD
    rotate(manager, "processor-webhook", NEW)
    clock.at = T0 + timedelta(seconds=299)
    assert webhook_secret.current() == OLD  # cached: no call to Secrets Manager
    assert webhook_secret.active() == (OLD,)
    clock.at = T0 + timedelta(seconds=301)
    assert webhook_secret.current() == NEW
    assert webhook_secret.active() == (NEW, OLD)


def test_the_absence_of_a_previous_version_is_cached_too(
    manager: Any, webhook_secret: Secret
) -> None:
    """A secret never rotated costs no call per delivery: its missing AWSPREVIOUS is remembered
    with its current value."""
    calls: list[str] = []
    manager.meta.events.register(
        "provide-client-params.secrets-manager.GetSecretValue",
        lambda params, **_: calls.append(params.get("VersionStage", "")),
    )
    for _ in range(3):
        webhook_secret.active()
    assert calls == ["AWSCURRENT", "AWSPREVIOUS"]


# --- through the API's webhook route -----------------------------------------------------------


@pytest.fixture
def processor_queue(monkeypatch: pytest.MonkeyPatch, aws: None) -> str:
    url = boto3.client("sqs", region_name=REGION).create_queue(QueueName="processor")["QueueUrl"]
    monkeypatch.setenv("PROCESSOR_EVENTS_QUEUE_URL", url)
    return str(url)


@pytest.fixture
def client(chalice_app: Any, processor_queue: str) -> Iterator[Client]:
    secrets.clear_cache()  # the API reads the secret afresh; what this test rotates is not kept
    with Client(chalice_app) as test_client:
        yield test_client
    secrets.clear_cache()


def delivery(event_id: str) -> bytes:
    event = {
        "id": event_id,
        "type": "payment.succeeded",
        "created": int(time.time()),
        "data": {
            "payment_id": "pay_" + event_id.replace("_", ""),
            "amount": "25.00",
            "currency": "CAD",
            "method": "card",
            "account_number": "UB00000018",
        },
    }
    return json.dumps(event).encode()


def deliver(client: Client, body: bytes, secret: str) -> Any:
    signature = sign(body, secret, int(time.time()))
    headers = {"Content-Type": "application/json", "Civiq-Signature": signature}
    return client.http.post(WEBHOOK, headers=headers, body=body)


def test_the_webhook_accepts_the_previous_secret_after_a_rotation_and_refuses_a_wrong_one(
    client: Client,
) -> None:
    rotate(boto3.client("secretsmanager", region_name=REGION), WEBHOOK_SECRET_ID, NEW)
    old = deliver(client, delivery("evt_1"), WEBHOOK_SECRET)
    assert old.status_code == 200, old.json_body
    assert deliver(client, delivery("evt_2"), NEW).status_code == 200
    refused = deliver(client, delivery("evt_3"), WRONG)
    assert refused.status_code == 401
    assert refused.json_body["error"]["code"] == "unauthorized"


# --- the local stack: moto's CloudFormation has no Secrets Manager secret -----------------------


def test_the_local_stack_generates_the_secrets_the_template_asks_for(
    manager: Any, template_resources: dict[str, Any]
) -> None:
    from moto.core import DEFAULT_ACCOUNT_ID

    from infra.local import cfn_patches

    for name, length in (("PaymentWebhookSecret", 48), ("LocalSigningKeySecret", 64)):
        resource = json.loads(json.dumps(template_resources[name]))
        created = cfn_patches.Secret.create_from_cloudformation_json(
            f"civiq-local-{name}", resource, DEFAULT_ACCOUNT_ID, REGION
        )
        value = manager.get_secret_value(SecretId=created.physical_resource_id)["SecretString"]
        assert len(value) == length
        assert value.isalnum()  # ExcludePunctuation
