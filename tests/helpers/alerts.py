"""Queues, rules and deliveries of the alert workers against in-process moto."""

from __future__ import annotations

import json
from typing import Any

import boto3

from civiq.accounts.domain.accounts import Account
from civiq.core.addresses import Address
from civiq.core.envelope import envelope_from_eventbridge
from tests.helpers.emulator import BUS, REGION
from tests.helpers.files import load_event
from tests.helpers.handlers import Context, audit_rows

STREET = Address("12 Rue Principale", "Gatineau", "QC", "J8X 1A1")


def queue_arn(name: str, **attributes: str) -> tuple[str, str]:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return url, arn["QueueArn"]


def route_to(detail_type: str, arn: str) -> None:
    bus = boto3.client("events", region_name=REGION)
    pattern = {"source": ["civiq.utility"], "detail-type": [detail_type]}
    bus.put_rule(Name=detail_type, EventBusName=BUS, EventPattern=json.dumps(pattern))
    bus.put_targets(Rule=detail_type, EventBusName=BUS, Targets=[{"Id": "q", "Arn": arn}])


def put_on_bus(message: dict[str, Any]) -> None:
    """An EventBridge event (a sample of events/eventbridge/, its envelope edited) on the bus."""
    entry = {
        "Source": message["source"],
        "DetailType": message["detail-type"],
        "Detail": json.dumps(message["detail"]),
        "EventBusName": BUS,
    }
    result = boto3.client("events", region_name=REGION).put_events(Entries=[entry])
    assert result["FailedEntryCount"] == 0


def drain(url: str) -> list[dict[str, Any]]:
    """Every message on the queue (deleted), as JSON."""
    sqs = boto3.client("sqs", region_name=REGION)
    bodies = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        bodies += [json.loads(m["Body"]) for m in batch]
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)
            ],
        )
    return bodies


def notified() -> list[dict[str, Any]]:
    """The NotificationRequested payloads published since the last call."""
    url = boto3.client("sqs", region_name=REGION).get_queue_url(QueueName="notifications")
    return [envelope_from_eventbridge(m).data for m in drain(url["QueueUrl"])]


def deliver(handler: Any, url: str, context: Context | None = None) -> dict[str, Any]:
    """What Lambda's SQS poller does: receive, invoke, delete what succeeded."""
    sqs = boto3.client("sqs", region_name=REGION)
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    template = load_event("sqs/high_consumption_with_poison.json")["Records"][0]
    records = [template | {"messageId": m["MessageId"], "body": m["Body"]} for m in messages]
    result: dict[str, Any] = handler({"Records": records}, context or Timed())
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    for message in messages:
        if message["MessageId"] not in failed:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return result


class Timed(Context):
    """A Lambda context whose remaining time drops by ``step_ms`` each time it is asked."""

    def __init__(self, remaining_ms: int = 900_000, step_ms: int = 0) -> None:
        self.remaining_ms, self.step_ms = remaining_ms, step_ms

    def get_remaining_time_in_millis(self) -> int:
        self.remaining_ms -= self.step_ms
        return self.remaining_ms


def requested(account: Account) -> list[str]:
    """The NotificationRequested entries of the account's history: their ids."""
    rows = audit_rows(f"ACCOUNT#{account.account_id}")
    return [
        r["entry_id"]["S"] for r in rows if r.get("action", {}).get("S") == "NotificationRequested"
    ]
