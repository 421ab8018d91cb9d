"""The billing-cycle state machine, its real ASL (Distributed Map included) run by moto's Step
Functions interpreter in this process. The Lambda tasks are functions/billing_tasks and
functions/statement_renderer (real WeasyPrint) against moto's DynamoDB, S3 and EventBridge. A
run whose statements cannot all be rendered fails visibly into the staff work queue (the
work-queue function, the real API routes), and the retry completes it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from decimal import Decimal as D
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest

from civiq.accounts.adapters.dynamodb_workflows import DynamoBalances
from civiq.billing.adapters.dynamodb import DynamoCycles, DynamoRuns, DynamoStatements
from civiq.billing.domain.cycles import Outcome, RunStatus
from civiq.billing.services.cycles import StartRun
from civiq.core.language import Language
from civiq.platform.stepfunctions import StepFunctionsWorkflow
from tests.helpers.api import API, call, ok
from tests.helpers.billing_world import SCHEDULE
from tests.helpers.emulator import BUCKET, BUS, REGION
from tests.helpers.files import REPO
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


WORK_QUEUE = f"{API}/work-queue"


def start_cycle(harness: Harness) -> tuple[str, dict[str, Any]]:
    """The run of PERIOD_END started, and its execution once it ended."""
    sfn = boto3.client("stepfunctions", region_name=REGION)
    machine = harness.machines["billing"]
    run = StartRun(DynamoCycles(), DynamoRuns(), StepFunctionsWorkflow(sfn, machine), recorder())(
        "residential-a", PERIOD_END, CLERK, "corr-run"
    )
    execution = f"{machine.replace(':stateMachine:', ':execution:')}:{run.run_id}-1"
    return run.run_id, harness.finished(execution, timeout=120)


def retry_from_the_work_queue(client: Any, failed: dict[str, Any], run_id: str) -> dict[str, Any]:
    """The run's one open work item retried by a clerk; the rerun execution once it ended."""
    (item,) = ok(call(client, "GET", WORK_QUEUE))["items"]
    assert (item["step"], item["error"]) == ("RunIncomplete", "BillingRunIncomplete")
    assert item["cause"] == failed["cause"] and f"run_id={run_id}" in item["subjects"]
    ok(call(client, "POST", f"{WORK_QUEUE}/{item['item_id']}/retry", {"note": "fixed"}))
    return Harness.finished(failed["executionArn"] + "--retry-1", timeout=120)


