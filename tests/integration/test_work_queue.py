"""The staff work queue over in-process moto: a move whose final bill cannot be produced fails
visibly, never closes the account, and waits in the queue until staff fix the cause and retry it;
a dead letter is kept as an item whose retry sends it back to its queue. Workflows run their real
ASL (moto's interpreter) with the real task functions; staff act through the real API routes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.adapters.dynamodb_workflows import DynamoBalances
from civiq.accounts.domain.accounts import AccountStatus
from civiq.billing.adapters.dynamodb import DynamoStatements
from civiq.billing.domain.statements import StatementKind
from civiq.core.staff import Role
from civiq.platform.stepfunctions import StepFunctionsWorkflow
from tests.helpers.api import API, call, ok
from tests.helpers.billing_world import SCHEDULE
from tests.helpers.emulator import REGION
from tests.helpers.handlers import Context, sqs_event
from tests.helpers.workflows import (
    Harness,
    define_cycle,
    executing_workflows,
    metered_account,
    read,
)

WORK_QUEUE = f"{API}/work-queue"
TASK_FUNCTIONS = {
    "workflow-tasks": "workflow_tasks",
    "final-bill": "final_bill",
    "work-queue": "work_queue",
}


@pytest.fixture
def harness(chalice_app: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    policy = {"TENANT_ARREARS_POLICY": "stay-with-tenant"}
    with executing_workflows(monkeypatch, TASK_FUNCTIONS, **policy) as harness:
        harness.create_machine(
            "move",
            "move.asl.json",
            WorkflowTasksFunctionArn=harness.arns["workflow-tasks"],
            FinalBillFunctionArn=harness.arns["final-bill"],
            WorkQueueFunctionArn=harness.arns["work-queue"],
        )
        yield harness


def move_out(harness: Harness, name: str, account_id: str, reading: dict[str, Any]) -> str:
    return harness.run(
        "move",
        name,
        {
            "move_id": name,
            "actor": {"subject": "clerk-7", "role": "clerk"},
            "correlation_id": f"cid-{name}",
            "move_out": {
                "account_id": account_id,
                "move_out_date": "2026-11-20",
                "final_reading": reading,
            },
            "move_in": None,
        },
    )


def test_a_final_bill_that_cannot_be_produced_fails_the_move_and_waits_for_staff(
    harness: Harness, chalice_app: Any
) -> None:
    from chalice.test import Client

    define_cycle(SCHEDULE)
    tenant, meter = metered_account("Élise Tremblay", "12 Rue Laurier")
    # no final read and nothing to estimate one from: the final bill cannot be produced
    failed = harness.finished(move_out(harness, "MV7", tenant.account_id, {"estimate": True}))

    assert failed["status"] == "FAILED"
    assert failed["error"] == "FinalBillBlocked"
    after = DynamoAccountRepository().get(tenant.account_id)
    assert after.status is AccountStatus.FINAL_BILLED  # never closed without its final bill
    assert DynamoStatements().recent(tenant.account_id, 5) == []
    assert harness.states(failed["executionArn"])[-3:] == ["FinalBill", "RecordFailure", "Failed"]

    with Client(chalice_app) as client:
        (item,) = ok(call(client, "GET", WORK_QUEUE))["items"]
        assert (item["kind"], item["status"], item["step"]) == (
            "workflow-step",
            "open",
            "FinalBill",
        )
        assert item["error"] == "FinalBillBlocked"
        assert "no-read-no-history" in item["cause"]
        assert f"account_id={tenant.account_id}" in item["subjects"]
        assert ok(call(client, "GET", f"{WORK_QUEUE}/{item['item_id']}")) == item

        read(meter, "2026-11-20", "30")  # staff enter the final read the estimate lacked
        retried = ok(
            call(
                client,
                "POST",
                f"{WORK_QUEUE}/{item['item_id']}/retry",
                {"note": "final read entered from the photo"},
            )
        )
        assert retried["status"] == "retried"
        assert retried["notes"][0]["note"] == "final read entered from the photo"
        again = call(client, "POST", f"{WORK_QUEUE}/{item['item_id']}/retry", {"note": "x"})
        assert again.status_code == 409  # retried already: a new failure is a new item

        rerun = harness.finished(failed["executionArn"] + "--retry-1")
        assert rerun["status"] == "SUCCEEDED", rerun.get("cause")
        moves = StepFunctionsWorkflow(boto3.client("stepfunctions"), harness.machines["move"])
        described = moves.describe("MV7")  # the move, as GET /moves/MV7 reports it: retried
        assert described is not None
        assert (described.name, described.status) == ("MV7", "SUCCEEDED")
        (statement,) = DynamoStatements().recent(tenant.account_id, 5)
        assert statement.kind is StatementKind.FINAL
        assert statement.reads[0].volume == 30
        assert DynamoBalances().balance_of(tenant.account_id).amount == statement.bill.total
        assert ok(call(client, "GET", WORK_QUEUE))["items"] == []
        (kept,) = ok(call(client, "GET", f"{WORK_QUEUE}?status=retried"))["items"]
        assert kept["item_id"] == item["item_id"]
        history = ok(call(client, "GET", f"{API}/accounts/{tenant.account_id}/history"))
        actions = [e["action"] for e in history["items"]]
        assert actions.count("FinalBillRequested") == 1  # the rerun redid nothing done


def dead_letter_queues() -> tuple[str, str, str]:
    """A worker's queue and its dead-letter queue: (queue url, DLQ url, DLQ arn)."""
    sqs = boto3.client("sqs", region_name=REGION)
    dlq = sqs.create_queue(QueueName="exports-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5})
    queue = sqs.create_queue(QueueName="exports", Attributes={"RedrivePolicy": policy})["QueueUrl"]
    return queue, dlq, dlq_arn


def dead_letter_event(dlq_arn: str, message_id: str, body: str) -> dict[str, Any]:
    """What the dead-letter queue's event source hands the work-queue function."""
    return sqs_event([body], dlq_arn, [message_id])


def test_a_dead_letter_is_kept_once_and_a_retry_sends_it_back_to_its_queue(
    harness: Harness, chalice_app: Any
) -> None:
    from chalice.test import Client

    queue, _, dlq_arn = dead_letter_queues()
    body = json.dumps({"export_id": "EX1", "detail": {"account_id": "01ACCOUNT"}})
    recorder = harness.handlers["work-queue"]
    for _ in range(2):  # delivered twice: one item
        assert recorder.handler(dead_letter_event(dlq_arn, "m-1", body), Context()) == {
            "batchItemFailures": []
        }
    other = json.dumps({"export_id": "EX2"})
    recorder.handler(dead_letter_event(dlq_arn, "m-2", other), Context())

    with Client(chalice_app) as client:
        items = ok(call(client, "GET", WORK_QUEUE))["items"]
        assert [(i["kind"], i["reference"], i["payload"]) for i in items] == [
            ("dead-letter", "m-1", body),
            ("dead-letter", "m-2", other),
        ]
        assert items[0]["subjects"] == ["account_id=01ACCOUNT"]
        first, second = (i["item_id"] for i in items)
        ok(call(client, "POST", f"{WORK_QUEUE}/{first}/retry", {"note": "bucket fixed"}))
        sqs = boto3.client("sqs", region_name=REGION)
        (message,) = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
        assert message["Body"] == body

        refused = call(client, "POST", f"{WORK_QUEUE}/{second}/resolve", {"note": "n"})
        assert refused.status_code == 403  # resolving without a retry is a supervisor's call
        resolved = ok(
            call(
                client,
                "POST",
                f"{WORK_QUEUE}/{second}/resolve",
                {"note": "export no longer wanted"},
                role=Role.SUPERVISOR,
            )
        )
        assert resolved["status"] == "resolved"
        assert ok(call(client, "GET", WORK_QUEUE))["items"] == []
        missing = call(client, "GET", f"{WORK_QUEUE}/WI-NOPE")
        assert missing.status_code == 404


def test_a_scheduled_run_that_failed_is_invoked_again_from_the_work_queue(
    harness: Harness, chalice_app: Any
) -> None:
    from chalice.test import Client

    harness.deploy({"account-activation": "account_activation"})
    event = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
    record = {
        "version": "1.0",
        "requestContext": {
            "requestId": "req-1",
            "functionArn": harness.arns["account-activation"] + ":$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 3,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "functionError": "Unhandled"},
        "responsePayload": {"errorType": "ReadTimeoutError", "errorMessage": "DynamoDB timed out"},
    }
    failures = "arn:aws:sqs:ca-central-1:123456789012:failed-invocations"
    harness.handlers["work-queue"].handler(
        dead_letter_event(failures, "m-9", json.dumps(record)), Context()
    )
    with Client(chalice_app) as client:
        (item,) = ok(call(client, "GET", WORK_QUEUE))["items"]
        assert (item["kind"], item["source"]) == (
            "failed-invocation",
            harness.arns["account-activation"],
        )
        assert (item["error"], item["cause"]) == ("ReadTimeoutError", "DynamoDB timed out")
        ok(call(client, "POST", f"{WORK_QUEUE}/{item['item_id']}/retry", {"note": "rerun"}))
    assert harness.calls == ["account-activation"]  # invoked again with the same event
