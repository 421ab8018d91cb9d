"""Aging on the single table: the cells and the receivables index the postings keep
(:mod:`civiq.ledger.adapters.dynamodb_receivables`), the summaries they are folded into, and
the daily snapshots.

item            PK                  SK               notes
aging summary   AGING-SUMMARY       TYPE,            the cells folded hourly, by family: one
                                    ROUTE#<route>    item (the property types'), one a route;
                                                     compressed JSON, versioned
aging snapshot  AGING-SNAPSHOTS     <yyyy-mm-dd>     the day's aging by filter, put once

read                  request(s)
a report's cells      the summary (one GetItem: the property types', or the route's), one
                      Query of its family's cells written since the last fold (AGING#<family>,
                      SK beginning with the route's groups: ``R12#``), only the three figures
                      it needs of each, and one of the pending cells (AGING#PENDING: postings
                      that moved too many cells to write one by one; almost always none): 3
                      requests, whatever the number of open items (the Query pages at 1 MB:
                      ~15,000 cells); the cells it returns are an hour's postings', not every
                      due date's
snapshots compared    one Query each (SK <= the day, newest first, limit 1)
receivables           one Query per shard of GSI3 (RECEIVABLES#<shard>), every page
a rebuild's ledgers   one Query per account status of GSI2 (ACCOUNTS#<status>), every page

Why fold: the postings write small cells, sharded (many accounts post at once), but a report
reading a cell per due date per shard reads thousands of items in a city. The hourly upkeep
folds them (:meth:`DynamoAgingCells.fold`) into summaries only it writes (no contention), each
fold a transaction that deletes its cells on condition no posting added to them since they
were read: a report adds the summary and the cells written since, and is exact at any moment.

Cells are read and written as raw items: their figures are attributes named as they are, not
declared on a model.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from civiq.accounts.domain.accounts import AccountStatus
from civiq.billing.adapters.dynamodb import CompressedJSONAttribute
from civiq.collections.domain.aging import Aging, Bucket, Credit, Receivable, Tally
from civiq.collections.domain.aging_snapshots import AgingSnapshot
from civiq.collections.ports import LedgerOnFile
from civiq.core.errors import Conflict
from civiq.core.money import Money
from civiq.ledger.adapters.dynamodb_journal import LedgerAccountItem, ledger_of, property_type
from civiq.ledger.adapters.dynamodb_receivables import (
    AGING_SHARDS,
    CREDIT_SK,
    PENDING_PK,
    RECEIVABLES_INDEX,
    WRITES,
    AgingCellItem,
    PendingCellsItem,
    aging_pk,
    aging_shard,
    cell_key_of,
    pending_key,
    receivables_pk,
)
from civiq.ledger.domain.journal import AccountLedger, LedgerMoved, Profile
from civiq.ledger.domain.receivable_cells import (
    ROUTE_FAMILY,
    TYPE_FAMILY,
    Cell,
    CellKey,
    Cells,
    Figures,
    total,
)
from civiq.platform.dynamodb import keys
from civiq.platform.dynamodb.table import AccountItem, TableItem, TableMeta
from civiq.platform.dynamodb.transactions import Connected, Transaction

SNAPSHOTS_PK = "AGING-SNAPSHOTS"
SUMMARIES_PK = "AGING-SUMMARY"
FOLD_CHUNK = 98  # cells one transaction folds: with their summary, under DynamoDB's 100 items
ACCOUNT_PREFIX = keys.account_pk("")
Raw = dict[str, Any]


def _pages(connection: Any, partition: str, **query: Any) -> Iterator[Raw]:
    """Every raw item of a Query, page after page."""
    start = None
    while True:
        page = connection.query(partition, exclusive_start_key=start, **query)
        yield from page.get("Items", [])
        start = page.get("LastEvaluatedKey")
        if not start:
            return


def _figures(raw: Raw) -> Figures:
    return {name: int(value["N"]) for name, value in raw.items() if "N" in value}


def summary_sk(family: str, group: str) -> str:
    """The summary a cell is folded into: one for the property-type family, one a route for
    the route family (``<route>#<property type>`` groups)."""
    return family if family == TYPE_FAMILY else f"{family}#{group.split('#', 1)[0]}"


class SummaryItem(TableItem):
    """Cells folded together: ``{"<group>|<due date or CREDIT>": {figure: value}}``."""

    class Meta(TableMeta):
        pass

    record = CompressedJSONAttribute()
    version = NumberAttribute()


def _entry(key: CellKey) -> str:
    return f"{key.group}|{CREDIT_SK if key.due_on is None else key.due_on.isoformat()}"


def _key_of(family: str, entry: str) -> CellKey:
    group, _, day = entry.rpartition("|")
    return CellKey(family, group, None if day == CREDIT_SK else date.fromisoformat(day))


def _family_of(sk: str) -> str:
    return sk.split("#", 1)[0]


@dataclass
class Summary:
    sk: str
    cells: Cells
    version: int  # 0: not written yet

    def record(self) -> dict[str, Figures]:
        return {_entry(key): figures for key, figures in self.cells.items()}


@dataclass(frozen=True)
class LiveCell:
    family: str
    sk: str
    key: CellKey
    figures: Figures
    writes: int | None  # None: a cell written without its count of writes


class DynamoAgingCells(Connected):
    def cells(
        self, family: str, group_prefix: str = "", figures: Sequence[str] | None = None
    ) -> Sequence[Cell]:
        summarized = [
            (key, kept)
            for summary in self._summaries(family, group_prefix)
            for key, kept in summary.cells.items()
            if key.in_groups(group_prefix)
        ]
        live = [(c.key, c.figures) for c in self._live(family, group_prefix, figures)]
        pending = [
            (key, kept)
            for _, cells in self._pending()
            for key, kept in cells.items()
            if key.family == family and key.in_groups(group_prefix)
        ]
        return summarized + live + pending

    def _summaries(self, family: str, group_prefix: str, consistent: bool = False) -> list[Summary]:
        """The summaries holding ``family``'s groups that begin with ``group_prefix``: one
        GetItem (the property-type family's, or one route's), or a Query of every route's."""
        if family == TYPE_FAMILY or group_prefix:
            found = self._summary(summary_sk(family, group_prefix), consistent)
            return [found] if found.version else []
        items = SummaryItem.query(
            SUMMARIES_PK, SummaryItem.sk.startswith(f"{family}#"), consistent_read=consistent
        )
        return [_summary_of(item) for item in items]

    def _summary(self, sk: str, consistent: bool) -> Summary:
        try:
            return _summary_of(SummaryItem.get(SUMMARIES_PK, sk, consistent_read=consistent))
        except DoesNotExist:
            return Summary(sk, {}, 0)

    def _live(
        self,
        family: str,
        group_prefix: str = "",
        figures: Sequence[str] | None = None,
        consistent: bool = False,
    ) -> list[LiveCell]:
        """The cells of ``family`` written since they were last folded, every shard's: one
        Query (with only ``figures``, when named: a cell holds dozens, a report needs three)."""
        condition = AgingCellItem.sk.startswith(group_prefix) if group_prefix else None
        projection = None if figures is None else ["SK", *figures]
        return [
            LiveCell(
                family,
                raw["SK"]["S"],
                cell_key_of(family, raw["SK"]["S"]),
                {n: v for n, v in _figures(raw).items() if n != WRITES.attr_name},
                int(raw[WRITES.attr_name]["N"]) if WRITES.attr_name in raw else None,
            )
            for raw in _pages(
                AgingCellItem._get_connection(),
                aging_pk(family),
                range_key_condition=condition,
                attributes_to_get=projection,
                consistent_read=consistent,
            )
        ]

    def _pending(self, consistent: bool = False) -> list[tuple[str, Cells]]:
        """The cells of the postings that moved too many to write them one by one, by item:
        one Query (almost always of nothing)."""
        return [
            (item.sk, {pending_key(entry): dict(f) for entry, f in item.cells.items()})
            for item in PendingCellsItem.query(PENDING_PK, consistent_read=consistent)
        ]

    def _every_live(self) -> list[LiveCell]:
        return [c for f in (TYPE_FAMILY, ROUTE_FAMILY) for c in self._live(f, consistent=True)]

    def fold(self) -> int:
        """Fold the cells into their summaries, a transaction at a time: the summary (on
        condition it is the version read) with up to FOLD_CHUNK cells deleted (each on
        condition no posting added to it since it was read). A transaction refused leaves its
        cells for the next fold."""
        folded = sum(self._fold_pending(sk, cells) for sk, cells in self._pending(True))
        by_summary: dict[str, list[LiveCell]] = defaultdict(list)
        for cell in self._every_live():
            by_summary[summary_sk(cell.key.family, cell.key.group)].append(cell)
        for sk, cells in sorted(by_summary.items()):
            summary = self._summary(sk, consistent=True)
            for start in range(0, len(cells), FOLD_CHUNK):
                chunk = cells[start : start + FOLD_CHUNK]
                merged = Summary(sk, _merged(summary.cells, chunk), summary.version + 1)
                try:
                    self._write(summary, merged, chunk)
                except Conflict:
                    break  # a posting moved one of them meanwhile: the next fold takes them
                summary = merged
                folded += len(chunk)
        return folded

    def _fold_pending(self, sk: str, cells: Cells) -> int:
        """Add one posting's pending cells to their summaries and delete them, together."""
        by_summary: dict[str, Cells] = defaultdict(dict)
        for key, figures in cells.items():
            by_summary[summary_sk(key.family, key.group)][key] = figures
        transaction = Transaction()
        for summary_key, moved in sorted(by_summary.items()):
            summary = self._summary(summary_key, consistent=True)
            after = Summary(summary_key, total([summary.cells, moved]), summary.version + 1)
            self._put(transaction, summary, after)
        transaction.delete(
            PendingCellsItem(pk=PENDING_PK, sk=sk),
            PendingCellsItem.pk.exists(),
            lambda: Conflict("folded meanwhile", "sk"),
        )
        try:
            transaction.run(self._client())
        except Conflict:
            return 0  # another fold went first, or a summary moved: the next fold sees
        return 1

    @staticmethod
    def _put(transaction: Transaction, before: Summary, after: Summary) -> None:
        transaction.put(
            SummaryItem(pk=SUMMARIES_PK, sk=after.sk, record=after.record(), version=after.version),
            SummaryItem.version == before.version
            if before.version
            else SummaryItem.pk.does_not_exist(),
            lambda: Conflict("the aging summary moved", "version"),
        )

    def _write(self, before: Summary, after: Summary, folded: Sequence[LiveCell]) -> None:
        transaction = Transaction()
        self._put(transaction, before, after)
        for cell in folded:
            transaction.delete(
                AgingCellItem(pk=aging_pk(cell.family), sk=cell.sk),
                WRITES.does_not_exist() if cell.writes is None else cell.writes == WRITES,
                lambda: Conflict("a posting added to the cell", "w"),
            )
        transaction.run(self._client())

    def replace(self, accounts: Iterable[tuple[str, Cells]]) -> int:
        expected: dict[str, Cells] = defaultdict(dict)
        for key, figures in total(cells for _, cells in accounts).items():
            expected[summary_sk(key.family, key.group)][key] = figures
        live: dict[str, list[LiveCell]] = defaultdict(list)
        for cell in self._every_live():
            live[summary_sk(cell.key.family, cell.key.group)].append(cell)
        pending = self._pending(consistent=True)
        for _, cells in pending:
            for key, figures in cells.items():
                live[summary_sk(key.family, key.group)].append(
                    LiveCell(key.family, "", key, figures, None)
                )
        for sk, _ in pending:
            PendingCellsItem(pk=PENDING_PK, sk=sk).delete()
        stored = {
            s.sk: s
            for family in (TYPE_FAMILY, ROUTE_FAMILY)
            for s in self._summaries(family, "", consistent=True)
        }
        written = 0
        for sk in sorted(set(expected) | set(live) | set(stored)):
            summary = stored.get(sk, Summary(sk, {}, 0))
            if _merged(summary.cells, live[sk]) == expected.get(sk, {}):
                continue
            if expected.get(sk):
                rebuilt = Summary(sk, expected[sk], summary.version + 1)
                SummaryItem(
                    pk=SUMMARIES_PK, sk=sk, record=rebuilt.record(), version=rebuilt.version
                ).save()
            elif summary.version:
                SummaryItem(pk=SUMMARIES_PK, sk=sk).delete()
            for cell in live[sk]:
                if cell.sk:  # a pending item's cells were deleted with it
                    AgingCellItem(pk=aging_pk(cell.family), sk=cell.sk).delete()
            written += 1 + len(live[sk])
        return written


def _summary_of(item: SummaryItem) -> Summary:
    family = _family_of(item.sk)
    cells = {_key_of(family, entry): dict(figures) for entry, figures in item.record.items()}
    return Summary(item.sk, cells, int(item.version))


def _merged(cells: Cells, live: Iterable[LiveCell]) -> Cells:
    """``cells`` with the live cells added; what nets to nothing left out."""
    return total([cells, *({c.key: c.figures} for c in live)])


class DynamoReceivables:
    def listed(self) -> Iterator[Receivable]:
        connection = LedgerAccountItem._get_connection()
        for shard in range(AGING_SHARDS):
            for raw in _pages(connection, receivables_pk(shard), index_name=RECEIVABLES_INDEX):
                yield receivable_of(raw)

    def ledgers(self) -> Iterator[LedgerOnFile]:
        connection = AccountItem._get_connection()
        for status in AccountStatus:
            for raw in _pages(
                connection, keys.accounts_with_status(status.value), index_name="GSI2"
            ):
                item = LedgerAccountItem.from_raw_data(raw)
                ledger = ledger_of(item.pk.removeprefix(ACCOUNT_PREFIX), item)
                if ledger.aged_as is None and item.property_id is not None:
                    kind = property_type(item.property_id)
                    ledger = replace(ledger, profile=Profile(ledger.profile.route, kind))
                yield LedgerOnFile(ledger, item.gsi3pk is not None)

    def list(self, ledger: AccountLedger) -> None:
        profile = ledger.aged_as or ledger.profile
        listed = bool(ledger.open_statements) or ledger.credit > 0
        shard = receivables_pk(aging_shard(ledger.account_id))
        head = ledger.head
        at_head = (
            LedgerAccountItem.ledger_sequence == head.sequence
            if head
            else LedgerAccountItem.ledger_sequence.does_not_exist()
        )
        try:
            LedgerAccountItem(pk=keys.account_pk(ledger.account_id), sk=keys.ACCOUNT_SK).update(
                actions=[
                    LedgerAccountItem.aged_as.set([profile.route, profile.property_type]),
                    LedgerAccountItem.gsi3pk.set(shard)
                    if listed
                    else LedgerAccountItem.gsi3pk.remove(),
                    LedgerAccountItem.gsi3sk.set(ledger.account_id)
                    if listed
                    else LedgerAccountItem.gsi3sk.remove(),
                ],
                condition=LedgerAccountItem.pk.exists() & at_head,
            )
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise LedgerMoved(ledger.account_id) from error
            raise


def receivable_of(raw: Raw) -> Receivable:
    item = LedgerAccountItem.from_raw_data(raw)
    ledger = ledger_of(item.pk.removeprefix(ACCOUNT_PREFIX), item)
    holder = item.holder or {}
    return Receivable(
        account_id=ledger.account_id,
        account_number=raw["account_number"]["S"],
        customer_id=str(holder.get("customer_id", "")),
        customer_name=str(holder.get("name", "")),
        profile=ledger.aged_as or ledger.profile,
        items=ledger.open_statements,
        credit=ledger.credit,
    )


# ------------------------------------------------------------------ snapshots


class SnapshotItem(TableItem):
    class Meta(TableMeta):
        pass

    record = JSONAttribute()


class DynamoAgingSnapshots:
    def keep(self, snapshot: AgingSnapshot) -> bool:
        item = SnapshotItem(
            pk=SNAPSHOTS_PK, sk=snapshot.taken_on.isoformat(), record=snapshot_record(snapshot)
        )
        try:
            item.save(condition=SnapshotItem.pk.does_not_exist())
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def on_or_before(self, day: date) -> AgingSnapshot | None:
        found = SnapshotItem.query(
            SNAPSHOTS_PK, SnapshotItem.sk <= day.isoformat(), scan_index_forward=False, limit=1
        )
        for item in found:
            return snapshot_of_record(item.record)
        return None


def snapshot_record(snapshot: AgingSnapshot) -> dict[str, Any]:
    return {
        "taken_on": snapshot.taken_on.isoformat(),
        "figures": {name: aging_record(aging) for name, aging in snapshot.figures.items()},
    }


def aging_record(aging: Aging) -> dict[str, Any]:
    """An aging's buckets and credit, in cents and counts (its day is kept beside it)."""
    return {
        "buckets": {
            b.value: [_cents(t.amount), t.items, t.accounts] for b, t in aging.buckets.items()
        },
        "credit": [_cents(aging.credit.amount), aging.credit.accounts],
    }


def aging_of_record(as_of: date, figures: Mapping[str, Any]) -> Aging:
    return Aging(
        as_of,
        {
            Bucket(b): Tally(_dollars(cents), int(items), int(accounts))
            for b, (cents, items, accounts) in figures["buckets"].items()
        },
        Credit(_dollars(figures["credit"][0]), int(figures["credit"][1])),
    )


def snapshot_of_record(record: Mapping[str, Any]) -> AgingSnapshot:
    taken_on = date.fromisoformat(record["taken_on"])
    return AgingSnapshot(
        taken_on,
        {name: aging_of_record(taken_on, figures) for name, figures in record["figures"].items()},
    )


def _cents(amount: Decimal) -> int:
    return Money(amount).to_cents()


def _dollars(cents: int) -> Decimal:
    return Money.from_cents(int(cents)).amount
