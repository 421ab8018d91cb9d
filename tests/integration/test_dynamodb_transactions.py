"""The local stack's patch of moto's TransactWriteItems: all or nothing, without table copies."""

from __future__ import annotations

import sys
import threading
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from infra.local import dynamodb_transactions
from tests.helpers.emulator import REGION, TABLE


@pytest.fixture
def dynamodb(aws: None) -> Any:
    dynamodb_transactions.install()
    client = boto3.client("dynamodb", region_name=REGION)
    client.put_item(TableName=TABLE, Item=item("kept", n="1"))
    client.put_item(TableName=TABLE, Item=item("deleted", n="2"))
    return client


def item(key: str, **numbers: str) -> dict[str, Any]:
    return {"PK": {"S": key}, "SK": {"S": "X"}} | {k: {"N": v} for k, v in numbers.items()}


def key(name: str) -> dict[str, Any]:
    return {"PK": {"S": name}, "SK": {"S": "X"}}


def everything(client: Any) -> list[dict[str, Any]]:
    return sorted(client.scan(TableName=TABLE)["Items"], key=lambda i: i["PK"]["S"])


def writes(condition_on_last: str) -> list[dict[str, Any]]:
    return [
        {"Put": {"TableName": TABLE, "Item": item("new", n="3")}},
        {
            "Update": {
                "TableName": TABLE,
                "Key": key("kept"),
                "UpdateExpression": "ADD n :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        },
        {"Delete": {"TableName": TABLE, "Key": key("deleted")}},
        {
            "Put": {
                "TableName": TABLE,
                "Item": item("guarded", n="4"),
                "ConditionExpression": condition_on_last,
            }
        },
    ]


def test_a_cancelled_transaction_changes_nothing_and_says_which_condition_failed(
    dynamodb: Any,
) -> None:
    before = everything(dynamodb)
    with pytest.raises(ClientError) as cancelled:
        dynamodb.transact_write_items(TransactItems=writes("attribute_exists(PK)"))
    reasons = [r["Code"] for r in cancelled.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "None", "ConditionalCheckFailed"]
    assert everything(dynamodb) == before


def test_a_transaction_that_holds_writes_every_item(dynamodb: Any) -> None:
    dynamodb.transact_write_items(TransactItems=writes("attribute_not_exists(PK)"))
    assert [(i["PK"]["S"], i["n"]["N"]) for i in everything(dynamodb)] == [
        ("guarded", "4"),
        ("kept", "2"),
        ("new", "3"),
    ]


def test_two_writes_to_one_item_are_refused_and_nothing_is_written(dynamodb: Any) -> None:
    before = everything(dynamodb)
    twice = [
        {"Put": {"TableName": TABLE, "Item": item("kept", n="9")}},
        {"Delete": {"TableName": TABLE, "Key": key("kept")}},
    ]
    with pytest.raises(ClientError):
        dynamodb.transact_write_items(TransactItems=twice)
    assert everything(dynamodb) == before


def test_writes_outside_a_transaction_are_not_journaled(dynamodb: Any) -> None:
    dynamodb.put_item(TableName=TABLE, Item=item("plain", n="5"))
    assert getattr(dynamodb_transactions._state, "journal", None) is None
    assert any(i["PK"]["S"] == "plain" for i in everything(dynamodb))


def test_a_read_never_sees_an_update_half_applied(dynamodb: Any) -> None:
    client = dynamodb
    client.put_item(TableName=TABLE, Item=item("pair", a="0", b="0"))
    done = threading.Event()

    def update() -> None:
        n = 0
        while not done.is_set():
            n += 1
            client.update_item(
                TableName=TABLE,
                Key=key("pair"),
                UpdateExpression="SET a = :n, b = :n",
                ExpressionAttributeValues={":n": {"N": str(n)}},
            )

    def read() -> tuple[str, str]:
        found = client.get_item(TableName=TABLE, Key=key("pair"), ConsistentRead=True)["Item"]
        return found["a"]["N"], found["b"]["N"]

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch often enough to land inside an update
    writer = threading.Thread(target=update)
    writer.start()
    try:
        seen = [read() for _ in range(1000)]
    finally:
        done.set()
        writer.join()
        sys.setswitchinterval(interval)
    assert len({a for a, _ in seen}) > 1  # the reads overlapped the updates
    assert [(a, b) for a, b in seen if a != b] == []
