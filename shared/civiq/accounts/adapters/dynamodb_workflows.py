"""The move and transfer workflows' items on the single table (Balances, Milestones, Transfers).

item                      PK                       SK                    notes
transfer                  TRANSFER#<id>            TRANSFER              the transfer record;
                                                                         GSI2PK TRANSFERS#<status>,
                                                                         GSI2SK <submitted at>#<id>
                                                                         (listed by status,
                                                                         oldest first)
open-transfer claim       PROPERTY#<property id>   TRANSFER#OPEN         one per property;
                                                                         written with the
                                                                         transfer, deleted when
                                                                         it is rejected/completed
workflow milestone        MOVE#<move id>           MILESTONE#<name>      a step that changes no
                          (or another subject)                           entity, recorded once
balance (read only)       ACCOUNT#<account id>     ACCOUNT               ``balance_cents`` on the
                                                                         account item (ledger)

A transfer's history entries (audit) live in its partition, like an account's. Every write that
publishes events puts them in the outbox in the same transaction
(:mod:`civiq.platform.dynamodb.outbox`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from civiq.accounts.adapters.dynamodb_mapping import contact_of, preferences_of
from civiq.accounts.domain.customers import (
    Customer,
    CustomerKind,
)
from civiq.accounts.domain.moves import FinalReading
from civiq.accounts.domain.transfers import Decision, Transfer, TransferStatus
from civiq.core.addresses import Address
from civiq.core.errors import Conflict, NotFound, VersionConflict
from civiq.core.events import Actor, DomainEvent
from civiq.core.history import as_record
from civiq.core.money import Money
from civiq.core.ports import Page
from civiq.platform.dynamodb import keys, pages
from civiq.platform.dynamodb.attributes import CentsAttribute
from civiq.platform.dynamodb.table import TableItem, TableMeta
from civiq.platform.dynamodb.transactions import Connected, Transaction

TRANSFER_SK = "TRANSFER"
OPEN_TRANSFER_SK = "TRANSFER#OPEN"
MILESTONE_PREFIX = "MILESTONE#"


def transfer_pk(transfer_id: str) -> str:
    return f"TRANSFER#{transfer_id}"


def transfers_with_status(status: TransferStatus) -> str:
    return f"TRANSFERS#{status.value}"


class AccountBalanceItem(TableItem):
    """Only the ledger-maintained balance of an account item."""

    class Meta(TableMeta):
        pass

    balance_cents = CentsAttribute(null=True)


class TransferStatusIndex(GlobalSecondaryIndex["TransferItem"]):
    class Meta:
        index_name = "GSI2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True, attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(range_key=True, attr_name="GSI2SK")


class TransferItem(TableItem):
    class Meta(TableMeta):
        pass

    gsi2pk = UnicodeAttribute(attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(attr_name="GSI2SK")
    by_status = TransferStatusIndex()
    transfer_id = UnicodeAttribute()
    property_id = UnicodeAttribute()
    status = UnicodeAttribute()
    record = JSONAttribute()
    version = NumberAttribute()  # checked by explicit conditions (see DynamoTransfers.update)


class OpenTransferClaim(TableItem):
    class Meta(TableMeta):
        pass

    transfer_id = UnicodeAttribute()


class MilestoneItem(TableItem):
    class Meta(TableMeta):
        pass

    recorded_at = UnicodeAttribute()


class DynamoBalances:
    def balance_of(self, account_id: str) -> Money:
        try:
            item = AccountBalanceItem.get(
                keys.account_pk(account_id),
                keys.ACCOUNT_SK,
                consistent_read=True,
                attributes_to_get=["PK", "SK", "balance_cents"],
            )
        except DoesNotExist as exc:
            raise NotFound(f"no account with id {account_id}", "id") from exc
        return item.balance_cents or Money.zero()


class DynamoMilestones(Connected):
    def record(self, subject_id: str, milestone: str, events: Sequence[DomainEvent]) -> bool:
        transaction = Transaction()
        transaction.put(
            MilestoneItem(
                pk=subject_id,
                sk=f"{MILESTONE_PREFIX}{milestone}",
                recorded_at=datetime.now(UTC).isoformat(),
            ),
            MilestoneItem.pk.does_not_exist(),
            lambda: Conflict("recorded already", "milestone"),
        )
        transaction.events(events)
        try:
            transaction.run(self._client())
        except Conflict as done:
            if done.field != "milestone":
                raise
            return False
        return True


class DynamoTransfers(Connected):
    def find(self, transfer_id: str) -> Transfer | None:
        try:
            item = TransferItem.get(transfer_pk(transfer_id), TRANSFER_SK, consistent_read=True)
        except DoesNotExist:
            return None
        return transfer_of(item.record, int(item.version))

    def get(self, transfer_id: str) -> Transfer:
        found = self.find(transfer_id)
        if found is None:
            raise NotFound(f"no transfer with id {transfer_id}", "id")
        return found

    def open_transfer_of(self, property_id: str) -> str | None:
        try:
            claim = OpenTransferClaim.get(
                keys.property_pk(property_id), OPEN_TRANSFER_SK, consistent_read=True
            )
        except DoesNotExist:
            return None
        return str(claim.transfer_id)

    def with_status(self, status: TransferStatus, limit: int, cursor: str | None) -> Page[Transfer]:
        result = TransferItem.by_status.query(
            transfers_with_status(status),
            limit=limit,
            page_size=limit,
            last_evaluated_key=pages.decode(cursor),
        )
        listed = [transfer_of(item.record, int(item.version)) for item in result]
        last = result.last_evaluated_key
        return Page(listed, pages.encode(last) if last else None)

    def create(self, transfer: Transfer, events: Sequence[DomainEvent] = ()) -> None:
        transaction = Transaction()
        transaction.put(
            _item(transfer),
            TransferItem.pk.does_not_exist(),
            lambda: Conflict(f"transfer {transfer.transfer_id} already exists", "id"),
        )
        transaction.put(
            OpenTransferClaim(
                pk=keys.property_pk(transfer.property_id),
                sk=OPEN_TRANSFER_SK,
                transfer_id=transfer.transfer_id,
            ),
            OpenTransferClaim.pk.does_not_exist(),
            lambda: Conflict("the property has an open transfer", "property_id"),
        )
        transaction.events(events)
        transaction.run(self._client())

    def update(self, before: Transfer, after: Transfer, events: Sequence[DomainEvent] = ()) -> None:
        transaction = Transaction()
        if before.is_open and not after.is_open:
            transaction.delete(
                OpenTransferClaim(pk=keys.property_pk(after.property_id), sk=OPEN_TRANSFER_SK),
                OpenTransferClaim.transfer_id == after.transfer_id,
            )
        transaction.put(
            _item(after),
            TransferItem.version == before.version,
            lambda: VersionConflict(
                "the transfer was changed meanwhile; read it again",
                self.get(before.transfer_id).version,
            ),
        )
        transaction.events(events)
        transaction.run(self._client())


def _item(transfer: Transfer) -> TransferItem:
    return TransferItem(
        pk=transfer_pk(transfer.transfer_id),
        sk=TRANSFER_SK,
        gsi2pk=transfers_with_status(transfer.status),
        gsi2sk=f"{transfer.submitted_at.astimezone(UTC).isoformat()}#{transfer.transfer_id}",
        transfer_id=transfer.transfer_id,
        property_id=transfer.property_id,
        status=transfer.status.value,
        record=transfer_record(transfer),
        version=transfer.version,
    )


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _actor(actor: Actor | None) -> dict[str, str] | None:
    return {"subject": actor.subject, "role": actor.role} if actor else None


def customer_record(customer: Customer) -> dict[str, Any]:
    """A buyer registered at closing: the customer as submitted, consents included."""
    return {
        "customer_id": customer.customer_id,
        "kind": customer.kind.value,
        "name": customer.name,
        **as_record(customer.preferences),
        "created_at": customer.created_at.isoformat(),
        **as_record(customer.contact),
    }


def customer_from(record: dict[str, Any]) -> Customer:
    return Customer(
        customer_id=record["customer_id"],
        kind=CustomerKind(record["kind"]),
        name=record["name"],
        preferences=preferences_of(record),
        created_at=datetime.fromisoformat(record["created_at"]),
        contact=contact_of(record),
    )


def transfer_record(t: Transfer) -> dict[str, Any]:
    return {
        "transfer_id": t.transfer_id,
        "property_id": t.property_id,
        "seller_customer_id": t.seller_customer_id,
        "buyer_customer_id": t.buyer_customer_id,
        "closing_date": t.closing_date.isoformat(),
        "final_reading": t.final_reading.as_payload(),
        "seller_account_ids": list(t.seller_account_ids),
        "submitted_at": t.submitted_at.isoformat(),
        "submitted_by": _actor(t.submitted_by),
        "new_buyer": customer_record(t.new_buyer) if t.new_buyer else None,
        "status": t.status.value,
        "task_token": t.task_token,
        "escalations": t.escalations,
        "escalated_at": _iso(t.escalated_at),
        "decision": t.decision.value if t.decision else None,
        "decided_by": _actor(t.decided_by),
        "decided_at": _iso(t.decided_at),
        "reason": t.reason,
        "buyer_account_ids": list(t.buyer_account_ids),
        "completed_at": _iso(t.completed_at),
        "forwarding_address": as_record(t.forwarding_address) if t.forwarding_address else None,
    }


def _datetime(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def transfer_of(record: dict[str, Any], version: int) -> Transfer:
    decided_by = record.get("decided_by")
    new_buyer = record.get("new_buyer")
    forwarding = record.get("forwarding_address")
    return Transfer(
        transfer_id=record["transfer_id"],
        property_id=record["property_id"],
        seller_customer_id=record["seller_customer_id"],
        buyer_customer_id=record["buyer_customer_id"],
        closing_date=date.fromisoformat(record["closing_date"]),
        final_reading=FinalReading.from_payload(record["final_reading"]),
        seller_account_ids=tuple(record["seller_account_ids"]),
        submitted_at=datetime.fromisoformat(record["submitted_at"]),
        submitted_by=Actor(**record["submitted_by"]),
        new_buyer=customer_from(new_buyer) if new_buyer else None,
        status=TransferStatus(record["status"]),
        task_token=record.get("task_token"),
        escalations=int(record.get("escalations") or 0),
        escalated_at=_datetime(record.get("escalated_at")),
        decision=Decision(record["decision"]) if record.get("decision") else None,
        decided_by=Actor(**decided_by) if decided_by else None,
        decided_at=_datetime(record.get("decided_at")),
        reason=record.get("reason"),
        buyer_account_ids=tuple(record.get("buyer_account_ids") or ()),
        completed_at=_datetime(record.get("completed_at")),
        forwarding_address=Address(**forwarding) if forwarding else None,
        version=version,
    )
