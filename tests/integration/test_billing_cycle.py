"""The billing-cycle state machine, its real ASL (Distributed Map included) run by moto's Step
Functions interpreter in this process. The Lambda tasks are functions/billing_tasks and
functions/statement_renderer (real WeasyPrint) against moto's DynamoDB, S3 and EventBridge.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal as D
from types import ModuleType, SimpleNamespace
from typing import Any
from unittest.mock import patch

import boto3
import pytest
from moto.awslambda_simple.models import LambdaSimpleBackend
from moto.core.config import default_user_config
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

from civiq.accounts.adapters.dynamodb_workflows import DynamoBalances
from civiq.billing.adapters.dynamodb import DynamoCycles, DynamoRuns, DynamoStatements
from civiq.billing.domain.cycles import CycleDefinition, Frequency, Outcome, RunStatus
from civiq.billing.services.cycles import DefineCycle, StartRun
from civiq.core.audit import AuditEntry
from civiq.core.language import Language
from civiq.platform.stepfunctions import StepFunctionsWorkflow
from civiq.rates.adapters.dynamodb import DynamoRateSchedules
from infra.local.lambda_runtime import import_isolated
from tests.helpers.billing_world import SCHEDULE
from tests.helpers.emulator import BUCKET, BUS, REGION, TABLE
from tests.helpers.files import REPO
from tests.helpers.handlers import Context
from tests.helpers.workflows import (
    CLERK,
    definition,
    metered_account,
    read,
    recorder,
    zipped,
)
from tests.helpers.workflows import Harness as WorkflowHarness

PERIOD_END = date(2026, 10, 31)
FUNCTIONS = {"billing-tasks": "billing_tasks", "statement-renderer": "statement_renderer"}


@dataclass
class Harness:
    """The two task functions behind moto's Lambda."""

    handlers: dict[str, ModuleType]
    calls: list[str] = field(default_factory=list)
    fail_first: set[str] = field(
        default_factory=set
    )  # tasks reported failed once, after their work
    machine: str = ""

    def invoke(
        self, function_name: str, qualifier: str | None, body: Any, headers: Any, response: Any
    ) -> bytes:
        event = json.loads(body)
        name = function_name.rsplit(":", 1)[-1]
        task = event.get("task", "issue_statements")
        self.calls.append(task)
        try:
            result = self.handlers[name].handler(event, Context())
        except Exception as exc:
            return _error(response, type(exc).__name__, str(exc))
        if task in self.fail_first and self.calls.count(task) == 1:
            return _error(response, "TransactWriteError", "response lost")
        return json.dumps(result).encode()


def _error(headers: Any, error_type: str, message: str) -> bytes:
    headers["x-amz-function-error"] = "Unhandled"
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


@pytest.fixture
def harness(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    for name, value in {
        "TABLE_NAME": TABLE,
        "EVENT_BUS_NAME": BUS,
        "DOCUMENTS_BUCKET": BUCKET,
        "MUNICIPALITY_NAME": "Town of Example",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(retrier_decl, "time", SimpleNamespace(sleep=lambda seconds: None))
    executing = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
    with patch.dict(default_user_config, executing):
        handlers = {}
        for function, folder in FUNCTIONS.items():
            code = REPO / "functions" / folder
            handlers[function] = import_isolated(
                code, code / "handler.py", f"_{folder}_{uuid.uuid4().hex}"
            )
        harness = Harness(handlers)
        monkeypatch.setattr(
            LambdaSimpleBackend, "invoke", lambda backend, *call: harness.invoke(*call)
        )
        role = boto3.client("iam").create_role(RoleName="billing", AssumeRolePolicyDocument="{}")
        arns = {}
        for function in FUNCTIONS:
            arns[function] = boto3.client("lambda", region_name=REGION).create_function(
                FunctionName=function,
                Runtime="python3.12",
                Role=role["Role"]["Arn"],
                Handler="handler.handler",
                Code={"ZipFile": zipped({"handler.py": b""})},
            )["FunctionArn"]
        harness.machine = boto3.client("stepfunctions", region_name=REGION).create_state_machine(
            name="billing-cycle",
            definition=definition(
                "billing_cycle.asl.json",
                BillingTasksFunctionArn=arns["billing-tasks"],
                StatementRendererFunctionArn=arns["statement-renderer"],
                BillingConcurrency="2",
            ),
            roleArn=role["Role"]["Arn"],
        )["stateMachineArn"]
        yield harness


def define_cycle() -> None:
    """The water schedule and a monthly cycle of route 1 whose periods end at month ends."""
    entry = AuditEntry("RS1", "RATE#water-2026", "Test", "s", "s", datetime.now(UTC), "c", {})
    DynamoRateSchedules().save(None, SCHEDULE, entry)
    cycle = CycleDefinition(
        "residential-a",
        "Residential A",
        Frequency.MONTHLY,
        ("1",),
        SCHEDULE.schedule_id,
        date(2026, 9, 30),
    )
    DefineCycle(DynamoCycles(), DynamoRateSchedules(), recorder()).create(cycle, CLERK, "setup")


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
        DynamoCycles(), DynamoRuns(), StepFunctionsWorkflow(sfn, harness.machine), recorder()
    )
    run = start("residential-a", PERIOD_END, CLERK, "corr-run")
    execution = f"{harness.machine.replace(':stateMachine:', ':execution:')}:{run.run_id}-1"
    finished = WorkflowHarness.finished(execution, timeout=120)
    assert finished["status"] == "SUCCEEDED", finished
    return run.run_id


@pytest.mark.parametrize(
    "lost", [set(), {"bill_batch", "issue_statements"}], ids=["once", "retried"]
)
def test_a_cycle_run_bills_renders_and_announces_every_account_once(
    harness: Harness, lost: set[str]
) -> None:
    harness.fail_first = lost  # each task's first response lost after it did its work
    first, first_meter = metered_account("Élise Tremblay", "12 Rue Laurier")
    second, second_meter = metered_account("Marc Roy", "14 Rue Laurier")
    unread, _ = metered_account("Ana Silva", "16 Rue Laurier")  # no read, no history
    read(first_meter, "2026-10-30", "25")
    read(second_meter, "2026-11-02", "40")  # read after the period end, within the read days
    define_cycle()
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
