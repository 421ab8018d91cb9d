"""Report exports end to end: what Lambda's SQS poller does for the report worker, and reading
a workbook's cells back."""

from __future__ import annotations

from types import ModuleType
from typing import Any
from xml.etree import ElementTree

import boto3

from tests.helpers.emulator import REGION
from tests.helpers.files import load_event
from tests.helpers.handlers import Context

SHEET = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def deliver(worker: ModuleType, queue_url: str) -> dict[str, Any]:
    """What Lambda's SQS poller does: receive, invoke, delete what succeeded."""
    sqs = boto3.client("sqs", region_name=REGION)
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    template = load_event("sqs/report_exports_with_poison.json")["Records"][0]
    records = [template | {"messageId": m["MessageId"], "body": m["Body"]} for m in messages]
    result: dict[str, Any] = worker.handler({"Records": records}, Context())
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    for message in messages:
        if message["MessageId"] not in failed:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return result


def cells(sheet: bytes) -> dict[str, ElementTree.Element]:
    root = ElementTree.fromstring(sheet)  # noqa: S314 (the file the worker just wrote)
    return {c.attrib["r"]: c for c in root.iter(f"{SHEET}c")}


def text_of(cell: ElementTree.Element) -> str:
    assert cell.attrib.get("t") == "inlineStr"  # constant-memory mode writes strings inline
    return "".join(t.text or "" for t in cell.iter(f"{SHEET}t"))
