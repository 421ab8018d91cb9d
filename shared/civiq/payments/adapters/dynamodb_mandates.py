"""PAD agreements on DynamoDB: the account's agreement in force under ``MANDATE#<account id>``
/ ``CURRENT`` (its creation conditional on none being there, each change on the version read),
and each cancelled one kept under ``CANCELLED#<mandate id>``; each write with its event or
history entry, in one transaction."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict
from civiq.core.events import DomainEvent
from civiq.payments.domain.mandates import Mandate, MandateStatus
from civiq.platform.dynamodb.table import TableItem, TableMeta
from civiq.platform.dynamodb.transactions import Connected, Transaction

CURRENT = "CURRENT"


class MandateItem(TableItem):
    class Meta(TableMeta):
        pass

    mandate_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    payor = UnicodeAttribute()
    masked = UnicodeAttribute()
    sealed = UnicodeAttribute()  # the vault's: the bank account encrypted
    accepted_at = UTCDateTimeAttribute()
    tokens = MapAttribute[str, str](default=dict)
    prenotification_days = NumberAttribute()
    variable_amount = BooleanAttribute()
    status = UnicodeAttribute()
    cancelled_at = UTCDateTimeAttribute(null=True)
    mandate_version = NumberAttribute()


def _pk(account_id: str) -> str:
    return f"MANDATE#{account_id}"


class DynamoMandates(Connected):
    def current(self, account_id: str) -> Mandate | None:
        try:
            item = MandateItem.get(_pk(account_id), CURRENT, consistent_read=True)
        except MandateItem.DoesNotExist:
            return None
        return _mandate(item)

    def save(
        self, before: Mandate | None, after: Mandate, record: DomainEvent | AuditEntry
    ) -> None:
        moved = lambda: Conflict("the autopay agreement changed meanwhile", "account_id")  # noqa: E731
        transaction = Transaction()
        current = _item(after, CURRENT)
        if before is None:
            transaction.put(current, MandateItem.pk.does_not_exist(), moved)
        elif after.status is MandateStatus.ACTIVE:
            transaction.put(current, MandateItem.mandate_version == before.version, moved)
        else:
            transaction.delete(current, MandateItem.mandate_version == before.version, moved)
            transaction.put(_item(after, f"CANCELLED#{after.mandate_id}"))
        if isinstance(record, DomainEvent):
            transaction.events([record])
        else:
            transaction.history([record])
        transaction.run(self._client())


def _item(mandate: Mandate, sk: str) -> MandateItem:
    return MandateItem(
        _pk(mandate.account_id),
        sk,
        mandate_id=mandate.mandate_id,
        account_id=mandate.account_id,
        payor=mandate.payor,
        masked=mandate.masked,
        sealed=mandate.sealed,
        accepted_at=mandate.accepted_at,
        tokens=dict(mandate.tokens),
        prenotification_days=mandate.prenotification_days,
        variable_amount=mandate.variable_amount,
        status=mandate.status.value,
        cancelled_at=mandate.cancelled_at,
        mandate_version=mandate.version,
    )


def _mandate(item: MandateItem) -> Mandate:
    return Mandate(
        mandate_id=item.mandate_id,
        account_id=item.account_id,
        payor=item.payor,
        masked=item.masked,
        sealed=item.sealed,
        accepted_at=item.accepted_at,
        tokens={str(k): str(v) for k, v in item.tokens.as_dict().items()},
        prenotification_days=int(item.prenotification_days),
        variable_amount=bool(item.variable_amount),
        status=MandateStatus(item.status),
        cancelled_at=item.cancelled_at,
        version=int(item.mandate_version),
    )
