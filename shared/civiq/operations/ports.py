"""What the work queue's services need: the items, and a way to run failed work again."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from civiq.core.audit import AuditEntry
from civiq.core.ports import Page
from civiq.operations.domain.work_items import WorkItem, WorkStatus


class WorkItems(Protocol):
    def record(self, item: WorkItem, history: Sequence[AuditEntry]) -> bool:
        """Keep ``item`` with its history entries; False when an item of that id is kept
        already (the same failure recorded again)."""
        ...

    def get(self, item_id: str) -> WorkItem:
        """Raises NotFound."""
        ...

    def save(self, before: WorkItem, after: WorkItem, history: Sequence[AuditEntry]) -> None:
        """Replace ``before`` by ``after`` with its history entries; Conflict when the item is
        no longer as ``before`` (another clerk acted on it first)."""
        ...

    def listing(self, status: WorkStatus, limit: int, cursor: str | None) -> Page[WorkItem]:
        """Items of one status, oldest first."""
        ...


class Reruns(Protocol):
    def rerun_execution(self, state_machine_arn: str, name: str, execution_input: str) -> None:
        """Start ``name`` with the failed execution's input; nothing when it was started
        already (a retry asked twice)."""
        ...

    def requeue(self, dead_letter_queue_arn: str, body: str) -> None:
        """Send a dead letter back to the queue whose dead letters land in that queue."""
        ...

    def reinvoke(self, function_arn: str, event: str) -> None:
        """Invoke a function again, asynchronously, with the event of a failed run."""
        ...
