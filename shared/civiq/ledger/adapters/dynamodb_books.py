"""Every account's books read from the two tables, for the ledger check (an offline command).

The main table is read by a parallel Scan of the account items only (``SK = ACCOUNT``, their
ledger attributes), and then the ledger table by one consistent Query per account for its
journal, in sequence order.
A single Scan grouped by partition key would not work. DynamoDB promises no order for a Scan's
items: only a Query returns a partition's items in sort-key order. It also does not promise
that one partition key's items come out of one segment together, since adaptive capacity may
split a busy item collection across storage partitions by sort key. And a Scan is no snapshot:
an account item and its entries read pages apart may be from different moments. So at any time
memory holds one page of account items and one journal per segment.

A journal is read after its account item, so entries posted in between can follow the head
that the item names. A posting writes its entries and the new head in one transaction, so
these entries are checked against a second, consistent read of the head. The entries it
covers are dropped, because the books are checked as of the first read, and they match it.
Entries that it does not cover are kept, and are reported. (So the Scan may read eventually
consistently: an older head is still one that the journal's first entries match.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from civiq.core.errors import DomainError, InvalidInput, NotFound
from civiq.ledger.adapters.dynamodb_journal import (
    LEDGER_ATTRIBUTES,
    LEDGER_PREFIX,
    LedgerAccountItem,
    LedgerEntryItem,
    entry_of,
    ledger_of,
)
from civiq.ledger.domain.journal import AccountLedger, LedgerEntry
from civiq.ledger.domain.verification import AccountBooks
from civiq.ledger.ports import Books, UnreadableEntry
from civiq.platform import aws
from civiq.platform.dynamodb import keys

ACCOUNT_PREFIX = keys.account_pk("")
MAX_SEGMENTS = 1_000_000  # DynamoDB's limit on TotalSegments
# What reading a record that is not a ledger entry raises: a missing field, a value of the wrong
# type, text that is not JSON, a date or a number, an amount a ledger entry refuses.
UNREADABLE = (KeyError, TypeError, ValueError, ArithmeticError, DomainError)

Item = dict[str, Any]  # a low-level item: {attribute: {type: value}}


class DynamoLedgerBooks:
    def __init__(self, segments: int = 8) -> None:
        if not 1 <= segments <= MAX_SEGMENTS:
            raise InvalidInput(f"segments must be from 1 to {MAX_SEGMENTS}", "segments")
        self.segments = segments
        meta = LedgerAccountItem.Meta
        self._table = meta.table_name
        self._ledger_table = LedgerEntryItem.Meta.table_name
        self._client = aws.client("dynamodb", meta.region, meta.host)  # thread-safe
        self._projection = {f"#a{n}": name for n, name in enumerate(LEDGER_ATTRIBUTES)}

    def books(self, segment: int) -> Iterator[Books]:
        pages = self._client.get_paginator("scan").paginate(
            TableName=self._table,
            Segment=segment,
            TotalSegments=self.segments,
            FilterExpression="#sk = :account",
            ProjectionExpression=", ".join(self._projection),
            ExpressionAttributeNames=self._projection | {"#sk": "SK"},
            ExpressionAttributeValues={":account": {"S": keys.ACCOUNT_SK}},
        )
        for page in pages:
            for account in page["Items"]:
                yield self._read(account)

    def of_account(self, account_id: str) -> Books:
        account = self._account_item(keys.account_pk(account_id))
        if account is None:
            raise NotFound(f"no account with id {account_id}", "account_id")
        return self._read(account)

    def _account_item(self, pk: str) -> Item | None:
        answer = self._client.get_item(
            TableName=self._table,
            Key={"PK": {"S": pk}, "SK": {"S": keys.ACCOUNT_SK}},
            ConsistentRead=True,
            ProjectionExpression=", ".join(self._projection),
            ExpressionAttributeNames=self._projection,
        )
        found: Item | None = answer.get("Item")
        return found

    def _journal(self, pk: str) -> list[Item]:
        pages = self._client.get_paginator("query").paginate(
            TableName=self._ledger_table,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :ledger)",
            ExpressionAttributeValues={":pk": {"S": pk}, ":ledger": {"S": LEDGER_PREFIX}},
            ConsistentRead=True,
        )
        return [entry for page in pages for entry in page["Items"]]

    def _read(self, account: Item) -> Books:
        ledger = _ledger(account)
        pk = keys.account_pk(ledger.account_id)
        journal = self._journal(pk)
        at_read = _head_sequence(ledger)
        if journal and _sequence(journal[-1]) > at_read:
            now = self._account_item(pk)
            if now and _head_sequence(_ledger(now)) >= _sequence(journal[-1]):
                journal = [entry for entry in journal if _sequence(entry) <= at_read]
        entries: list[LedgerEntry] = []
        for entry in journal:
            try:
                entries.append(entry_of(LedgerEntryItem.from_raw_data(entry).record))
            except UNREADABLE as exc:
                why = f"{type(exc).__name__}: {exc}"
                return UnreadableEntry(_books(ledger, entries), _sequence(entry), why)
        return _books(ledger, entries)


def _ledger(account: Item) -> AccountLedger:
    item = LedgerAccountItem.from_raw_data(account)
    return ledger_of(item.pk.removeprefix(ACCOUNT_PREFIX), item)


def _head_sequence(ledger: AccountLedger) -> int:
    return ledger.head.sequence if ledger.head else 0


def _sequence(entry: Item) -> int:
    """An entry's number, from its key (its record may have been edited)."""
    return int(entry["SK"]["S"].removeprefix(LEDGER_PREFIX))


def _books(ledger: AccountLedger, entries: list[LedgerEntry]) -> AccountBooks:
    return AccountBooks(
        account_id=ledger.account_id,
        balance=ledger.balance,
        credit=ledger.credit,
        open_statements={s.statement_id: s.owed for s in ledger.open_statements},
        head=ledger.head,
        entries=tuple(entries),
    )
