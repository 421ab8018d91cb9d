"""A reading file end to end in the local stack: API (import + presigned PUT) -> S3 -> upload
notification -> SQS -> splitter -> SQS -> reading worker -> DynamoDB, as template.yaml wires it."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from infra.local.stack import LocalStack
from tests.helpers.polling import wait_for

pytestmark = pytest.mark.e2e
UTILITY = "/api/v1/utility"
FILE = (
    "meter_serial,read_on,value,source\n"
    "E2E-7001,2025-02-01,41.5,\n"
    "E2E-7001,2025-13-01,50,\n"  # line 3: no 13th month
    "E2E-7002,2025-02-01,12,ami\n"
    "E2E-9999,2025-02-01,7,\n"  # line 5: no such meter
)


def post(api_url: str, path: str, body: dict[str, Any], clerk: dict[str, str]) -> Any:
    response = requests.post(f"{api_url}{UTILITY}{path}", json=body, headers=clerk, timeout=60)
    assert response.status_code == 201, response.text
    return response.json()


def get(api_url: str, path: str, clerk: dict[str, str]) -> Any:
    response = requests.get(f"{api_url}{UTILITY}{path}", headers=clerk, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def install(api_url: str, clerk: dict[str, str], street: str, serial: str) -> dict[str, Any]:
    address = {"street": street, "city": "Kingston", "province": "ON", "postal_code": "K7L 2V7"}
    prop = post(api_url, "/properties", {"address": address}, clerk)
    meter = {"serial": serial, "size": "16mm", "meter_type": "displacement"}
    body = {"property_id": prop["id"], "installed_on": "2025-01-01", "meter": meter}
    return dict(post(api_url, "/meters", body | {"first_value": "0"}, clerk))


def test_an_uploaded_reading_file_is_split_and_loaded(
    stack: LocalStack, api_url: str, clerk: dict[str, str]
) -> None:
    first = install(api_url, clerk, "7 Rue King", "E2E-7001")
    second = install(api_url, clerk, "9 Rue King", "E2E-7002")
    started = post(api_url, "/readings/imports", {"source": "handheld"}, clerk)
    upload = started["upload"]
    assert upload["url"].startswith(stack.endpoint)  # signed for the emulator's S3
    put = requests.put(upload["url"], data=FILE.encode(), headers=upload["headers"], timeout=60)
    assert put.status_code == 200, put.text

    def completed() -> dict[str, Any] | None:
        progress = get(api_url, f"/readings/imports/{started['id']}", clerk)
        return progress if progress["status"] == "completed" else None

    done = wait_for(completed, timeout=60)
    assert (done["rows_total"], done["loaded"], done["rejected"]) == (4, 2, 2)
    assert [(e["line"], e["field"]) for e in done["errors"]] == [
        (3, "read_on"),
        (5, "meter_serial"),
    ]
    for meter, value, source in [(first, "41.5", "handheld"), (second, "12", "ami")]:
        reads = get(api_url, f"/meters/{meter['id']}/readings?after=2025-01-01", clerk)["items"]
        assert [(r["value"], r["source"]) for r in reads] == [(value, source)]
    for queue in ("ReadingImportDeadLetterQueueUrl", "ReadingDeadLetterQueueUrl"):
        attributes = stack.client("sqs").get_queue_attributes(
            QueueUrl=stack.outputs[queue], AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        assert attributes["ApproximateNumberOfMessages"] == "0"
