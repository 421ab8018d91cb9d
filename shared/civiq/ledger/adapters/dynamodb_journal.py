"""The ledger on DynamoDB: the account item's ledger attributes (main table), the entries and
the guards that name each posting once (ledger table).

item            table   PK                    SK                       notes
account         main    ACCOUNT#<id>          ACCOUNT                  balance_cents, credit_cents,
                                                                       ledger_sequence, ledger_hash,
                                                                       open_statements, aged_as
ledger entry    ledger  ACCOUNT#<id>          LEDGER#<sequence, 10>    one per entry, never changed
posting guard   ledger  ACCOUNT#<id>          POSTED#<guard>           ``payment:<id>``,
                                                                       ``penalty:...``

A posting is one transaction over both tables: the entries and the guard are put on condition
they do not exist, and the account item is updated on condition that its ledger is still at the
head the posting was computed from (its sequence and its hash: the new entries are chained to
that hash). Every change of an account's balance goes through this condition, so an account's
postings are serialised: the balance is always the sum of the entries, and the open
statements (kept on the account item, so a posting reads one item) always what they still owe,
each with what it was charged by revenue. The same transaction moves the aging cells and the
receivables index (:mod:`civiq.ledger.adapters.dynamodb_receivables`) and the counters of
what it bills (:mod:`civiq.ledger.adapters.dynamodb_billed`): the account's route,
read with the ledger, and its property's type say who owes; ``aged_as`` keeps what its
receivables were last counted under (and so the property's type, read at its first posting).

Entries and guards are only ever put, never updated or deleted: the ledger table's writers are
allowed PutItem alone, and its resource policy refuses every other write to everyone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action

from civiq.core.errors import Conflict, NotFound
from civiq.core.money import CENT, Money
from civiq.ledger.adapters.dynamodb_billed import count_billed
from civiq.ledger.adapters.dynamodb_receivables import (
    ReceivablesIndex,
    age,
    aging_shard,
    receivables_pk,
)
from civiq.ledger.domain.journal import (
    UNKNOWN_PROFILE,
    AccountLedger,
    Charges,
    EntriesSince,
    EntryKind,
    Head,
    LedgerEntry,
    LedgerMoved,
    OpenStatement,
    Posting,
    Profile,
    Source,
)
from civiq.ledger.domain.receivables import open_after
from civiq.platform.dynamodb import keys
from civiq.platform.dynamodb.attributes import CentsAttribute
from civiq.platform.dynamodb.table import LedgerTableMeta, TableItem, TableMeta
from civiq.platform.dynamodb.transactions import Transaction

LEDGER_PREFIX = "LEDGER#"
GUARD_PREFIX = "POSTED#"


def entry_sk(sequence: int) -> str:
    return f"{LEDGER_PREFIX}{sequence:010d}"


class LedgerAccountItem(TableItem):
    """Only the ledger's attributes of an account item."""

    class Meta(TableMeta):
        pass

    balance_cents = CentsAttribute(null=True)
    credit_cents = CentsAttribute(null=True)
    ledger_sequence = NumberAttribute(null=True)
    ledger_hash = UnicodeAttribute(null=True)
    # {statement id: [due date, owed cents, {revenue key: charged cents}]} (items opened before
    # they kept their charges: the first two alone)
    open_statements = JSONAttribute(null=True)
    aged_as = JSONAttribute(null=True)  # [route, property type] its receivables are counted under
    gsi3pk = UnicodeAttribute(null=True, attr_name="GSI3PK")  # while it owes or is in credit
    gsi3sk = UnicodeAttribute(null=True, attr_name="GSI3SK")
    receivables = ReceivablesIndex()
    route = UnicodeAttribute(null=True)  # the account's, read only: who owes
    property_id = UnicodeAttribute(null=True)
    holder = JSONAttribute(null=True)  # read by the receivables index


class LedgerEntryItem(TableItem):
    class Meta(LedgerTableMeta):
        pass

    record = JSONAttribute()


