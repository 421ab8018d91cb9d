"""Operations and records in the local stack: it passes template.yaml's Rules (a sandbox, in
Canada), leaves out only what moto cannot create (alarms, the alarm topic, backups), keeps each
function's log for LogRetentionDays, has the operations dashboard, and writes a payment's
receipt under Object Lock (the renderer's settings, permissions and bucket as deployed)."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import requests

from civiq.core.staff import Role
from civiq.platform.s3 import DocumentLock
from infra.local.demo import Town, load_via_api, municipality
from infra.local.run import staff_token
from infra.local.stack import REGION, LocalStack
from tests.helpers.stack import http_sender
from tests.helpers.template_rules import AWS_ONLY_TYPES, refused_by_rules

pytestmark = pytest.mark.e2e
API = "/api/v1/utility"
YESTERDAY = (date.today() - timedelta(days=1)).isoformat()


def of_type(stack: LocalStack, kind: str) -> list[str]:
    return [n for n, r in stack.template["Resources"].items() if r["Type"] == kind]


def test_the_local_stack_is_a_canadian_sandbox_without_the_aws_only_resources(
    stack: LocalStack,
) -> None:
    assert refused_by_rules(stack.template, stack.parameters, REGION) == set()
    as_if_not_a_sandbox = {**stack.parameters, "SandboxStack": "false"}
    assert refused_by_rules(stack.template, as_if_not_a_sandbox, REGION) == {
        "LocalAuthOnlyInSandbox"
    }
    aws_only = {
        name
        for name, resource in stack.template["Resources"].items()
        if resource["Type"].startswith(AWS_ONLY_TYPES)
    }
    assert len(aws_only) > 80
    assert not aws_only & set(stack.physical_ids)


def test_every_function_log_is_kept_log_retention_days(stack: LocalStack) -> None:
    pages = stack.client("logs").get_paginator("describe_log_groups").paginate()
    kept = {g["logGroupName"]: g.get("retentionInDays") for p in pages for g in p["logGroups"]}
    days = stack.template["Parameters"]["LogRetentionDays"]["Default"]
    functions = of_type(stack, "AWS::Serverless::Function")
    assert functions
    for function in functions:
        assert kept[f"/aws/lambda/{stack.physical_ids[function]}"] == days, function


def test_the_dashboard_shows_every_dead_letter_queue_of_this_stack(stack: LocalStack) -> None:
    dashboard = stack.client("cloudwatch").get_dashboard(
        DashboardName=stack.physical_ids["OperationsDashboard"]
    )
    body = json.loads(dashboard["DashboardBody"])
    shown = {
        metric[3]
        for widget in body["widgets"]
        for metric in widget["properties"]["metrics"]
        if metric[:3] == ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName"]
    }
    queues = [n for n in of_type(stack, "AWS::SQS::Queue") if n.endswith("DeadLetterQueue")]
    assert shown == {stack.physical_ids[q].rsplit("/", 1)[-1] for q in queues}


def test_a_payment_receipt_is_written_locked_for_the_retention_years(
    stack: LocalStack, api_url: str
) -> None:
    clerk = http_sender(api_url, staff_token(stack, Role.CLERK))
    town = Town(name="Sainte-Archive", municipality_code="0413")
    (account,) = load_via_api(municipality(properties=1, seed=31, town=town), clerk)[:1]
    answer = requests.post(
        f"{api_url}{API}/accounts/{account['id']}/payments",
        json={"amount": "12.00", "method": "cash", "received_on": YESTERDAY},
        headers={
            "Authorization": f"Bearer {staff_token(stack, Role.CLERK)}",
            "Idempotency-Key": str(uuid.uuid4()),
        },
        timeout=60,
    )
    assert answer.status_code == 201, answer.text
    s3 = stack.client("s3")
    bucket = stack.outputs["DocumentsBucketName"]
    prefix = f"receipts/{account['id']}/"
    deadline = time.monotonic() + 60
    while not (found := s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents")):
        assert time.monotonic() < deadline, "no receipt was written"
        time.sleep(0.5)

    written: dict[str, Any] = s3.head_object(Bucket=bucket, Key=found[0]["Key"])
    years = int(stack.template["Parameters"]["StatementRetentionYears"]["Default"])
    assert written["ObjectLockMode"] == "COMPLIANCE"
    until = written["ObjectLockRetainUntilDate"]
    assert abs(until - DocumentLock(years).retain_until(datetime.now(UTC))) < timedelta(hours=1)
