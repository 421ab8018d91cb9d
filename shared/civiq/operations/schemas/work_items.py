"""The work queue's edges: what a failed workflow and a dead-letter queue report, and the staff
API's payloads."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import Field

from civiq.core.schemas import PageQuery, Payload, Request
from civiq.operations.domain.work_items import WorkItem, WorkKind, WorkNote, WorkStatus
from civiq.operations.services.work_queue import Failure, subjects_in

CAUSE_LIMIT = 4000  # what staff read; the whole cause stays in the execution's history


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


class WorkflowFailureIn(Payload):
    """What a state machine's catch-all step sends: its execution and the error it caught."""

    state_machine: str = Field(min_length=1)
    execution: str = Field(min_length=1, description="The execution's name")
    execution_arn: str = Field(min_length=1)
    execution_input: dict[str, Any]
    error: str = "States.Runtime"
    cause: str = ""

    def failure(self, step: str | None) -> Failure:
        return Failure(
            kind=WorkKind.WORKFLOW_STEP,
            source=self.state_machine,
            reference=self.execution,
            step=step,
            error=self.error,
            cause=_readable(self.cause)[:CAUSE_LIMIT],
            subjects=subjects_in(self.execution_input),
            payload=json.dumps(self.execution_input),
        )


def _readable(cause: str) -> str:
    """A Lambda task's cause is its error as JSON: staff read its message."""
    parsed = _json(cause)
    if isinstance(parsed, dict) and isinstance(parsed.get("errorMessage"), str):
        return str(parsed["errorMessage"])
    return cause


def from_queue(message_id: str, body: str, queue_arn: str) -> Failure:
    """What a failure queue hands over: a scheduled run's failure record (its OnFailure
    destination), or a dead letter."""
    record = _json(body)
    if isinstance(record, dict) and {"requestContext", "requestPayload"} <= set(record):
        return failed_invocation(record)
    return dead_letter(message_id, body, queue_arn)


def failed_invocation(record: dict[str, Any]) -> Failure:
    """Lambda's record of an asynchronous invocation that failed all its attempts."""
    context = record["requestContext"]
    response = record.get("responsePayload") or {}
    function_arn = str(context["functionArn"]).removesuffix(":$LATEST")
    return Failure(
        kind=WorkKind.FAILED_INVOCATION,
        source=function_arn,
        reference=str(context["requestId"]),
        step=None,
        error=str(response.get("errorType") or context.get("condition") or "Failed"),
        cause=str(response.get("errorMessage") or "")[:CAUSE_LIMIT],
        subjects=subjects_in(record["requestPayload"]),
        payload=json.dumps(record["requestPayload"]),
    )


def dead_letter(message_id: str, body: str, queue_arn: str) -> Failure:
    """A message that failed on every delivery, as its dead-letter queue hands it over."""
    return Failure(
        kind=WorkKind.DEAD_LETTER,
        source=queue_arn,
        reference=message_id,
        step=None,
        error="DeliveriesExhausted",
        cause="every delivery of this message failed; the worker's log has each attempt's error",
        subjects=subjects_in(_json(body)),
        payload=body,
    )


class WorkQuery(PageQuery):
    status: WorkStatus = Field(default=WorkStatus.OPEN, strict=False)


class NoteRequest(Request):
    note: str = Field(min_length=1, max_length=1000, description="What was done, and why")


class WorkNoteOut(Payload):
    at: datetime
    by: str
    action: str
    note: str

    @classmethod
    def of(cls, note: WorkNote) -> WorkNoteOut:
        return cls(at=note.at, by=note.by, action=note.action, note=note.note)


class WorkItemOut(Payload):
    item_id: str
    kind: WorkKind
    status: WorkStatus
    source: str = Field(description="The state machine, the dead-letter queue or the function")
    reference: str = Field(
        description="The execution's name, the message's id or the invocation's request id"
    )
    step: str | None = Field(description="The workflow step that failed")
    error: str
    cause: str
    subjects: list[str] = Field(description="What it is about, e.g. account_id=01J...")
    payload: str = Field(description="The input, message or event a retry sends again")
    recorded_at: datetime
    notes: list[WorkNoteOut]

    @classmethod
    def of(cls, item: WorkItem) -> WorkItemOut:
        return cls(
            item_id=item.item_id,
            kind=item.kind,
            status=item.status,
            source=item.source,
            reference=item.reference,
            step=item.step,
            error=item.error,
            cause=item.cause,
            subjects=list(item.subjects),
            payload=item.payload,
            recorded_at=item.recorded_at,
            notes=[WorkNoteOut.of(n) for n in item.notes],
        )


class WorkItemPage(Payload):
    items: list[WorkItemOut]
    next_cursor: str | None