class PostingGuardItem(TableItem):
    class Meta(LedgerTableMeta):
        pass

    sequence = NumberAttribute(null=True)  # the head after the posting


LEDGER_ATTRIBUTES = [
    "PK",
    "SK",
    "balance_cents",
    "credit_cents",
    "ledger_sequence",
    "ledger_hash",
    "open_statements",
    "aged_as",
    "route",
    "property_id",
]


def read_ledger(account_id: str) -> AccountLedger:
    try:
        item = LedgerAccountItem.get(
            keys.account_pk(account_id),
            keys.ACCOUNT_SK,
            consistent_read=True,
            attributes_to_get=LEDGER_ATTRIBUTES,
        )
    except DoesNotExist as exc:
        raise NotFound(f"no account with id {account_id}", "account_id") from exc
    ledger = ledger_of(account_id, item)
    if ledger.aged_as is None and item.property_id is not None:
        return replace(
            ledger, profile=Profile(ledger.profile.route, property_type(item.property_id))
        )
    return ledger


class PropertyTypeItem(TableItem):
    """Only a property item's type."""

    class Meta(TableMeta):
        pass

    property_type = UnicodeAttribute(null=True)


def property_type(property_id: str) -> str:
    """The type of the property ``property_id`` (unknown: none such): read once per account,
    at its first posting; its postings after keep the one they counted its receivables
    under (``aged_as``), and billing gives the property's as it stands."""
    try:
        item = PropertyTypeItem.get(
            keys.property_pk(property_id), keys.PROPERTY_SK, attributes_to_get=["property_type"]
        )
    except DoesNotExist:
        return UNKNOWN_PROFILE.property_type
    return item.property_type or UNKNOWN_PROFILE.property_type


class DynamoJournal:
    """Reads an account's ledger as it stands, and its journal from a point on: the account item's
    ledger attributes, then its entries after the point up to the head that item names (entries are
    never changed, and each is written in the transaction that moves the head to it, so they are all
    there)."""

    def state(self, account_id: str) -> AccountLedger:
        return read_ledger(account_id)

    def entries_since(self, account_id: str, after: int) -> EntriesSince:
        return self.entries_after(read_ledger(account_id), after)

    def entries_after(self, ledger: AccountLedger, after: int) -> EntriesSince:
        account_id, head = ledger.account_id, ledger.head
        entries: list[LedgerEntry] = []
        if head is not None and head.sequence > after >= 0:
            found = LedgerEntryItem.query(
                keys.account_pk(account_id),
                LedgerEntryItem.sk.between(entry_sk(after + 1), entry_sk(head.sequence)),
                consistent_read=True,
            )
            entries = [entry_of(item.record) for item in found]
        return EntriesSince(account_id, after, head, ledger.balance, tuple(entries))


def ledger_of(account_id: str, item: LedgerAccountItem) -> AccountLedger:
    head = (
        Head(int(item.ledger_sequence), item.ledger_hash or "")
        if item.ledger_sequence is not None
        else None
    )
    open_statements = tuple(
        OpenStatement(sid, date.fromisoformat(due), _amount(cents), _charges(charged))
        for sid, (due, cents, *charged) in sorted((item.open_statements or {}).items())
    )
    return AccountLedger(
        account_id,
        head,
        (item.balance_cents or Money.zero()).amount,
        (item.credit_cents or Money.zero()).amount,
        open_statements,
        Profile(
            item.route or UNKNOWN_PROFILE.route,
            item.aged_as[1] if item.aged_as else UNKNOWN_PROFILE.property_type,
        ),
        Profile(*item.aged_as) if item.aged_as else None,
    )


def _amount(cents: int) -> Decimal:
    return Money.from_cents(int(cents)).amount


def _charges(stored: list[Mapping[str, int]]) -> Charges:
    return (
        tuple((key, _amount(cents)) for key, cents in sorted(stored[0].items())) if stored else ()
    )


