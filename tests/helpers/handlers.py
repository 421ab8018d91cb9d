"""Worker functions loaded in isolation and called as Lambda calls them."""

from __future__ import annotations

import importlib.util
import json
from types import ModuleType
from typing import Any

import boto3

from tests.helpers.emulator import BUS, REGION, TABLE
from tests.helpers.files import REPO


class Context:
    function_name = "test"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:ca-central-1:123456789012:function:test"
    aws_request_id = "req-1"


def sqs_event(
    bodies: list[str],
    queue_arn: str = "arn:aws:sqs:ca-central-1:123456789012:processor",
    message_ids: list[str] | None = None,
) -> dict[str, Any]:
    """An SQS event as Lambda's event source hands it over: one record per body."""
    ids = message_ids or [f"m-{n}" for n in range(len(bodies))]
    return {
        "Records": [
            {
                "messageId": message_id,
                "receiptHandle": f"rh-{message_id}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
            for message_id, body in zip(ids, bodies, strict=True)
        ]
    }


def load_handler(function: str) -> ModuleType:
    path = REPO / "functions" / function / "handler.py"
    spec = importlib.util.spec_from_file_location(f"test_{function}_handler", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def audit_rows(subject: str) -> list[dict[str, Any]]:
    return boto3.client("dynamodb", region_name=REGION).query(
        TableName=TABLE,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": subject}},
    )["Items"]


def queue_of(detail_type: str, name: str) -> str:
    """A queue the bus routes ``detail_type`` events to, as a rule of the template does: its
    URL (a consumer's test reads the messages and hands them to the function)."""
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    events = boto3.client("events", region_name=REGION)
    events.put_rule(
        Name=f"{name}-rule",
        EventBusName=BUS,
        EventPattern=json.dumps({"detail-type": [detail_type]}),
    )
    events.put_targets(
        Rule=f"{name}-rule", EventBusName=BUS, Targets=[{"Id": name, "Arn": arn["QueueArn"]}]
    )
    return str(url)