@pytest.fixture
def templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the templates the statement renderer reads (TEMPLATES_DIR)."""
    copy = shutil.copytree(REPO / "templates", tmp_path / "templates")
    monkeypatch.setenv("TEMPLATES_DIR", str(copy))
    return copy


def test_a_statement_that_cannot_be_rendered_fails_its_account_and_the_run_into_the_work_queue(
    harness: Harness, chalice_app: Any, templates: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalice.test import Client

    monkeypatch.setenv("BILLING_CYCLE_STATE_MACHINE_ARN", harness.machines["billing"])
    statement = templates / "statement.html.j2"
    fixed = statement.read_text()
    # a template error that only Marc Roy's statement meets (StrictUndefined raises)
    broken = '{% block title %}{% if recipient_name == "Marc Roy" %}{{ no_such_value }}{% endif %}'
    statement.write_text(fixed.replace("{% block title %}", broken, 1))
    people = {}
    for n, name in enumerate(("Élise Tremblay", "Marc Roy", "Ana Silva")):
        account, meter = metered_account(name, f"{12 + 2 * n} Rue Laurier")
        read(meter, "2026-10-30", "25")
        people[name] = account.account_id
    define_cycle(SCHEDULE)
    listen_for_statements()

    run_id, failed = start_cycle(harness)

    assert failed["status"] == "FAILED" and failed["error"] == "BillingRunIncomplete"
    assert harness.states(failed["executionArn"])[-4:] == [
        "IsCompleted",
        "RunIncomplete",
        "RecordFailure",
        "Failed",
    ]
    assert failed["cause"] == (
        f"billing run {run_id} is incomplete: 1 of 1 batches billed and issued; 3 accounts: "
        "2 billed, 0 skipped, 1 failed (not_rendered:UndefinedError: 1)"
    )
    marc = people["Marc Roy"]
    (unissued,) = DynamoStatements().recent(marc, 5)
    assert unissued.document_key is None
    assert sorted(e["account_id"] for e in announced()) == sorted(
        people[n] for n in ("Élise Tremblay", "Ana Silva")
    )
    with Client(chalice_app) as client:
        run = ok(call(client, "GET", f"{API}/runs/{run_id}"))
        assert (run["status"], run["batches_done"]) == ("incomplete", 1)
        assert (run["billed"], run["skipped"], run["failed"]) == (2, 0, 1)
        assert run["reasons"] == {"not_rendered:UndefinedError": 1}
        assert run["exceptions"] == [
            {
                "account_id": marc,
                "outcome": "failed",
                "reason": "not_rendered:UndefinedError",
                "detail": "'no_such_value' is undefined",
            }
        ]

        statement.write_text(fixed)  # the template fixed and deployed: a new cold start
        harness.handlers["statement-renderer"].issue_batch.cache_clear()
        rerun = retry_from_the_work_queue(client, failed, run_id)

        assert rerun["status"] == "SUCCEEDED", rerun.get("cause")
        run = ok(call(client, "GET", f"{API}/runs/{run_id}"))
        assert (run["status"], run["billed"], run["failed"], run["exceptions"]) == (
            "completed",
            3,
            0,
            [],
        )
    (issued,) = DynamoStatements().recent(marc, 5)
    assert issued.statement_id == unissued.statement_id and issued.document_key is not None
    assert [e["statement_id"] for e in announced()] == [issued.statement_id]  # once, now
    assert harness.calls.count("bill_batch") == 2  # the rerun found every account billed


def test_a_renderer_that_cannot_start_leaves_the_run_incomplete_until_retried(
    harness: Harness, chalice_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalice.test import Client

    monkeypatch.setenv("BILLING_CYCLE_STATE_MACHINE_ARN", harness.machines["billing"])

    def cannot_start(event: dict[str, Any], context: Any) -> Any:
        raise ImportError("cannot load library 'libpango-1.0-0'")  # WeasyPrint's native libraries

    renderer = harness.handlers["statement-renderer"]
    monkeypatch.setitem(
        harness.handlers, "statement-renderer", SimpleNamespace(handler=cannot_start)
    )
    account, meter = metered_account("Élise Tremblay", "12 Rue Laurier")
    read(meter, "2026-10-30", "25")
    define_cycle(SCHEDULE)
    listen_for_statements()

    run_id, failed = start_cycle(harness)

    assert failed["status"] == "FAILED" and failed["error"] == "BillingRunIncomplete"
    assert "0 of 1 batches billed and issued; 1 accounts: 1 billed" in failed["cause"]
    assert harness.calls.count("statement-renderer") == 4  # the task and its three retries
    assert DynamoRuns().get(run_id).status is RunStatus.INCOMPLETE
    assert announced() == []
    with Client(chalice_app) as client:
        run = ok(call(client, "GET", f"{API}/runs/{run_id}"))
        assert (run["status"], run["batches"], run["batches_done"]) == ("incomplete", 1, 0)

        harness.handlers["statement-renderer"] = renderer  # the renderer's libraries deployed
        rerun = retry_from_the_work_queue(client, failed, run_id)

        assert rerun["status"] == "SUCCEEDED", rerun.get("cause")
        run = ok(call(client, "GET", f"{API}/runs/{run_id}"))
        assert (run["status"], run["batches_done"], run["billed"]) == ("completed", 1, 1)
    (statement,) = DynamoStatements().recent(account.account_id, 5)
    assert statement.document_key is not None
    assert [e["statement_id"] for e in announced()] == [statement.statement_id]
