"""The staff work queue's rules: one item per failure, reruns named after the first run, and an
item acted on once."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from civiq.core.errors import Conflict, NotFound
from civiq.core.events import Actor
from civiq.core.fakes import FixedClock, SequentialIds
from civiq.core.reruns import first_run_name, rerun_name
from civiq.operations.adapters.memory import InMemoryWorkItems, RecordingReruns
from civiq.operations.domain.work_items import WorkKind, WorkStatus
from civiq.operations.schemas.work_items import WorkflowFailureIn, dead_letter, from_queue
from civiq.operations.services.work_queue import WorkQueue, subjects_in

CLERK = Actor("clerk-1", "clerk")
MACHINE = "arn:aws:states:ca-central-1:1:stateMachine:move"
DLQ = "arn:aws:sqs:ca-central-1:1:civiq-ExportDeadLetterQueue-X"


@pytest.fixture
def queue() -> WorkQueue:
    return WorkQueue(
        InMemoryWorkItems(),
        RecordingReruns(),
        FixedClock(datetime(2026, 12, 6, 15, tzinfo=UTC)),
        SequentialIds("01W"),
    )


def workflow_failure(execution: str = "MV1") -> WorkflowFailureIn:
    return WorkflowFailureIn(
        state_machine=MACHINE,
        execution=execution,
        execution_arn=f"{MACHINE}:{execution}",
        execution_input={"move_id": "MV1", "move_out": {"account_id": "A1"}, "move_in": None},
        error="FinalBillBlocked",
        cause='{"errorType":"FinalBillBlocked","errorMessage":"blocked: read-needs-review"}',
    )


def test_a_rerun_is_named_after_the_first_run_so_its_tasks_keep_their_ids() -> None:
    assert rerun_name("MV1") == "MV1--retry-1"
    assert rerun_name("MV1--retry-1") == "MV1--retry-2"
    assert first_run_name("MV1--retry-2") == first_run_name("MV1") == "MV1"


def test_a_failure_reported_twice_is_one_item_with_the_message_staff_read(
    queue: WorkQueue,
) -> None:
    first = queue.record(workflow_failure().failure("FinalBill"), "c")
    again = queue.record(workflow_failure().failure("FinalBill"), "c")
    assert first == again
    assert first.cause == "blocked: read-needs-review"
    assert first.subjects == ("account_id=A1", "move_id=MV1")
    assert queue.items.listing(WorkStatus.OPEN, 10, None).items == [first]
    other = queue.record(workflow_failure("MV1--retry-1").failure("FinalBill"), "c")
    assert other.item_id != first.item_id  # the rerun failed too: a new item


def test_a_retried_workflow_reruns_its_input_once(queue: WorkQueue) -> None:
    item = queue.record(workflow_failure().failure("FinalBill"), "c")
    retried = queue.retry(item.item_id, "read reviewed", CLERK, "c2")
    assert retried.status is WorkStatus.RETRIED
    assert [(n.by, n.action, n.note) for n in retried.notes] == [
        ("clerk-1", "retried", "read reviewed")
    ]
    reruns = queue.reruns
    assert isinstance(reruns, RecordingReruns)
    ((machine, name, execution_input),) = reruns.executions
    assert (machine, name) == (MACHINE, "MV1--retry-1")
    assert '"account_id": "A1"' in execution_input
    with pytest.raises(Conflict):
        queue.retry(item.item_id, "again", CLERK, "c3")
    with pytest.raises(Conflict):
        queue.resolve(item.item_id, "by hand", CLERK, "c3")
    items = queue.items
    assert isinstance(items, InMemoryWorkItems)
    assert [e.action for e in items.history] == ["WorkItemRecorded", "WorkItemRetried"]


def test_a_dead_letter_goes_back_to_its_queue_and_an_unknown_item_is_not_found(
    queue: WorkQueue,
) -> None:
    failure = dead_letter("m-1", '{"account_id": "A9"}', DLQ)
    assert (failure.kind, failure.subjects) == (WorkKind.DEAD_LETTER, ("account_id=A9",))
    item = queue.record(failure, "m-1")
    queue.retry(item.item_id, "fixed", CLERK, "c")
    reruns = queue.reruns
    assert isinstance(reruns, RecordingReruns)
    assert reruns.requeued == [(DLQ, '{"account_id": "A9"}')]
    with pytest.raises(NotFound):
        queue.retry("WI-NOPE", "x", CLERK, "c")


def test_subjects_are_found_at_any_depth_and_a_body_that_is_not_json_has_none() -> None:
    document = {"detail": {"data": [{"account_id": "A1"}, {"transfer_id": "T1"}]}, "run_id": ""}
    assert subjects_in(document) == ("account_id=A1", "transfer_id=T1")
    assert dead_letter("m", "not json", DLQ).subjects == ()


def test_a_scheduled_run_that_failed_all_its_attempts_is_invoked_again_with_its_event(
    queue: WorkQueue,
) -> None:
    record = {
        "version": "1.0",
        "requestContext": {
            "requestId": "req-9",
            "functionArn": "arn:aws:lambda:ca-central-1:1:function:civiq-LatePenalties:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 3,
        },
        "requestPayload": {"source": "aws.events", "detail-type": "Scheduled Event"},
        "responseContext": {"statusCode": 200, "functionError": "Unhandled"},
        "responsePayload": {"errorType": "LedgerMoved", "errorMessage": "account A1 is busy"},
    }
    failure = from_queue("m-7", json.dumps(record), "arn:aws:sqs:ca-central-1:1:failed")
    assert (failure.kind, failure.source, failure.reference) == (
        WorkKind.FAILED_INVOCATION,
        "arn:aws:lambda:ca-central-1:1:function:civiq-LatePenalties",
        "req-9",
    )
    assert (failure.error, failure.cause) == ("LedgerMoved", "account A1 is busy")
    item = queue.record(failure, "m-7")
    queue.retry(item.item_id, "rerun after the outage", CLERK, "c")
    reruns = queue.reruns
    assert isinstance(reruns, RecordingReruns)
    assert reruns.invoked == [(failure.source, json.dumps(record["requestPayload"]))]
