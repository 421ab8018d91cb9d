"""PynamoDB models of the two tables. They never leave the repository modules.

Every item lives in the main table, except the ledger's records (entries, posting guards,
payments and refunds), which live in the ledger table: a model says so by its ``Meta``
(:class:`LedgerTableMeta`). Only the functions that post may write the ledger table, and only
with PutItem (IAM cannot tell items of one partition apart, so the ledger needs a table of its
own to be protected). The table names, region and endpoint come from settings at cold start,
through :func:`configure_models`; the models are process-wide, like the tables they describe.
"""

from __future__ import annotations

from typing import cast

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model


class TableMeta:
    table_name = "civiq"
    region = "ca-central-1"
    host: str | None = None


class LedgerTableMeta(TableMeta):
    """The ``Meta`` of the items kept in the ledger table."""

    table_name = "civiq-ledger"


class TableItem(Model):
    class Meta(TableMeta):
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


class AccountItem(TableItem):
    class Meta(TableMeta):
        pass

    gsi1pk = UnicodeAttribute(attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(attr_name="GSI1SK")
    by_number = AccountNumberIndex()
    gsi2pk = UnicodeAttribute(attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(attr_name="GSI2SK")
    by_status = AccountStatusIndex()
    account_id = UnicodeAttribute()
    account_number = UnicodeAttribute()
    property_id = UnicodeAttribute()
    service_address = JSONAttribute()
    roll_number = UnicodeAttribute(null=True)
    holder = JSONAttribute()
    holder_role = UnicodeAttribute()
    owner_customer_id = UnicodeAttribute(null=True)
    landlord_copies = BooleanAttribute(default=False)
    services = JSONAttribute()
    active_services = ListAttribute(of=UnicodeAttribute)  # for list filters
    agents = JSONAttribute()
    autopay = BooleanAttribute(default=False)
    status = UnicodeAttribute()
    opened_at = UTCDateTimeAttribute()
    opened_by = UnicodeAttribute()
    closed_at = UTCDateTimeAttribute(null=True)
    welcome_letter_key = UnicodeAttribute(null=True)
    route = UnicodeAttribute()
    cart_size = UnicodeAttribute(null=True)
    forwarding_address = JSONAttribute(null=True)
    version = VersionAttribute()


class AccountNumberClaim(TableItem):
    """Makes account numbers unique: written in the same transaction as the account."""

    class Meta(TableMeta):
        pass

    account_id = UnicodeAttribute()


class RollNumberIndex(GlobalSecondaryIndex["PropertyItem"]):
    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(range_key=True, attr_name="GSI1SK")


class PropertyItem(TableItem):
    class Meta(TableMeta):
        pass

    gsi1pk = UnicodeAttribute(attr_name="GSI1PK", null=True)  # sparse: only with a roll number
    gsi1sk = UnicodeAttribute(attr_name="GSI1SK", null=True)
    by_roll_number = RollNumberIndex()
    property_id = UnicodeAttribute()
    address = JSONAttribute()
    roll_number = UnicodeAttribute(null=True)
    property_type = UnicodeAttribute()
    units = ListAttribute(of=UnicodeAttribute)
    meters = JSONAttribute()
    location = JSONAttribute(null=True)
    owner_customer_id = UnicodeAttribute(null=True)
    route = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    attributes = JSONAttribute(null=True)  # absent on properties stored before rates used them
    impervious_area = UnicodeAttribute(null=True)  # square metres, a decimal string
    dwelling_units = NumberAttribute(null=True)
    version = VersionAttribute()


class RollNumberClaim(TableItem):
    """Makes roll numbers unique to one property."""

    class Meta(TableMeta):
        pass

    property_id = UnicodeAttribute()


class CustomerItem(TableItem):
    class Meta(TableMeta):
        pass

    customer_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    name = UnicodeAttribute()
    contact = JSONAttribute()
    preferences = JSONAttribute()
    created_at = UTCDateTimeAttribute()
    version = VersionAttribute()


class AccountLinkItem(TableItem):
    """An account listed under its property or a customer (holder or owner of record)."""

    class Meta(TableMeta):
        pass

    summary = JSONAttribute()


class SearchEntryItem(TableItem):
    """One search term of one account, carrying what a result row shows."""

    class Meta(TableMeta):
        pass

    terms = ListAttribute(of=UnicodeAttribute)
    status = UnicodeAttribute()
    services = ListAttribute(of=UnicodeAttribute)
    summary = JSONAttribute()


class CounterItem(TableItem):
    class Meta(TableMeta):
        pass

    value = NumberAttribute(default=0)  # an integer sequence, never money


class AccountCountsItem(TableItem):
    """How many accounts have each status (one shard of the count): the dashboard sums the
    shards instead of counting accounts. Written with every account change that sets a status."""

    class Meta(TableMeta):
        pass

    pending = NumberAttribute(null=True)  # counts, never money
    active = NumberAttribute(null=True)
    final_billed = NumberAttribute(null=True)
    closed = NumberAttribute(null=True)


class AuditItem(TableItem):
    class Meta(TableMeta):
        pass

    entry_id = UnicodeAttribute()
    action = UnicodeAttribute()
    actor_subject = UnicodeAttribute()
    actor_role = UnicodeAttribute()
    occurred_at = UTCDateTimeAttribute()
    correlation_id = UnicodeAttribute()
    detail = JSONAttribute()


class OutboxItem(TableItem):
    class Meta(TableMeta):
        pass

    envelope = JSONAttribute()


def _all_models() -> list[type[Model]]:
    """Every item model, including those declared in other repository modules."""
    found: list[type[Model]] = []
    pending: list[type[Model]] = [TableItem]
    while pending:
        model = pending.pop()
        subclasses = model.__subclasses__()
        pending.extend(subclasses)
        if model is not TableItem:
            found.append(model)
    return found


def table_of(model: type[Model], table_name: str, ledger_table_name: str) -> str:
    """The table ``model``'s items live in: the ledger table if its ``Meta`` says so."""
    meta = cast(type, model.Meta)  # declared as a protocol; every model's Meta is a class
    return ledger_table_name if issubclass(meta, LedgerTableMeta) else table_name


def configure_models(
    table_name: str, ledger_table_name: str, region: str, host: str | None
) -> None:
    """Point every model at its table; called once by each composition root, after the
    repository modules (and so their models) are imported."""
    for model in _all_models():
        model.Meta.table_name = table_of(model, table_name, ledger_table_name)
        model.Meta.region = region
        model.Meta.host = host
        model._connection = None  # rebuilt lazily with the new settings
