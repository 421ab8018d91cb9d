"""The staff work queue: background work that failed and that staff see, retry or resolve.

Nothing done in the background fails only in a log. A workflow step that fails (a move's final
bill, a billing run's batch), a queue message that exhausted its retries (a dead letter) and a
scheduled run that failed all its attempts each become a work item, once: its id comes from
what failed (the execution, the message, the invocation), so recording the same failure again
finds it recorded. A retry runs the same work again (a new execution with the same input, the
message sent back to its queue, the function invoked again with the same event), which is safe
because every background step is idempotent; a resolution records that staff dealt with it by
hand.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from civiq.core.errors import Conflict


class WorkKind(StrEnum):
    WORKFLOW_STEP = "workflow-step"  # a Step Functions execution failed
    DEAD_LETTER = "dead-letter"  # a queue message failed on every delivery
    FAILED_INVOCATION = "failed-invocation"  # a scheduled run failed all its attempts


class WorkStatus(StrEnum):
    OPEN = "open"
    RETRIED = "retried"  # run again; a new failure is a new item
    RESOLVED = "resolved"  # dealt with by hand


@dataclass(frozen=True, slots=True)
class WorkNote:
    """One action on a work item: who, when, what, why."""

    at: datetime
    by: str
    action: str
    note: str


@dataclass(frozen=True, slots=True)
class WorkItem:
    item_id: str
    kind: WorkKind
    source: str  # the state machine's, the dead-letter queue's or the function's ARN
    reference: str  # the execution's name, the message's id, or the invocation's request id
    step: str | None  # the workflow state that failed
    error: str
    cause: str
    subjects: tuple[str, ...]  # what it is about: "ACCOUNT#<id>", "TRANSFER#<id>"...
    payload: str  # the execution's input, the message's body, the invocation's event
    recorded_at: datetime
    status: WorkStatus = WorkStatus.OPEN
    notes: tuple[WorkNote, ...] = ()

    def retried(self, at: datetime, by: str, note: str) -> WorkItem:
        self._still_open()
        return replace(
            self,
            status=WorkStatus.RETRIED,
            notes=(*self.notes, WorkNote(at, by, "retried", note)),
        )

    def resolved(self, at: datetime, by: str, note: str) -> WorkItem:
        self._still_open()
        return replace(
            self,
            status=WorkStatus.RESOLVED,
            notes=(*self.notes, WorkNote(at, by, "resolved", note)),
        )

    def _still_open(self) -> None:
        if self.status is not WorkStatus.OPEN:
            raise Conflict(f"the work item is {self.status.value}", "status")


def work_item_id(kind: WorkKind, source: str, reference: str) -> str:
    """The same failure always has the same id: recording it twice records it once."""
    digest = hashlib.sha256(f"{kind.value}\n{source}\n{reference}".encode()).hexdigest()
    return f"WI-{digest[:20].upper()}"
