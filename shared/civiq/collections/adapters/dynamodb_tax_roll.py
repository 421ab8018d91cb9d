"""Transfers of arrears to the tax roll, and the lines of the daily files, on the single table.

item            PK                        SK                      notes
transfer        ACCOUNT#<account id>      TAXROLL#<transfer id>   the record; GSI1 TAXROLL-TRANSFERS
                                                                  / <id>; GSI2 TAXROLL-TRANSFERS#
                                                                  <status> / <id> (newest first)
noticed claim   ACCOUNT#<account id>      TAXROLL-NOTICED         while a transfer is noticed
file line       TAXROLL-FILE#<day>        <roll>#<id>#<type>      one per transfer or reversal
file day        TAXROLL-FILES             <day>                   the days with a file

Noticing a transfer puts the claim with the record and its events in one transaction: a second
transfer of an account cannot be noticed while one is pending. Transferring and reversing write
the ledger posting (its entries, guard and the statements it pays: the ledger's own transaction
parts), the record (on condition it is still as it was read), the file line and the events in
one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pynamodb.attributes import JSONAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist

from civiq.billing.adapters.dynamodb import post_to_statements
from civiq.collections.adapters.dynamodb_cases import ByGsi1, ByGsi2
from civiq.collections.domain.tax_roll import (
    Debtor,
    LineType,
    SelectedItem,
    TaxRollLine,
    TaxRollTransfer,
    TransferMoved,
    TransferStatus,
)
from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict, NotFound
from civiq.core.events import DomainEvent
from civiq.core.history import as_record
from civiq.core.ports import Page
from civiq.ledger.adapters.dynamodb_journal import journal
from civiq.ledger.domain.journal import LedgerMoved, Posting
from civiq.platform.dynamodb import keys
from civiq.platform.dynamodb.table import TableItem, TableMeta
from civiq.platform.dynamodb.transactions import Connected, Transaction

TRANSFER_PREFIX = "TAXROLL#"
NOTICED_SK = "TAXROLL-NOTICED"
ALL_PK = "TAXROLL-TRANSFERS"
FILE_PREFIX = "TAXROLL-FILE#"
DAYS_PK = "TAXROLL-FILES"


class TransferItem(TableItem):
    class Meta(TableMeta):
        pass

    gsi1pk = UnicodeAttribute(attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(attr_name="GSI1SK")
    by_id = ByGsi1()
    gsi2pk = UnicodeAttribute(attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(attr_name="GSI2SK")
    by_status = ByGsi2()
    status = UnicodeAttribute()
    record = JSONAttribute()


class NoticedClaim(TableItem):
    class Meta(TableMeta):
        pass

    transfer_id = UnicodeAttribute()


class LineItem(TableItem):
    class Meta(TableMeta):
        pass

    record = JSONAttribute()


def status_pk(status: TransferStatus) -> str:
    return f"{ALL_PK}#{status.value}"


def transfer_item(transfer: TaxRollTransfer) -> TransferItem:
    return TransferItem(
        pk=keys.account_pk(transfer.account_id),
        sk=f"{TRANSFER_PREFIX}{transfer.transfer_id}",
        gsi1pk=ALL_PK,
        gsi1sk=transfer.transfer_id,
        gsi2pk=status_pk(transfer.status),
        gsi2sk=transfer.transfer_id,
        status=transfer.status.value,
        record=as_record(transfer),
    )


class DynamoTaxRoll(Connected):
    def notice(
        self,
        transfer: TaxRollTransfer,
        events: Sequence[DomainEvent],
        entries: Sequence[AuditEntry],
    ) -> None:
        pk = keys.account_pk(transfer.account_id)
        transaction = Transaction()
        transaction.put(
            NoticedClaim(pk=pk, sk=NOTICED_SK, transfer_id=transfer.transfer_id),
            NoticedClaim.pk.does_not_exist(),
            lambda: Conflict("the account has a transfer to the tax roll noticed", "account_id"),
        )
        transaction.put(
            transfer_item(transfer),
            TransferItem.pk.does_not_exist(),
            lambda: Conflict("the transfer id is taken", "transfer_id"),
        )
        transaction.events(events)
        transaction.history(entries)
        transaction.run(self._client())

    def get(self, transfer_id: str) -> TaxRollTransfer:
        """The index finds the account (one Query), the table gives the record as it stands."""
        found = list(TransferItem.by_id.query(ALL_PK, TransferItem.gsi1sk == transfer_id, limit=1))
        if not found:
            raise NotFound(f"no transfer {transfer_id}", "transfer_id")
        try:
            item = TransferItem.get(found[0].pk, found[0].sk, consistent_read=True)
        except DoesNotExist:
            raise NotFound(f"no transfer {transfer_id}", "transfer_id") from None
        return transfer_of(item.record)

    def listing(
        self,
        status: TransferStatus | None,
        account_id: str | None,
        limit: int,
        after: str | None,
    ) -> Page[TaxRollTransfer]:
        if account_id is not None:  # an account's few transfers, filtered as they are read
            found = [
                transfer
                for item in TransferItem.query(
                    keys.account_pk(account_id),
                    TransferItem.sk.startswith(TRANSFER_PREFIX),
                    scan_index_forward=False,
                )
                if (transfer := transfer_of(item.record)).transfer_id < (after or "~")
                and (status is None or transfer.status is status)
            ]
        elif status is not None:
            condition = TransferItem.gsi2sk < after if after else None
            found = [
                transfer_of(item.record)
                for item in TransferItem.by_status.query(
                    status_pk(status), condition, scan_index_forward=False, limit=limit + 1
                )
            ]
        else:
            condition = TransferItem.gsi1sk < after if after else None
            found = [
                transfer_of(item.record)
                for item in TransferItem.by_id.query(
                    ALL_PK, condition, scan_index_forward=False, limit=limit + 1
                )
            ]
        page = found[:limit]
        return Page(page, page[-1].transfer_id if len(found) > limit else None)

    def end(
        self, before: TaxRollTransfer, after: TaxRollTransfer, entries: Sequence[AuditEntry]
    ) -> bool:
        transaction = Transaction()
        self._replace(transaction, before, after)
        transaction.history(entries)
        try:
            transaction.run(self._client())
        except TransferMoved:
            return False
        return True

    def post(
        self,
        posting: Posting,
        before: TaxRollTransfer,
        after: TaxRollTransfer,
        line: TaxRollLine,
        events: Sequence[DomainEvent],
        entries: Sequence[AuditEntry],
    ) -> bool:
        transaction = Transaction()
        journal(transaction, posting)
        post_to_statements(transaction, posting)
        self._replace(transaction, before, after)
        transaction.put(
            LineItem(pk=f"{FILE_PREFIX}{line.day.isoformat()}", sk=line.key, record=as_record(line))
        )
        transaction.put(LineItem(pk=DAYS_PK, sk=line.day.isoformat(), record={}))
        transaction.events(events)
        transaction.history(entries)
        try:
            transaction.run(self._client())
        except (TransferMoved, LedgerMoved):
            raise
        except Conflict:
            return False  # its guard: posted before
        return True

    def lines(self, day: date) -> Sequence[TaxRollLine]:
        return [
            line_of_record(item.record)
            for item in LineItem.query(f"{FILE_PREFIX}{day.isoformat()}", consistent_read=True)
        ]

    def days(self, limit: int, after: str | None) -> Page[date]:
        condition = LineItem.sk < after if after else None
        found = [
            date.fromisoformat(item.sk)
            for item in LineItem.query(
                DAYS_PK, condition, scan_index_forward=False, limit=limit + 1
            )
        ]
        page = found[:limit]
        return Page(page, page[-1].isoformat() if len(found) > limit else None)

    @staticmethod
    def _replace(transaction: Transaction, before: TaxRollTransfer, after: TaxRollTransfer) -> None:
        """``after`` in place of ``before`` while the record is still as read; the account's
        claim let go when it leaves noticed."""
        moved = lambda: TransferMoved(before.transfer_id)  # noqa: E731
        transaction.put(transfer_item(after), TransferItem.status == before.status.value, moved)
        if before.status is TransferStatus.NOTICED and after.status is not TransferStatus.NOTICED:
            transaction.delete(
                NoticedClaim(pk=keys.account_pk(before.account_id), sk=NOTICED_SK),
                NoticedClaim.transfer_id == before.transfer_id,
                moved,
            )


def _items(records: Sequence[Mapping[str, Any]]) -> tuple[SelectedItem, ...]:
    return tuple(
        SelectedItem(r["statement_id"], date.fromisoformat(r["due_on"]), Decimal(r["owed"]))
        for r in records
    )


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def transfer_of(record: Mapping[str, Any]) -> TaxRollTransfer:
    return TaxRollTransfer(
        transfer_id=record["transfer_id"],
        account_id=record["account_id"],
        account_number=record["account_number"],
        roll_number=record["roll_number"],
        debtor=Debtor(record["debtor"]),
        owner_customer_id=record["owner_customer_id"],
        owner_name=record["owner_name"],
        items=_items(record["items"]),
        fee=Decimal(record["fee"]),
        noticed_on=date.fromisoformat(record["noticed_on"]),
        deadline=date.fromisoformat(record["deadline"]),
        noticed_by=record["noticed_by"],
        noticed_at=datetime.fromisoformat(record["noticed_at"]),
        status=TransferStatus(record["status"]),
        arrears=Decimal(record["arrears"]),
        fee_charged=Decimal(record["fee_charged"]),
        taken=_items(record["taken"]),
        ended_on=_date(record["ended_on"]),
        ended_by=record["ended_by"],
        reason=record["reason"],
        transferred_on=_date(record["transferred_on"]),
    )


def line_of_record(record: Mapping[str, Any]) -> TaxRollLine:
    return TaxRollLine(
        day=date.fromisoformat(record["day"]),
        roll_number=record["roll_number"],
        account_number=record["account_number"],
        owner_name=record["owner_name"],
        amount=Decimal(record["amount"]),
        fee=Decimal(record["fee"]),
        transfer_id=record["transfer_id"],
        transfer_date=date.fromisoformat(record["transfer_date"]),
        line_type=LineType(record["line_type"]),
    )
