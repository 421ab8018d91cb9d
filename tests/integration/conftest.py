"""In-process moto for adapter and API tests: the table is created from template.yaml's own
definition, so a key or index change in the template reaches these tests."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from civiq.platform.dynamodb.table import configure_models
from tests.conftest import REPO

REGION = "ca-central-1"
TABLE = "civiq-test"
BUS = "civiq-test-bus"
BUCKET = "civiq-test-documents"
IDEMPOTENCY_TABLE = "civiq-test-idempotency"
WEBHOOK_SECRET = "integration-test-webhook-secret-0123456789"
SIGNING_KEY = "integration-test-signing-key-0123456789"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, template_resources: dict[str, Any]) -> Iterator[None]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        table = template_resources["MainTable"]["Properties"]
        boto3.client("dynamodb", region_name=REGION).create_table(
            TableName=TABLE,
            AttributeDefinitions=table["AttributeDefinitions"],
            KeySchema=table["KeySchema"],
            GlobalSecondaryIndexes=table["GlobalSecondaryIndexes"],
            BillingMode=table["BillingMode"],
        )
        requests = template_resources["IdempotencyTable"]["Properties"]
        boto3.client("dynamodb", region_name=REGION).create_table(
            TableName=IDEMPOTENCY_TABLE,
            AttributeDefinitions=requests["AttributeDefinitions"],
            KeySchema=requests["KeySchema"],
            BillingMode=requests["BillingMode"],
        )
        boto3.client("events", region_name=REGION).create_event_bus(Name=BUS)
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        configure_models(TABLE, REGION, None)
        yield


@pytest.fixture
def chalice_app(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The API's Chalice app wired to the in-process emulator (cold start per test)."""
    for name, value in {
        "TABLE_NAME": TABLE,
        "EVENT_BUS_NAME": BUS,
        "AUTH_MODE": "local",
        "LOCAL_SIGNING_KEY": SIGNING_KEY,
        "MAX_BODY_BYTES": "4096",
        "DOCUMENTS_BUCKET": BUCKET,
        "STATEMENT_RENDERER_FUNCTION": "statement-renderer",  # created by tests that rebill
        "IDEMPOTENCY_TABLE_NAME": IDEMPOTENCY_TABLE,
        "WEBHOOK_SECRETS": WEBHOOK_SECRET,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.syspath_prepend(str(REPO / "functions" / "api"))
    import app as api_module

    from chalicelib import composition

    composition.api.cache_clear()
    yield api_module.app
    composition.api.cache_clear()
    for name in [n for n in sys.modules if n == "app" or n.startswith("chalicelib")]:
        del sys.modules[name]
