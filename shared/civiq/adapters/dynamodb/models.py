"""PynamoDB models of the single table. They never leave the repository modules.

The table name, region and endpoint come from settings at cold start, through
:func:`configure_models`; the models are process-wide, like the table they describe.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model


class _TableMeta:
    table_name = "civiq"
    region = "ca-central-1"
    host: str | None = None


class _Item(Model):
    class Meta(_TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")


class AccountNumberIndex(GlobalSecondaryIndex["AccountItem"]):
    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(range_key=True, attr_name="GSI1SK")


class AccountStatusIndex(GlobalSecondaryIndex["AccountItem"]):
    """Accounts of one status in account-number order: the staff list, without a Scan."""

    class Meta:
        index_name = "GSI2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True, attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(range_key=True, attr_name="GSI2SK")


class AccountItem(_Item):
    class Meta(_TableMeta):
        pass

    gsi1pk = UnicodeAttribute(attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(attr_name="GSI1SK")
    by_number = AccountNumberIndex()
    gsi2pk = UnicodeAttribute(attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(attr_name="GSI2SK")
    by_status = AccountStatusIndex()
    account_id = UnicodeAttribute()
    account_number = UnicodeAttribute()
    customer = JSONAttribute()
    address = JSONAttribute()
    language = UnicodeAttribute()
    status = UnicodeAttribute()
    autopay = BooleanAttribute(default=False)
    opened_at = UTCDateTimeAttribute()
    opened_by = UnicodeAttribute()
    welcome_letter_key = UnicodeAttribute(null=True)
    version = VersionAttribute()


class AccountNumberClaim(_Item):
    """Makes account numbers unique: written in the same transaction as the account."""

    class Meta(_TableMeta):
        pass

    account_id = UnicodeAttribute()


class CounterItem(_Item):
    class Meta(_TableMeta):
        pass

    value = NumberAttribute(default=0)  # an integer sequence, never money


class AuditItem(_Item):
    class Meta(_TableMeta):
        pass

    entry_id = UnicodeAttribute()
    action = UnicodeAttribute()
    actor_subject = UnicodeAttribute()
    actor_role = UnicodeAttribute()
    occurred_at = UTCDateTimeAttribute()
    correlation_id = UnicodeAttribute()
    detail = JSONAttribute()


class OutboxItem(_Item):
    class Meta(_TableMeta):
        pass

    envelope = JSONAttribute()


ALL_MODELS: tuple[type[Model], ...] = (
    AccountItem,
    AccountNumberClaim,
    CounterItem,
    AuditItem,
    OutboxItem,
)


def configure_models(table_name: str, region: str, host: str | None) -> None:
    """Point every model at the table; called once by each composition root."""
    for model in ALL_MODELS:
        model.Meta.table_name = table_name
        model.Meta.region = region
        model.Meta.host = host
        model._connection = None  # rebuilt lazily with the new settings
