"""In-process moto: the resources the ``aws`` fixture creates, from template.yaml's own
definitions (a key or index change in the template reaches the tests), and reading them back.

moto's in-process backends belong to the process: under pytest-xdist every worker has its own,
so these names need no per-worker suffix."""

from __future__ import annotations

from typing import Any

import boto3

REGION = "ca-central-1"
TABLE = "civiq-test"
LEDGER_TABLE = "civiq-test-ledger"
BUS = "civiq-test-bus"
BUCKET = "civiq-test-documents"
IDEMPOTENCY_TABLE = "civiq-test-idempotency"
WEBHOOK_SECRET = "integration-test-webhook-secret-0123456789"
SIGNING_KEY = "integration-test-signing-key-0123456789"
UNSUBSCRIBE_KEY = "integration-test-unsubscribe-key-0123456789"
# Their Secrets Manager secrets (the API's environment names them, as the template's ARNs).
WEBHOOK_SECRET_ID = "civiq-test-webhook"
SIGNING_KEY_SECRET_ID = "civiq-test-signing-key"
# The collection-case state machine's ARN as the API's environment names it (tests that run
# cases create it from the ASL under this name).
COLLECTION_CASE_MACHINE = (
    f"arn:aws:states:{REGION}:123456789012:stateMachine:civiq-test-collection-case"
)
# The tax roll transfers' state machine, likewise (tests that run it create it from the ASL).
TAX_ROLL_MACHINE = f"arn:aws:states:{REGION}:123456789012:stateMachine:civiq-test-tax-roll"
UNSUBSCRIBE_SECRET_ID = "civiq-test-unsubscribe"
PORTAL_SESSION_KEY = "integration-test-portal-session-key-0123456789"
PORTAL_SESSION_SECRET_ID = "civiq-test-portal-session"
CONSOLE_SIGNING_KEY = "integration-test-console-signing-key-0123456789"
CONSOLE_SIGNING_SECRET_ID = "civiq-test-console-signing"
SANDBOX_QUEUE = "civiq-test-sandbox-processor"
AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


def create_resources(template_resources: dict[str, Any]) -> None:
    """The main, ledger and idempotency tables as template.yaml defines them, the bus, the
    bucket, and the webhook's, the token key's, the unsubscribe links', the portal sessions' and
    the console's secrets (inside an active ``mock_aws``)."""
    table = template_resources["MainTable"]["Properties"]
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(
        TableName=TABLE,
        AttributeDefinitions=table["AttributeDefinitions"],
        KeySchema=table["KeySchema"],
        GlobalSecondaryIndexes=table["GlobalSecondaryIndexes"],
        BillingMode=table["BillingMode"],
    )
    ledger = template_resources["LedgerTable"]["Properties"]
    dynamodb.create_table(
        TableName=LEDGER_TABLE,
        AttributeDefinitions=ledger["AttributeDefinitions"],
        KeySchema=ledger["KeySchema"],
        BillingMode=ledger["BillingMode"],
    )
    requests = template_resources["IdempotencyTable"]["Properties"]
    dynamodb.create_table(
        TableName=IDEMPOTENCY_TABLE,
        AttributeDefinitions=requests["AttributeDefinitions"],
        KeySchema=requests["KeySchema"],
        BillingMode=requests["BillingMode"],
    )
    boto3.client("events", region_name=REGION).create_event_bus(Name=BUS)
    boto3.client("s3", region_name=REGION).create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    secretsmanager = boto3.client("secretsmanager", region_name=REGION)
    secretsmanager.create_secret(Name=WEBHOOK_SECRET_ID, SecretString=WEBHOOK_SECRET)
    secretsmanager.create_secret(Name=SIGNING_KEY_SECRET_ID, SecretString=SIGNING_KEY)
    secretsmanager.create_secret(Name=UNSUBSCRIBE_SECRET_ID, SecretString=UNSUBSCRIBE_KEY)
    secretsmanager.create_secret(Name=PORTAL_SESSION_SECRET_ID, SecretString=PORTAL_SESSION_KEY)
    secretsmanager.create_secret(Name=CONSOLE_SIGNING_SECRET_ID, SecretString=CONSOLE_SIGNING_KEY)


def table_items() -> list[dict[str, Any]]:
    """Every item of the main table (a scan: tests only)."""
    return boto3.client("dynamodb", region_name=REGION).scan(TableName=TABLE)["Items"]


def ledger_items() -> list[dict[str, Any]]:
    """Every item of the ledger table (a scan: tests only)."""
    return boto3.client("dynamodb", region_name=REGION).scan(TableName=LEDGER_TABLE)["Items"]


def function_environment(monkeypatch: Any, **extra: str) -> None:
    """A deployed function's environment on the emulator: its table, ledger table and bus,
    and ``extra`` (NAME: value)."""
    for name, value in {
        "TABLE_NAME": TABLE,
        "LEDGER_TABLE_NAME": LEDGER_TABLE,
        "EVENT_BUS_NAME": BUS,
        **extra,
    }.items():
        monkeypatch.setenv(name, value)
