"""NotificationLog on DynamoDB: the event to the outbox and its history entry on the account, in
one transaction conditioned on the entry being new (its key is the event's time and id, both
deterministic for a given trigger)."""

from __future__ import annotations

from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict
from civiq.core.events import DomainEvent
from civiq.platform.dynamodb import outbox
from civiq.platform.dynamodb.audit import audit_item
from civiq.platform.dynamodb.table import AuditItem
from civiq.platform.dynamodb.transactions import Connected, Transaction


class DynamoNotificationLog(Connected):
    def record(self, event: DomainEvent) -> bool:
        transaction = Transaction()
        transaction.put(
            audit_item(AuditEntry.of(event)),
            AuditItem.pk.does_not_exist(),
            lambda: Conflict("the notification was requested before", "notification_id"),
        )
        transaction.put(outbox.outbox_item(event))
        try:
            transaction.run(self._client())
        except Conflict:
            return False
        return True
