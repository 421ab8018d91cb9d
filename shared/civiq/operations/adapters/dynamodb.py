"""The work queue on the single table.

item        PK                 SK          GSI1PK / GSI1SK
work item   WORKITEM#<id>      WORKITEM    WORKQUEUE#<status> / <recorded at>#<id>

Its history entries are under the same partition (``AUDIT#...``), written in the transaction
that changes it. Listing a status reads one GSI1 partition, oldest first: the queue holds what
failed, a few items a month, so one partition is plenty.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pynamodb.attributes import JSONAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict, NotFound
from civiq.core.ports import Page
from civiq.operations.domain.work_items import WorkItem, WorkKind, WorkNote, WorkStatus
from civiq.platform.dynamodb import pages
from civiq.platform.dynamodb.table import TableItem, TableMeta
from civiq.platform.dynamodb.transactions import Connected, Transaction

WORK_ITEM_SK = "WORKITEM"


def work_item_pk(item_id: str) -> str:
    return f"WORKITEM#{item_id}"


def queue_pk(status: WorkStatus) -> str:
    return f"WORKQUEUE#{status.value}"


class WorkQueueIndex(GlobalSecondaryIndex["WorkItemItem"]):
    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(range_key=True, attr_name="GSI1SK")


class WorkItemItem(TableItem):
    class Meta(TableMeta):
        pass

    gsi1pk = UnicodeAttribute(attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(attr_name="GSI1SK")
    by_status = WorkQueueIndex()
    status = UnicodeAttribute()
    recorded_at = UTCDateTimeAttribute()
    record = JSONAttribute()


def _item_of(item: WorkItem) -> WorkItemItem:
    record = {
        "item_id": item.item_id,
        "kind": item.kind.value,
        "source": item.source,
        "reference": item.reference,
        "step": item.step,
        "error": item.error,
        "cause": item.cause,
        "subjects": list(item.subjects),
        "payload": item.payload,
        "notes": [
            {"at": n.at.isoformat(), "by": n.by, "action": n.action, "note": n.note}
            for n in item.notes
        ],
    }
    return WorkItemItem(
        pk=work_item_pk(item.item_id),
        sk=WORK_ITEM_SK,
        gsi1pk=queue_pk(item.status),
        gsi1sk=f"{item.recorded_at.isoformat()}#{item.item_id}",
        status=item.status.value,
        recorded_at=item.recorded_at,
        record=record,
    )


def _work_item(item: WorkItemItem) -> WorkItem:
    record = item.record
    return WorkItem(
        item_id=record["item_id"],
        kind=WorkKind(record["kind"]),
        source=record["source"],
        reference=record["reference"],
        step=record["step"],
        error=record["error"],
        cause=record["cause"],
        subjects=tuple(record["subjects"]),
        payload=record["payload"],
        recorded_at=item.recorded_at,
        status=WorkStatus(item.status),
        notes=tuple(
            WorkNote(datetime.fromisoformat(n["at"]), n["by"], n["action"], n["note"])
            for n in record["notes"]
        ),
    )


class DynamoWorkItems(Connected):
    def record(self, item: WorkItem, history: Sequence[AuditEntry]) -> bool:
        transaction = Transaction()
        transaction.put(
            _item_of(item),
            WorkItemItem.pk.does_not_exist(),
            lambda: Conflict("the work item is recorded", "item_id"),
        )
        transaction.history(history)
        try:
            transaction.run(self._client())
        except Conflict:
            return False
        return True

    def get(self, item_id: str) -> WorkItem:
        try:
            found = WorkItemItem.get(work_item_pk(item_id), WORK_ITEM_SK, consistent_read=True)
        except DoesNotExist:
            raise NotFound(f"no work item {item_id}", "item_id") from None
        return _work_item(found)

    def save(self, before: WorkItem, after: WorkItem, history: Sequence[AuditEntry]) -> None:
        transaction = Transaction()
        transaction.put(
            _item_of(after),
            WorkItemItem.status == before.status.value,
            lambda: Conflict("another clerk acted on this work item first", "status"),
        )
        transaction.history(history)
        transaction.run(self._client())

    def listing(self, status: WorkStatus, limit: int, cursor: str | None) -> Page[WorkItem]:
        found = WorkItemItem.by_status.query(
            queue_pk(status), limit=limit, last_evaluated_key=pages.decode(cursor)
        )
        items = [_work_item(item) for item in found]
        last = found.last_evaluated_key
        return Page(items, pages.encode(last) if last and len(items) == limit else None)
