"""Remittance files' chunks delivered to their worker as the SQS event source would, in the
tests that upload a file through the API."""

from __future__ import annotations

from types import ModuleType

import boto3

from tests.helpers.emulator import REGION
from tests.helpers.handlers import Context, sqs_event


def drain(queue: str, worker: ModuleType) -> int:
    """Deliver every queued chunk to the worker, as the SQS event source would."""
    sqs = boto3.client("sqs", region_name=REGION)
    delivered = 0
    while True:
        found = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        if not found:
            return delivered
        event = sqs_event(
            [m["Body"] for m in found],
            "arn:aws:sqs:ca-central-1:123456789012:remittances",
            [m["MessageId"] for m in found],
        )
        assert worker.handler(event, Context()) == {"batchItemFailures": []}
        for m in found:
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
        delivered += len(found)
