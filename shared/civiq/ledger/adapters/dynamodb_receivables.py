"""The aging cells and the receivables index on the single table, written with every posting.

item              PK             SK                                   notes
aging cell        AGING#TYPE     <type>#<due date>#<shard>            ADDed by postings,
                  AGING#ROUTE    <route>#<type>#<due date>#<shard>    folded hourly (type:
                                                                      the property's)
credit cell       (same)         <type>#CREDIT#<shard>,               (same)
                                 <route>#<type>#CREDIT#<shard>
pending cells     AGING#PENDING  <account id>#<posting guard>         a posting moving more
                                                                      than CELLS_PER_POSTING
                                                                      cells, folded hourly
account item      ACCOUNT#<id>          ACCOUNT                              GSI3 RECEIVABLES#
                                                                             <shard> / <id>,
                                                                             while it owes or
                                                                             is in credit

A posting ADDs to the cells the difference its account's receivables make
(:func:`civiq.ledger.domain.receivable_cells.posting_cells`), in its own transaction: cells can
never disagree with the open items, nor count a posting twice. An account's cells are those of
its shard (``crc32(account id) % AGING_SHARDS``), so the accounts a billing run's batches post
to at once spread over that many items per due date instead of contending for one (a
transaction conflicts on an item, not on a partition); each family's cells are one partition,
so a report reads its family's in one Query, as the dashboard reads TOTALS.
Each write also ADDs 1 to the cell's ``w``. Every hour the aging's upkeep folds the cells into
the aging summaries and deletes them, each on condition its ``w`` is still the one it read
(:mod:`civiq.collections.adapters.dynamodb_aging`): a posting adds to a cell made anew.

The account item of an account that owes or is in credit carries GSI3's keys (set and removed
by the posting that changes it), so the receivables are listed by one Query per shard of the
index, with only the attributes a drill-down needs (its projection), never by reading every
account.
"""

from __future__ import annotations

import zlib
from datetime import date

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection

from civiq.ledger.domain.journal import Posting
from civiq.ledger.domain.receivable_cells import CellKey, posting_cells
from civiq.platform.dynamodb.table import TableItem, TableMeta
from civiq.platform.dynamodb.transactions import Transaction

AGING_SHARDS = 8
CREDIT_SK = "CREDIT"
PENDING_PK = "AGING#PENDING"
# A posting's cells that fit its transaction beside its other items (DynamoDB allows 100): a
# payment of K statements writes K + 8 items, and 2 cells a due date it touches.
CELLS_PER_POSTING = 24
RECEIVABLES_INDEX = "GSI3"
# what the receivables index holds of an account item besides its keys (template.yaml, GSI3)
RECEIVABLE_ATTRIBUTES = (
    "account_number",
    "holder",
    "open_statements",
    "credit_cents",
    "aged_as",
)


def aging_shard(account_id: str) -> int:
    return zlib.crc32(account_id.encode()) % AGING_SHARDS


def aging_pk(family: str) -> str:
    return f"AGING#{family}"


def receivables_pk(shard: int) -> str:
    return f"RECEIVABLES#{shard}"


def cell_sk(key: CellKey, shard: int) -> str:
    day = CREDIT_SK if key.due_on is None else key.due_on.isoformat()
    return f"{key.group}#{day}#{shard}"


def cell_key_of(family: str, sk: str) -> CellKey:
    """The key of a cell of ``family`` whose sort key is ``sk`` (of any shard)."""
    group, day, _ = sk.rsplit("#", 2)
    return CellKey(family, group, None if day == CREDIT_SK else date.fromisoformat(day))


class ReceivablesIndex(GlobalSecondaryIndex[TableItem]):
    """GSI3: the account items of the accounts that owe or are in credit, by shard."""

    class Meta:
        index_name = RECEIVABLES_INDEX
        projection = IncludeProjection(list(RECEIVABLE_ATTRIBUTES))

    gsi3pk = UnicodeAttribute(hash_key=True, attr_name="GSI3PK")
    gsi3sk = UnicodeAttribute(range_key=True, attr_name="GSI3SK")


class AgingCellItem(TableItem):
    """An aging cell; its figures are attributes named as they are (``n``, ``c:water/water``),
    read and written without a declared attribute each."""

    class Meta(TableMeta):
        pass


WRITES = NumberAttribute(attr_name="w")  # how many postings added to a cell: what a fold checks


class PendingCellsItem(TableItem):
    """How one posting moves more cells than a transaction has room for, put as one item and
    read as cells until a fold adds them to the summaries: ``{"<family>|<group>|<due date or
    CREDIT>": {figure: value}}``."""

    class Meta(TableMeta):
        pass

    cells = JSONAttribute()


def pending_entry(key: CellKey) -> str:
    day = CREDIT_SK if key.due_on is None else key.due_on.isoformat()
    return f"{key.family}|{key.group}|{day}"


def pending_key(entry: str) -> CellKey:
    family, group, day = entry.split("|")
    return CellKey(family, group, None if day == CREDIT_SK else date.fromisoformat(day))


def age(transaction: Transaction, posting: Posting) -> None:
    """ADD to the aging cells, in ``transaction``, how ``posting`` moves them; more than
    CELLS_PER_POSTING cells (a payment of many statements due on many days) are put as one
    pending item instead."""
    shard = aging_shard(posting.basis.account_id)
    moved = posting_cells(posting)
    if len(moved) > CELLS_PER_POSTING:
        account_id = posting.basis.account_id
        transaction.put(
            PendingCellsItem(
                pk=PENDING_PK,
                sk=f"{account_id}#{posting.guard}",
                cells={pending_entry(key): figures for key, figures in moved.items()},
            ),
            PendingCellsItem.pk.does_not_exist(),
        )
        return
    for key, figures in moved.items():
        transaction.update(
            AgingCellItem(pk=aging_pk(key.family), sk=cell_sk(key, shard)),
            [
                *(NumberAttribute(attr_name=name).add(value) for name, value in figures.items()),
                WRITES.add(1),
            ],
        )
