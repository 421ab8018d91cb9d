"""What the collections benchmarks share: in-process moto with the tables of template.yaml, the
bus, the documents bucket and stand-in state machines for collection cases and tax-roll
transfers (their executions are started and stopped, not run: the ASL is tested in
tests/integration); the town's accounts; and statements they owe."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from bench.common import quiet_logging
from bench.payments import create_tables

REGION = "ca-central-1"
BUS = "civiq-bench-bus"
BUCKET = "civiq-bench-documents"
OWED = "240.00"


def stand_in_machine(name: str) -> str:
    import boto3

    return str(
        boto3.client("stepfunctions", region_name=REGION).create_state_machine(
            name=name,
            definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
            roleArn="arn:aws:iam::123456789012:role/bench",
        )["stateMachineArn"]
    )


@contextmanager
def collections_moto(table: str) -> Iterator[None]:
    """Inside: moto with the tables, bus, bucket and stand-in machines, the settings' variables
    pointing at them."""
    import boto3
    from moto import mock_aws

    from civiq.platform.dynamodb.table import configure_models

    quiet_logging()
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.update(
        {
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "TABLE_NAME": table,
            "LEDGER_TABLE_NAME": f"{table}-ledger",
            "EVENT_BUS_NAME": BUS,
            "DOCUMENTS_BUCKET": BUCKET,
        }
    )
    with mock_aws():
        create_tables(table)
        configure_models(table, f"{table}-ledger", REGION, None)
        boto3.client("events", region_name=REGION).create_event_bus(Name=BUS)
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        os.environ["COLLECTION_CASE_STATE_MACHINE_ARN"] = stand_in_machine("bench-collection-case")
        os.environ["TAX_ROLL_STATE_MACHINE_ARN"] = stand_in_machine("bench-tax-roll")
        yield


def town_accounts(table: str) -> list[tuple[str, str]]:
    """(account id, account number) of every account the town loaded (a bench's set-up may
    scan: it is not the code measured)."""
    import boto3

    dynamodb = boto3.client("dynamodb", region_name=REGION)
    return [
        (item["PK"]["S"].removeprefix("ACCOUNT#"), item["account_number"]["S"])
        for page in dynamodb.get_paginator("scan").paginate(
            TableName=table,
            FilterExpression="SK = :account",
            ExpressionAttributeValues={":account": {"S": "ACCOUNT"}},
        )
        for item in page["Items"]
    ]


def owe(accounts: list[tuple[str, str]], due_on: date) -> None:
    """Each account owes ``OWED`` on a statement due ``due_on``, on the ledger."""
    from civiq.billing.adapters.dynamodb import DynamoStatements
    from tests.helpers.statement_builders import issue_with_ledger, issued_entry, owing_statement

    statements = DynamoStatements()
    for account_id, number in accounts:
        issued = owing_statement(account_id, number, due_on, OWED)
        assert issue_with_ledger(statements, issued, issued_entry(issued))
