"""Write-offs on the single table, written with the ledger postings that make and reinstate
them.

item            PK                     SK                    notes
write-off       ACCOUNT#<account id>   WRITE-OFF#<id>        the record, put whole by every
                                                             posting that changes it; GSI1
                                                             WRITE-OFFS / <listed key>
id claim        WRITE-OFF#<id>         WRITE-OFF             the account it is of: an id names
                                                             one write-off, found by id alone
sweep mark      WRITE-OFF-SWEEP        MARK                  the due date the daily small-
                                                             balance write-off went through

A posting's transaction holds the journal (the guard, the entry, the account's head), billing's
part (the statements it pays, the totals), the write-off records and their events with their
history: all or nothing. Only postings change a record, and a posting is written only while the
account's ledger is at the head it was computed from, so two never change one record at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pynamodb.attributes import JSONAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist

from civiq.billing.adapters.dynamodb import post_to_statements
from civiq.collections.adapters.dynamodb_cases import ByGsi1, RecordItem
from civiq.collections.domain.write_offs import (
    Authority,
    Reinstatement,
    WriteOff,
    WriteOffCategory,
    WriteOffIdTaken,
)
from civiq.core.errors import Conflict, NotFound
from civiq.core.events import DomainEvent
from civiq.core.history import as_record
from civiq.core.ports import Page
from civiq.ledger.adapters.dynamodb_journal import journal
from civiq.ledger.domain.journal import LedgerMoved, Posting
from civiq.platform.dynamodb import keys
from civiq.platform.dynamodb.table import TableItem, TableMeta
from civiq.platform.dynamodb.transactions import Connected, Transaction

PREFIX = "WRITE-OFF#"
LISTED_PK = "WRITE-OFFS"
CLAIM_SK = "WRITE-OFF"
SWEEP_KEY = ("WRITE-OFF-SWEEP", "MARK")


class WriteOffItem(TableItem):
    class Meta(TableMeta):
        pass

    gsi1pk = UnicodeAttribute(attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(attr_name="GSI1SK")
    listed = ByGsi1()
    record = JSONAttribute()


class WriteOffClaim(TableItem):
    class Meta(TableMeta):
        pass

    account_id = UnicodeAttribute()


def write_off_of(record: Mapping[str, Any]) -> WriteOff:
    return WriteOff(
        write_off_id=record["write_off_id"],
        account_id=record["account_id"],
        amount=Decimal(record["amount"]),
        category=WriteOffCategory(record["category"]),
        reason=record["reason"],
        written_off_by=record["written_off_by"],
        authority=Authority(record["authority"]),
        written_off_at=datetime.fromisoformat(record["written_off_at"]),
        reinstatements=tuple(
            Reinstatement(Decimal(r["amount"]), date.fromisoformat(r["on"]), r["payment_id"])
            for r in record["reinstatements"]
        ),
    )


def _item(write_off: WriteOff) -> WriteOffItem:
    return WriteOffItem(
        pk=keys.account_pk(write_off.account_id),
        sk=f"{PREFIX}{write_off.write_off_id}",
        gsi1pk=LISTED_PK,
        gsi1sk=write_off.listed_key,
        record=as_record(write_off),
    )


class DynamoWriteOffs(Connected):
    def find(self, account_id: str, write_off_id: str) -> WriteOff | None:
        try:
            item = WriteOffItem.get(
                keys.account_pk(account_id), f"{PREFIX}{write_off_id}", consistent_read=True
            )
        except DoesNotExist:
            return None
        return write_off_of(item.record)

    def get(self, write_off_id: str) -> WriteOff:
        missing = NotFound(f"no write-off {write_off_id}", "id")
        try:
            claim = WriteOffClaim.get(f"{PREFIX}{write_off_id}", CLAIM_SK, consistent_read=True)
        except DoesNotExist:
            raise missing from None
        found = self.find(claim.account_id, write_off_id)
        if found is None:
            raise missing
        return found

    def of_account(self, account_id: str) -> Sequence[WriteOff]:
        found = WriteOffItem.query(
            keys.account_pk(account_id),
            WriteOffItem.sk.startswith(PREFIX),
            consistent_read=True,
        )
        records = [write_off_of(item.record) for item in found]
        return sorted(records, key=lambda w: w.listed_key, reverse=True)

    def newest(self, account_id: str | None, limit: int, after: str | None) -> Page[WriteOff]:
        if account_id is not None:  # an account has a few: read them all, page them here
            listed = [
                w for w in self.of_account(account_id) if after is None or w.listed_key < after
            ]
        else:
            condition = WriteOffItem.gsi1sk < after if after else None
            found = WriteOffItem.listed.query(
                LISTED_PK, condition, scan_index_forward=False, limit=limit + 1
            )
            listed = [write_off_of(item.record) for item in found]
        page = listed[:limit]
        return Page(page, page[-1].listed_key if len(listed) > limit else None)

    def post(
        self,
        posting: Posting,
        made: WriteOff | None = None,
        changed: Sequence[WriteOff] = (),
        events: Sequence[DomainEvent] = (),
    ) -> bool:
        transaction = Transaction()
        journal(transaction, posting)
        post_to_statements(transaction, posting)
        if made is not None:
            transaction.put(
                WriteOffClaim(
                    pk=f"{PREFIX}{made.write_off_id}", sk=CLAIM_SK, account_id=made.account_id
                ),
                WriteOffClaim.pk.does_not_exist(),
                WriteOffIdTaken,
            )
        for write_off in (*([made] if made else []), *changed):
            transaction.put(_item(write_off))
        transaction.events(events)
        try:
            transaction.run(self._client())
        except (LedgerMoved, WriteOffIdTaken):
            raise
        except Conflict:
            return False
        return True


class DynamoSweepMarks:
    def last_through(self) -> date | None:
        try:
            item = RecordItem.get(*SWEEP_KEY, consistent_read=True)
        except DoesNotExist:
            return None
        return date.fromisoformat(item.record["through"])

    def mark(self, through: date) -> None:
        RecordItem(*SWEEP_KEY, record={"through": through.isoformat()}).save()
