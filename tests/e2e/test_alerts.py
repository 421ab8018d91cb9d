"""A possible leak end to end in the local stack: three reads through the API, the third high ->
HighConsumptionDetected -> rule -> HighConsumptionQueue -> HighConsumptionAlert ->
NotificationRequested on the bus and in the account's history -> rule -> NotificationQueue ->
NotificationSender: by mail (the holder prefers it) into the day's print file, which the print
file function assembles into S3, as template.yaml wires it."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from civiq.core.staff import Role
from infra.local.demo_billing import cycle, define_rates_and_cycle
from infra.local.run import staff_token
from infra.local.stack import LocalStack
from tests.helpers.polling import wait_for
from tests.helpers.stack import audit_items, http_sender

pytestmark = pytest.mark.e2e
UTILITY = "/api/v1/utility"
ROUTE = "E2E-ALERTS"
ADDRESS = {
    "street": "12 Rue Principale",
    "city": "Gatineau",
    "province": "QC",
    "postal_code": "J8X 1A1",
}


def post(api_url: str, path: str, body: dict[str, Any], clerk: dict[str, str]) -> Any:
    response = requests.post(f"{api_url}{UTILITY}{path}", json=body, headers=clerk, timeout=60)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_high_read_notifies_the_account_holder_in_their_language(
    stack: LocalStack, api_url: str, clerk: dict[str, str]
) -> None:
    # A route of its own, billed by a cycle of its own: the session's billing-cycle test bills
    # the demo routes, and an account opens only on a route a cycle bills.
    supervisor = http_sender(api_url, staff_token(stack, Role.SUPERVISOR))
    define_rates_and_cycle(supervisor, cycle((ROUTE,), cycle_id="e2e-alerts"))
    holder = {"name": "Émilie Leblanc", "preferences": {"language": "fr"}}
    place = {"address": ADDRESS, "route": ROUTE}
    opened = {"customer": holder, "property": place, "cart_size": "medium"}
    account = post(api_url, "/accounts", opened, clerk)
    meter = {"serial": "E2E-LEAK-1", "size": "16mm", "meter_type": "displacement"}
    body = {"property_id": account["property_id"], "installed_on": "2025-01-01", "meter": meter}
    installed = post(api_url, "/meters", body | {"first_value": "0"}, clerk)
    for read_on, value in (("2025-03-02", "60"), ("2025-05-01", "120"), ("2025-07-01", "600")):
        read = {"read_on": read_on, "value": value}
        post(api_url, f"/meters/{installed['id']}/readings", read, clerk)

    def notification() -> dict[str, Any] | None:
        entries = audit_items(stack, account["id"])
        found = [e for e in entries if e["action"]["S"] == "NotificationRequested"]
        return json.loads(found[0]["detail"]["S"]) if found else None

    requested = wait_for(notification, timeout=60)
    assert (requested["kind"], requested["language"]) == ("high-consumption", "fr")
    assert requested["recipient"]["email"] is None  # prefers mail (the default)
    assert requested["recipient"]["postal_address"]["street"] == "12 Rue Principale"
    assert "a été relevé le 1er juillet 2025" in requested["message"]["body"]
    assert requested["facts"]["volume"] == "480.000"
    for dead_letters in ("HighConsumptionDeadLetterQueueUrl", "NotificationDeadLetterQueueUrl"):
        attributes = stack.client("sqs").get_queue_attributes(
            QueueUrl=stack.outputs[dead_letters], AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        assert attributes["ApproximateNumberOfMessages"] == "0", dead_letters

    # delivered: by mail, queued for the day's print file, which is then assembled
    path = f"{api_url}{UTILITY}/accounts/{account['id']}/correspondence"

    def delivered() -> dict[str, Any] | None:
        items = requests.get(path, headers=clerk, timeout=60).json()["items"]
        return items[0] if items else None

    letter = wait_for(delivered, timeout=60)
    assert (letter["channel"], letter["status"], letter["fallback_reason"]) == (
        "mail",
        "queued-for-print",
        None,
    )
    invoked = stack.client("lambda").invoke(
        FunctionName=stack.outputs["PrintFileFunctionName"],
        Payload=json.dumps({"day": letter["print_day"]}),
    )
    assembled = json.loads(invoked["Payload"].read())
    assert (assembled["done"], assembled["letters"]) == (True, 1)
    stored = stack.client("s3").list_objects_v2(
        Bucket=stack.outputs["DocumentsBucketName"], Prefix=f"print-files/{letter['print_day']}/"
    )["Contents"]
    assert len(stored) == 3  # the letters' PDF and the manifest, in JSON and CSV
    assert delivered()["status"] == "printed"  # type: ignore[index]
