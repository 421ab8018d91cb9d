"""A report export through the local stack, as template.yaml wires it: API -> export item and
SQS message -> ReportExportFunction (templates from its layer) -> S3 exports/ -> the presigned
link. (tests/integration/test_report_exports.py checks the files' contents row by row.)"""

from __future__ import annotations

import io
from typing import Any

import pytest
import requests
from pypdf import PdfReader

from infra.local.stack import LocalStack
from tests.helpers.polling import wait_for

pytestmark = pytest.mark.e2e
EXPORTS = "/api/v1/utility/exports"
NO_FINAL_BILLS = "final-2020-01"  # a month before any statement: an empty report


def test_an_export_is_made_by_the_worker_and_fetched_through_its_link(
    stack: LocalStack, api_url: str, clerk: dict[str, str]
) -> None:
    body = {"report": "billing", "run_id": NO_FINAL_BILLS, "format": "pdf", "language": "fr"}
    asked = requests.post(f"{api_url}{EXPORTS}", json=body, headers=clerk, timeout=60)
    assert asked.status_code == 202, asked.text

    def done() -> dict[str, Any] | None:
        answer = requests.get(f"{api_url}{EXPORTS}/{asked.json()['id']}", headers=clerk, timeout=60)
        export: dict[str, Any] = answer.json()
        return export if export["status"] == "done" else None

    export = wait_for(done, timeout=120)
    assert export["rows"] == 0 and export["url"].startswith(stack.endpoint)
    document = requests.get(export["url"], timeout=60)
    assert document.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(document.content)).pages)
    assert "Rapport de facturation" in text and "Ce lot ne compte aucun relevé." in text
    attributes = stack.client("sqs").get_queue_attributes(
        QueueUrl=stack.outputs["ExportDeadLetterQueueUrl"],
        AttributeNames=["ApproximateNumberOfMessages"],
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
