"""The billing-cycle state machine, its real ASL (Distributed Map included) run by moto's Step
Functions interpreter in this process. The Lambda tasks are functions/billing_tasks and
functions/statement_renderer (real WeasyPrint) against moto's DynamoDB, S3 and EventBridge.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal as D
from typing import Any

import boto3
import pytest

from civiq.accounts.adapters.dynamodb_workflows import DynamoBalances
from civiq.billing.adapters.dynamodb import DynamoCycles, DynamoRuns, DynamoStatements
from civiq.billing.domain.cycles import Outcome, RunStatus
from civiq.billing.services.cycles import StartRun
from civiq.core.language import Language
from civiq.platform.stepfunctions import StepFunctionsWorkflow
from tests.helpers.billing_world import SCHEDULE
from tests.helpers.emulator import BUCKET, BUS, REGION
from tests.helpers.workflows import (
    CLERK,
    Harness,
    define_cycle,
    executing_workflows,
    metered_account,
    read,
    recorder,
)

PERIOD_END = date(2026, 10, 31)
FUNCTIONS = {
    "billing-tasks": "billing_tasks",
    "statement-renderer": "statement_renderer",
    "work-queue": "work_queue",
}


@pytest.fixture
def harness(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    town = {"MUNICIPALITY_NAME": "Town of Example"}
    with executing_workflows(monkeypatch, FUNCTIONS, **town) as harness:
        harness.create_machine(
            "billing",
            "billing_cycle.asl.json",
            BillingTasksFunctionArn=harness.arns["billing-tasks"],
            StatementRendererFunctionArn=harness.arns["statement-renderer"],
            WorkQueueFunctionArn=harness.arns["work-queue"],
            BillingConcurrency="2",
        )
        yield harness


def announced() -> list[dict[str, Any]]:
    """StatementIssued events as the bus delivered them (a rule to a queue the test reads)."""
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.get_queue_url(QueueName="statements-issued")["QueueUrl"]
    bodies = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        bodies += [json.loads(m["Body"])["detail"]["data"] for m in batch]
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def listen_for_statements() -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="statements-issued")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    bus = boto3.client("events", region_name=REGION)
    bus.put_rule(
        Name="statements",
        EventBusName=BUS,
        EventPattern=json.dumps({"detail-type": ["StatementIssued"]}),
    )
    bus.put_targets(Rule="statements", EventBusName=BUS, Targets=[{"Id": "q", "Arn": arn}])


def run_cycle(harness: Harness) -> str:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    start = StartRun(
        DynamoCycles(),
        DynamoRuns(),
        StepFunctionsWorkflow(sfn, harness.machines["billing"]),
        recorder(),
    )
    run = start("residential-a", PERIOD_END, CLERK, "corr-run")
    machine = harness.machines["billing"]
    execution = f"{machine.replace(':stateMachine:', ':execution:')}:{run.run_id}-1"
    finished = harness.finished(execution, timeout=120)
    assert finished["status"] == "SUCCEEDED", finished
    return run.run_id


@pytest.mark.parametrize(
    "lost", [set(), {"bill_batch", "statement-renderer"}], ids=["once", "retried"]
)
def test_a_cycle_run_bills_renders_and_announces_every_account_once(
    harness: Harness, lost: set[str]
) -> None:
    harness.lose_first = lost  # each task's first response lost after it did its work
    first, first_meter = metered_account("Élise Tremblay", "12 Rue Laurier")
    second, second_meter = metered_account("Marc Roy", "14 Rue Laurier")
    unread, _ = metered_account("Ana Silva", "16 Rue Laurier")  # no read, no history
    read(first_meter, "2026-10-30", "25")
    read(second_meter, "2026-11-02", "40")  # read after the period end, within the read days
    define_cycle(SCHEDULE)
    listen_for_statements()

    run_id = run_cycle(harness)

    run = DynamoRuns().get(run_id)
    assert run.status is RunStatus.COMPLETED and run.selected == 3
    assert (run.counts[Outcome.BILLED], run.counts[Outcome.SKIPPED]) == (2, 1)
    assert run.reasons == {"no-read-no-history": 1}
    s3 = boto3.client("s3", region_name=REGION)
    issued = []
    for account, volume in ((first, "25.000"), (second, "40.000")):
        (statement,) = DynamoStatements().recent(account.account_id, 5)
        assert statement.reads[0].volume == D(volume)
        assert statement.document_key is not None
        pdf = s3.get_object(Bucket=BUCKET, Key=statement.document_key)["Body"].read()
        assert pdf.startswith(b"%PDF")
        assert DynamoBalances().balance_of(account.account_id).amount == statement.bill.total
        issued.append(statement.statement_id)
    assert DynamoStatements().recent(unread.account_id, 5) == []
    assert sorted(e["statement_id"] for e in announced()) == sorted(issued)
    assert statement.language is Language.FR
    if lost:
        assert harness.calls.count("bill_batch") == 2
