"""AuditLog on DynamoDB: append-only, one conditional put per entry, never updated or expired."""

from __future__ import annotations

from pynamodb.exceptions import PutError

from civiq.core.audit import AuditEntry
from civiq.core.ports import Page
from civiq.platform.dynamodb import keys, pages
from civiq.platform.dynamodb.table import AuditItem


def audit_item(entry: AuditEntry) -> AuditItem:
    return AuditItem(
        pk=entry.subject_id,
        sk=keys.audit_sk(entry.occurred_at, entry.entry_id),
        entry_id=entry.entry_id,
        action=entry.action,
        actor_subject=entry.actor_subject,
        actor_role=entry.actor_role,
        occurred_at=entry.occurred_at,
        correlation_id=entry.correlation_id,
        detail=entry.detail,
    )


def _entry_of(item: AuditItem) -> AuditEntry:
    return AuditEntry(
        entry_id=item.entry_id,
        subject_id=item.pk,
        action=item.action,
        actor_subject=item.actor_subject,
        actor_role=item.actor_role,
        occurred_at=item.occurred_at,
        correlation_id=item.correlation_id,
        detail=item.detail,
    )


class DynamoAuditLog:
    def record(self, entry: AuditEntry) -> bool:
        try:
            audit_item(entry).save(condition=AuditItem.pk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def entries_for(self, subject_id: str, limit: int, cursor: str | None) -> Page[AuditEntry]:
        """One Query of the subject's partition, oldest first."""
        result = AuditItem.query(
            subject_id,
            AuditItem.sk.startswith(keys.AUDIT_PREFIX),
            limit=limit,
            page_size=limit,
            last_evaluated_key=pages.decode(cursor),
        )
        entries = [_entry_of(item) for item in result]
        last = result.last_evaluated_key
        return Page(entries, pages.encode(last) if last else None)
