"""In-process moto: the resources the ``aws`` fixture creates, from template.yaml's own
definitions (a key or index change in the template reaches the tests), and reading them back.

moto's in-process backends belong to the process: under pytest-xdist every worker has its own,
so these names need no per-worker suffix."""

from __future__ import annotations

from typing import Any

import boto3

REGION = "ca-central-1"
TABLE = "civiq-test"
BUS = "civiq-test-bus"
BUCKET = "civiq-test-documents"
IDEMPOTENCY_TABLE = "civiq-test-idempotency"
WEBHOOK_SECRET = "integration-test-webhook-secret-0123456789"
SIGNING_KEY = "integration-test-signing-key-0123456789"
AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


def create_resources(template_resources: dict[str, Any]) -> None:
    """The main and idempotency tables as template.yaml defines them, the bus and the bucket
    (inside an active ``mock_aws``)."""
    table = template_resources["MainTable"]["Properties"]
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(
        TableName=TABLE,
        AttributeDefinitions=table["AttributeDefinitions"],
        KeySchema=table["KeySchema"],
        GlobalSecondaryIndexes=table["GlobalSecondaryIndexes"],
        BillingMode=table["BillingMode"],
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


def table_items() -> list[dict[str, Any]]:
    """Every item of the main table (a scan: tests only)."""
    return boto3.client("dynamodb", region_name=REGION).scan(TableName=TABLE)["Items"]
