"""The platform slice end to end in the local stack: API -> DynamoDB -> EventBridge -> SQS ->
audit worker, and -> Step Functions -> WeasyPrint letter in S3. Hop by hop, then together."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import requests
from pypdf import PdfReader

from infra.local.packaging import load_template
from infra.local.stack import DriftError, LocalStack
from tests.helpers.polling import wait_for
from tests.helpers.stack import audit_items
from tests.helpers.template_rules import condition_holds

pytestmark = pytest.mark.e2e
ACCOUNTS = "/api/v1/utility/accounts"


def open_account(api_url: str, clerk: dict[str, str], language: str, name: str) -> dict[str, Any]:
    body = {
        "customer": {
            "name": name,
            "contact": {"email": "resident@example.ca"},
            "preferences": {"language": language},
        },
        "property": {
            "address": {
                "street": "12 Rue Principale",
                "city": "Gatineau",
                "province": "QC",
                "postal_code": "J8X 1A1",
            }
        },
        "cart_size": "medium",  # all four services: the town's rates charge waste by cart size
    }
    response = requests.post(f"{api_url}{ACCOUNTS}", json=body, headers=clerk, timeout=60)
    assert response.status_code == 201, response.text
    return dict(response.json())


def letter_text(stack: LocalStack, key: str) -> str:
    body = stack.client("s3").get_object(Bucket=stack.outputs["DocumentsBucketName"], Key=key)
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(body["Body"].read())).pages)


def test_every_template_resource_exists_in_the_local_stack(stack: LocalStack) -> None:
    template = load_template()
    names = set(template["Resources"])
    left_out = {
        name
        for name, resource in template["Resources"].items()
        if "Condition" in resource
        and not condition_holds(resource["Condition"], template, stack.parameters)
    }
    local = set(stack.physical_ids)
    for name in names - left_out:
        assert any(p == name or p.startswith(name) for p in local), name
    assert all(stack.physical_ids.values())
    # AuthMode=local: the Cognito pool exists only in AWS; so do alarms and backups (OnAws)
    assert {"StaffUserPool", "BackupPlan", "ApiServerErrorsAlarm"} <= left_out
    assert not left_out & local


def test_drift_guard_names_a_template_resource_the_emulator_lacks(stack: LocalStack) -> None:
    resources = {"Resources": {"GhostQueue": {"Type": "AWS::SQS::Queue", "Properties": {}}}}
    with pytest.raises(DriftError, match="GhostQueue"):
        stack.check_drift(resources)


def test_oversized_body_is_refused_by_the_gateway(api_url: str, clerk: dict[str, str]) -> None:
    response = requests.post(
        f"{api_url}{ACCOUNTS}", data=b"x" * (10 * 1024 * 1024 + 1), headers=clerk, timeout=30
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_account_opened_flows_to_audit_and_a_french_welcome_letter(
    stack: LocalStack, api_url: str, clerk: dict[str, str]
) -> None:
    account = open_account(api_url, clerk, "fr", "Émilie Tremblay")

    fetched = requests.get(f"{api_url}{ACCOUNTS}/{account['id']}", headers=clerk, timeout=30)
    assert fetched.status_code == 200
    assert fetched.json()["account_number"] == account["account_number"]

    audit = wait_for(lambda: audit_items(stack, account["id"]))
    assert audit[0]["action"]["S"] == "AccountOpened"
    assert audit[0]["actor_subject"]["S"] == "local-clerk"
    changes = json.loads(audit[0]["detail"]["S"])["changes"]  # written with the account
    assert changes["account_number"] == {"before": None, "after": account["account_number"]}

    def letter_key() -> str | None:
        latest = requests.get(f"{api_url}{ACCOUNTS}/{account['id']}", headers=clerk, timeout=30)
        return latest.json()["welcome_letter_key"]

    key = wait_for(letter_key, timeout=60)
    assert key == f"letters/welcome/{account['id']}.pdf"
    text = letter_text(stack, key)
    assert "Émilie Tremblay" in text
    assert account["account_number_display"] in text
    assert "Bienvenue" in text

    executions = stack.client("stepfunctions").list_executions(
        stateMachineArn=stack.outputs["WelcomeLetterStateMachineArn"]
    )["executions"]
    mine = [e for e in executions if e["name"] == f"welcome-{account['id']}"]
    assert [e["status"] for e in mine] == ["SUCCEEDED"]


def test_english_account_gets_an_english_letter(
    stack: LocalStack, api_url: str, clerk: dict[str, str]
) -> None:
    account = open_account(api_url, clerk, "en", "Olivia Smith")

    def letter_key() -> str | None:
        latest = requests.get(f"{api_url}{ACCOUNTS}/{account['id']}", headers=clerk, timeout=30)
        return latest.json()["welcome_letter_key"]

    text = letter_text(stack, wait_for(letter_key, timeout=60))
    assert "Welcome" in text and "Bienvenue" not in text


def test_redelivered_event_is_recorded_once_and_starts_no_second_letter(
    stack: LocalStack, api_url: str, clerk: dict[str, str]
) -> None:
    account = open_account(api_url, clerk, "en", "Liam Brown")
    (recorded,) = wait_for(lambda: audit_items(stack, account["id"]))
    envelope = {
        "event_id": recorded["entry_id"]["S"],
        "event_type": "AccountOpened",
        "version": 1,
        "occurred_at": recorded["occurred_at"]["S"].replace("+0000", "+00:00"),
        "actor": {"subject": "local-clerk", "role": "clerk"},
        "correlation_id": "redelivery-test",
        "subject_id": f"ACCOUNT#{account['id']}",
        "data": json.loads(recorded["detail"]["S"]),
    }
    redelivered = {"detail-type": "AccountOpened", "source": "civiq.utility", "detail": envelope}
    sqs = stack.client("sqs")
    for queue in ("AuditQueueUrl", "LetterQueueUrl"):
        sqs.send_message(QueueUrl=stack.outputs[queue], MessageBody=json.dumps(redelivered))
    assert len(audit_items(stack, account["id"])) == 1
    executions = stack.client("stepfunctions").list_executions(
        stateMachineArn=stack.outputs["WelcomeLetterStateMachineArn"]
    )["executions"]
    assert len([e for e in executions if e["name"] == f"welcome-{account['id']}"]) == 1
    for queue in ("AuditDeadLetterQueueUrl", "LetterDeadLetterQueueUrl"):
        attributes = sqs.get_queue_attributes(
            QueueUrl=stack.outputs[queue], AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        assert attributes["ApproximateNumberOfMessages"] == "0"


def test_malformed_request_through_the_gateway_is_a_4xx_naming_the_field(
    api_url: str, clerk: dict[str, str]
) -> None:
    response = requests.post(
        f"{api_url}{ACCOUNTS}",
        json={"customer": {"name": "A", "preferences": {"language": "en"}}, "language": "en"},
        headers=clerk,
        timeout=30,
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "language"  # unknown field
    assert requests.get(f"{api_url}{ACCOUNTS}", timeout=30).status_code == 401
    assert requests.get(f"{api_url}/api/v1/nowhere", headers=clerk, timeout=30).status_code == 404


def test_outbox_relay_publishes_events_a_failed_publish_left_behind(stack: LocalStack) -> None:
    """Simulate the API crashing between commit and publish: the event sits in the outbox until
    the scheduled relay (fired here as the local runner fires it) publishes it."""
    from datetime import UTC, datetime, timedelta

    from civiq.platform.dynamodb import keys

    occurred = datetime.now(UTC) - timedelta(minutes=10)
    account_id = "01J0RELAYTESTACCOUNT000000"
    envelope = {
        "event_id": "01J0RELAYTESTEVENT00000000",
        "event_type": "AccountOpened",
        "version": 1,
        "occurred_at": occurred.isoformat(),
        "actor": {"subject": "clerk-9", "role": "clerk"},
        "correlation_id": "relay-test",
        "subject_id": f"ACCOUNT#{account_id}",
        "data": {
            "account_id": account_id,
            "account_number": "UB99999995",
            "property_id": "01J0RELAYTESTPROPERTY00000",
            "customer_id": "01J0RELAYTESTCUSTOMER00000",
            "customer_name": "Zoé Gauthier",
            "holder_role": "owner",
            "language": "fr",
            "service_address": "1 Rue Test, Gatineau QC J8X 1A1",
            "services": ["water"],
        },
    }
    stack.client("dynamodb").put_item(
        TableName=stack.outputs["MainTableName"],
        Item={
            "PK": {"S": keys.outbox_pk(envelope["event_id"])},
            "SK": {"S": keys.outbox_sk(occurred, envelope["event_id"])},
            "envelope": {"S": json.dumps(envelope)},
        },
    )
    ((rule, _expression, target),) = [
        t for t in stack.scheduled_targets() if stack.physical_ids["OutboxRelayFunction"] in t[2]
    ]
    # the relay publishes whatever was left behind: this event, and any an earlier test on this
    # stack left (autopay requests are published by the relay alone)
    first = stack.fire_schedule(rule, target)
    assert isinstance(first, dict) and first["relayed"] >= 1
    assert audit_items(stack, account_id)[0]["entry_id"]["S"] == envelope["event_id"]
    assert stack.fire_schedule(rule, target) == {"relayed": 0}
