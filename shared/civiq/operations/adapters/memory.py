"""In-memory fakes of the work queue's ports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict, NotFound
from civiq.core.ports import Page
from civiq.operations.domain.work_items import WorkItem, WorkStatus


@dataclass
class InMemoryWorkItems:
    items: dict[str, WorkItem] = field(default_factory=dict)
    history: list[AuditEntry] = field(default_factory=list)

    def record(self, item: WorkItem, history: Sequence[AuditEntry]) -> bool:
        if item.item_id in self.items:
            return False
        self.items[item.item_id] = item
        self.history.extend(history)
        return True

    def get(self, item_id: str) -> WorkItem:
        if item_id not in self.items:
            raise NotFound(f"no work item {item_id}", "item_id")
        return self.items[item_id]

    def save(self, before: WorkItem, after: WorkItem, history: Sequence[AuditEntry]) -> None:
        if self.get(before.item_id).status is not before.status:
            raise Conflict("another clerk acted on this work item first", "status")
        self.items[after.item_id] = after
        self.history.extend(history)

    def listing(self, status: WorkStatus, limit: int, cursor: str | None) -> Page[WorkItem]:
        found = sorted(
            (i for i in self.items.values() if i.status is status),
            key=lambda i: (i.recorded_at, i.item_id),
        )
        start = int(cursor or 0)
        more = start + limit < len(found)
        return Page(found[start : start + limit], str(start + limit) if more else None)


@dataclass
class RecordingReruns:
    executions: list[tuple[str, str, str]] = field(default_factory=list)
    requeued: list[tuple[str, str]] = field(default_factory=list)
    invoked: list[tuple[str, str]] = field(default_factory=list)

    def rerun_execution(self, state_machine_arn: str, name: str, execution_input: str) -> None:
        if all(name != started for _, started, _ in self.executions):
            self.executions.append((state_machine_arn, name, execution_input))

    def requeue(self, dead_letter_queue_arn: str, body: str) -> None:
        self.requeued.append((dead_letter_queue_arn, body))

    def reinvoke(self, function_arn: str, event: str) -> None:
        self.invoked.append((function_arn, event))
