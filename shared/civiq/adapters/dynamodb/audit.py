"""AuditLog on DynamoDB: append-only, one conditional put per entry, never updated or expired."""

from __future__ import annotations

from collections.abc import Sequence

from pynamodb.exceptions import PutError

from civiq.adapters.dynamodb import keys
from civiq.adapters.dynamodb.models import AuditItem
from civiq.domain.audit import AuditEntry


class DynamoAuditLog:
    def record(self, entry: AuditEntry) -> bool:
        item = AuditItem(
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
        try:
            item.save(condition=AuditItem.pk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def entries_for(self, subject_id: str) -> Sequence[AuditEntry]:
        return [
            AuditEntry(
                entry_id=item.entry_id,
                subject_id=item.pk,
                action=item.action,
                actor_subject=item.actor_subject,
                actor_role=item.actor_role,
                occurred_at=item.occurred_at,
                correlation_id=item.correlation_id,
                detail=item.detail,
            )
            for item in AuditItem.query(subject_id, AuditItem.sk.startswith("AUDIT#"))
        ]
