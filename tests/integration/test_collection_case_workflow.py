"""A collection case as deployed: the CollectionCase ASL running for real on in-process moto,
its task the collection-cases function on DynamoDB. Waits are skipped (each wakes at once), so
the case climbs its whole ladder, one stage per day it waited for, in one execution; a payment
closes a case and stops its execution; a paused case's execution is stopped, and a resumed case
runs under a new one."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal as D
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
    WaitFunction,
)

from civiq.billing.adapters.dynamodb import DynamoStatements
from civiq.collections.adapters.dynamodb_cases import DynamoCases
from civiq.collections.config import CollectionSettings
from civiq.collections.domain.dunning import CaseEnd, CaseStatus, StepKind
from civiq.collections.wiring import case_services, casework
from civiq.core.events import Actor
from civiq.ledger.domain.payments import PaymentChannel, PaymentMethod
from civiq.payments.services.payments import PostPayment, ReceivedPayment
from civiq.payments.wiring import dynamo_payment_ledger
from civiq.platform.dynamodb.audit import DynamoAuditLog
from civiq.reporting.adapters.dynamodb_dashboard import DynamoDashboard
from infra.local.lambda_runtime import import_isolated
from tests.helpers.emulator import REGION
from tests.helpers.files import REPO
from tests.helpers.handlers import Context, queue_of, sqs_event
from tests.helpers.polling import wait_for
from tests.helpers.statement_builders import issue_with_ledger, issued_entry, owing_statement
from tests.helpers.workflows import Harness, executing_workflows, metered_account

TORONTO = ZoneInfo("America/Toronto")
CLERK = Actor("clerk-1", "clerk")
TASK = "collection-case-task"


@pytest.fixture
def harness(aws: None, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(WaitFunction, "_wait_interval", lambda self, env, wait_seconds: None)
    with executing_workflows(monkeypatch, {TASK: "collection_cases"}) as harness:
        work_queue = "work-queue"
        harness.deploy({work_queue: "work_queue"})
        arn = harness.create_machine(
            "case",
            "collection_case.asl.json",
            CollectionCaseTaskFunctionArn=harness.arns[TASK],
            WorkQueueFunctionArn=harness.arns[work_queue],
        )
        monkeypatch.setenv("COLLECTION_CASE_STATE_MACHINE_ARN", arn)
        yield harness


def delinquent(days_past_due: int, total: str = "500.00") -> str:
    """An account owing ``total`` on a bill due ``days_past_due`` days ago (system clock)."""
    account, _ = metered_account("Élise Tremblay", "12 Rue Laurier")
    due_on = datetime.now(TORONTO).date() - timedelta(days=days_past_due)
    issued = owing_statement(account.account_id, account.account_number, due_on, total)
    assert issue_with_ledger(DynamoStatements(), issued, issued_entry(issued))
    return account.account_id


def execution_of(harness: Harness, name: str) -> str:
    machine = harness.machines["case"]
    return f"{machine.replace(':stateMachine:', ':execution:', 1)}:{name}"


def test_a_case_climbs_its_whole_ladder_one_stage_at_a_time(harness: Harness) -> None:
    account_id = delinquent(days_past_due=31)
    services = case_services(casework(CollectionSettings()))

    case = services.open(account_id, CLERK, "corr-open")
    finished = harness.finished(execution_of(harness, case.execution))

    assert finished["status"] == "SUCCEEDED", finished
    (done,) = DynamoCases().of_account(account_id)
    reached = [s for s in done.steps if s.kind is StepKind.ADVANCED]
    assert [s.stage for s in reached] == [
        "reminder",
        "second-notice",
        "demand",
        "shutoff-warning",
        "escalation",
        "write-off-review",
    ]
    gaps = [(b.on - a.on).days for a, b in pairwise(reached)]
    assert all(gap >= 7 for gap in gaps), gaps  # never two stages within a week
    assert done.status is CaseStatus.OPEN and done.next_on is None  # staff take it from here
    states = Harness.states(execution_of(harness, case.execution))
    assert states.count("Advance") == states.count("WaitForNextStage") + 1
    history = DynamoAuditLog().entries_for(f"ACCOUNT#{account_id}", 100, None).items
    advanced = [e.detail["stage"] for e in history if e.action == "CollectionStageAdvanced"]
    assert sorted(advanced) == sorted(s.stage for s in reached)
    notices = [e.detail for e in history if e.action == "NotificationRequested"]
    kinds = {(n["kind"], n["recipient"]["channel"]) for n in notices}
    assert ("collection-shutoff-warning", "mail") in kinds  # by mail always
    assert len(notices) == len(kinds)  # each notice once
    tasks = services.views.tasks(10, None).items
    assert [t.stage for t in tasks] == ["escalation", "write-off-review"]
    assert DynamoDashboard().aggregates().shutoff_warned == 1  # the dashboard's count


def pay(account_id: str, amount: str) -> None:
    books = dynamo_payment_ledger(CollectionSettings())
    received = ReceivedPayment(
        "P-1",
        account_id,
        D(amount),
        PaymentMethod.CHEQUE,
        PaymentChannel.STAFF,
        datetime.now(TORONTO).date(),
    )
    PostPayment(books)(received, CLERK, "corr-pay")


def test_a_payment_in_full_closes_the_case_and_stops_its_execution(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The execution waits for its next stage (for real, until it is stopped); the payment's
    PaymentPosted reaches the cases' consumer, which closes the case and stops it."""
    monkeypatch.setattr(
        WaitFunction,
        "_wait_interval",
        lambda self, env, wait_seconds: env.program_state_event.wait(60),
    )
    queue = queue_of("PaymentPosted", "case-payments")
    account_id = delinquent(days_past_due=31, total="80.00")
    case = case_services(casework(CollectionSettings())).open(account_id, CLERK, "corr-open")
    arn = execution_of(harness, case.execution)
    wait_for(lambda: "WaitForNextStage" in Harness.states(arn) or None, timeout=60)

    pay(account_id, "80.00")
    sqs = boto3.client("sqs", region_name=REGION)
    bodies = [
        m["Body"] for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    ]
    consumer = import_isolated(
        REPO / "functions" / "collection_cases",
        REPO / "functions" / "collection_cases" / "handler.py",
        "_case_payments_test",
    )
    answer = consumer.payments(sqs_event(bodies), Context())

    assert answer == {"batchItemFailures": []}
    (closed,) = DynamoCases().of_account(account_id)
    assert (closed.status, closed.ended) == (CaseStatus.CLOSED, CaseEnd.PAID)
    assert [s.stage for s in closed.steps if s.kind is StepKind.ADVANCED] == ["reminder"]
    stopped = Harness.finished(arn)
    assert stopped["status"] == "ABORTED", stopped
    assert DynamoCases().current(account_id) is None
