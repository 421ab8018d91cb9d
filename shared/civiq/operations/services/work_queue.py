"""Record background failures in the staff work queue, and retry or resolve them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from civiq.core.audit import AuditEntry
from civiq.core.events import Actor
from civiq.core.ports import Clock, IdGenerator
from civiq.core.reruns import rerun_name
from civiq.operations.domain.work_items import WorkItem, WorkKind, work_item_id
from civiq.operations.ports import Reruns, WorkItems

SYSTEM = Actor("civiq-work-queue", "system")


@dataclass(frozen=True)
class Failure:
    """What failed, as the workflow or the dead-letter queue tells it."""

    kind: WorkKind
    source: str
    reference: str
    step: str | None
    error: str
    cause: str
    subjects: tuple[str, ...]
    payload: str


@dataclass(frozen=True)
class WorkQueue:
    items: WorkItems
    reruns: Reruns
    clock: Clock
    ids: IdGenerator

    def record(self, failure: Failure, correlation_id: str) -> WorkItem:
        """The work item of ``failure``, recorded once however often it is reported."""
        item = WorkItem(
            item_id=work_item_id(failure.kind, failure.source, failure.reference),
            kind=failure.kind,
            source=failure.source,
            reference=failure.reference,
            step=failure.step,
            error=failure.error,
            cause=failure.cause,
            subjects=failure.subjects,
            payload=failure.payload,
            recorded_at=self.clock.now(),
        )
        detail = {"kind": item.kind.value, "step": item.step, "error": item.error}
        entry = self._entry(item, "WorkItemRecorded", SYSTEM, correlation_id, detail)
        if not self.items.record(item, [entry]):
            return self.items.get(item.item_id)
        return item

    def retry(self, item_id: str, note: str, actor: Actor, correlation_id: str) -> WorkItem:
        """Run the failed work again: a workflow from its start under a new execution name
        (its tasks find done what its first run did), a dead letter sent back to its queue, a
        scheduled run invoked again with its event."""
        before = self.items.get(item_id)
        after = before.retried(self.clock.now(), actor.subject, note)
        detail: dict[str, Any] = {"note": note}
        if before.kind is WorkKind.WORKFLOW_STEP:
            detail["execution"] = rerun_name(before.reference)
            self.reruns.rerun_execution(before.source, detail["execution"], before.payload)
        elif before.kind is WorkKind.DEAD_LETTER:
            detail["requeued_from"] = before.source
            self.reruns.requeue(before.source, before.payload)
        else:
            detail["invoked"] = before.source
            self.reruns.reinvoke(before.source, before.payload)
        self.items.save(
            before, after, [self._entry(after, "WorkItemRetried", actor, correlation_id, detail)]
        )
        return after

    def resolve(self, item_id: str, note: str, actor: Actor, correlation_id: str) -> WorkItem:
        """Close an item staff dealt with by hand, saying how."""
        before = self.items.get(item_id)
        after = before.resolved(self.clock.now(), actor.subject, note)
        entry = self._entry(after, "WorkItemResolved", actor, correlation_id, {"note": note})
        self.items.save(before, after, [entry])
        return after

    def _entry(
        self,
        item: WorkItem,
        action: str,
        actor: Actor,
        correlation_id: str,
        detail: dict[str, Any],
    ) -> AuditEntry:
        return AuditEntry(
            entry_id=self.ids.new_id(),
            subject_id=work_item_subject(item.item_id),
            action=action,
            actor_subject=actor.subject,
            actor_role=actor.role,
            occurred_at=self.clock.now(),
            correlation_id=correlation_id,
            detail=detail,
        )


def work_item_subject(item_id: str) -> str:
    return f"WORKITEM#{item_id}"


SUBJECT_KEYS = ("account_id", "transfer_id", "move_id", "property_id", "cycle_id", "run_id")


def subjects_in(document: Any) -> tuple[str, ...]:
    """What a failed input or message is about: every ``account_id``, ``transfer_id``... in it,
    at any depth, as ``key=value``."""
    if isinstance(document, dict):
        here = {
            f"{key}={value}"
            for key, value in document.items()
            if key in SUBJECT_KEYS and isinstance(value, str) and value
        }
        inner = (subjects_in(value) for value in document.values())
    elif isinstance(document, list):
        here, inner = set(), (subjects_in(value) for value in document)
    else:
        return ()
    return tuple(sorted(here.union(*inner)))