def open_record(statement: OpenStatement) -> list[Any]:
    """An open item as the account item keeps it."""
    record: list[Any] = [statement.due_on.isoformat(), Money(statement.owed).to_cents()]
    if statement.charged:
        record.append({key: Money(amount).to_cents() for key, amount in statement.charged})
    return record


def journal(transaction: Transaction, posting: Posting, also: Sequence[Action] = ()) -> None:
    """Add ``posting``'s guard, entries and account update to ``transaction``; ``also``: what
    the posting's author sets on the account item with it (one transaction writes an item once)."""
    basis = posting.basis
    pk = keys.account_pk(basis.account_id)
    head = posting.head
    transaction.put(
        PostingGuardItem(
            pk=pk,
            sk=f"{GUARD_PREFIX}{posting.guard}",
            sequence=head.sequence if head else None,
        ),
        PostingGuardItem.pk.does_not_exist(),
        lambda: Conflict("posted before", "guard"),
    )
    for entry in posting.entries:
        transaction.put(
            LedgerEntryItem(pk=pk, sk=entry_sk(entry.sequence), record=entry_record(entry)),
            LedgerEntryItem.pk.does_not_exist(),
            lambda: LedgerMoved(basis.account_id),
        )
    open_now = open_after(posting)
    profile = basis.profile
    actions: list[Any] = [
        LedgerAccountItem.credit_cents.set(Money(posting.credit)),
        LedgerAccountItem.open_statements.set({s.statement_id: open_record(s) for s in open_now}),
        LedgerAccountItem.aged_as.set([profile.route, profile.property_type]),
        *_receivable_keys(basis.account_id, bool(open_now) or posting.credit > 0),
        *also,
    ]
    if head is not None and posting.entries:
        actions += [
            LedgerAccountItem.balance_cents.add(Money(posting.moved)),
            LedgerAccountItem.ledger_sequence.set(head.sequence),
            LedgerAccountItem.ledger_hash.set(head.hash),
        ]
    at_head = (
        (LedgerAccountItem.ledger_sequence == basis.head.sequence)
        & (LedgerAccountItem.ledger_hash == basis.head.hash)
        if basis.head
        else LedgerAccountItem.ledger_sequence.does_not_exist()
    )
    transaction.update(
        LedgerAccountItem(pk=pk, sk=keys.ACCOUNT_SK),
        actions,
        LedgerAccountItem.pk.exists() & at_head,
        lambda: LedgerMoved(basis.account_id),
    )
    age(transaction, posting)
    count_billed(transaction, posting)


def _receivable_keys(account_id: str, listed: bool) -> list[Action]:
    """The account item's keys in the receivables index: set while it owes or is in credit."""
    if not listed:
        return [LedgerAccountItem.gsi3pk.remove(), LedgerAccountItem.gsi3sk.remove()]
    return [
        LedgerAccountItem.gsi3pk.set(receivables_pk(aging_shard(account_id))),
        LedgerAccountItem.gsi3sk.set(account_id),
    ]


def entry_record(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "account_id": entry.account_id,
        "sequence": entry.sequence,
        "entry_id": entry.entry_id,
        "kind": entry.kind.value,
        "amount": f"{entry.amount:.2f}",
        "occurred_at": entry.occurred_at.isoformat(),
        "recorded_by": entry.recorded_by,
        "reason": entry.reason,
        "source": [entry.source.kind, entry.source.source_id],
        "previous_hash": entry.previous_hash,
        "hash": entry.hash,
    }


def entry_of(record: Mapping[str, Any]) -> LedgerEntry:
    source_kind, source_id = record["source"]
    return LedgerEntry(
        account_id=record["account_id"],
        sequence=int(record["sequence"]),
        entry_id=record["entry_id"],
        kind=EntryKind(record["kind"]),
        amount=Decimal(record["amount"]).quantize(CENT),
        occurred_at=datetime.fromisoformat(record["occurred_at"]),
        recorded_by=record["recorded_by"],
        reason=record["reason"],
        source=Source(source_kind, source_id),
        previous_hash=record["previous_hash"],
        hash=record["hash"],
    )
