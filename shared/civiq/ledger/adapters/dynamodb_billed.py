"""What the postings bill, ADDed with each posting (:mod:`civiq.ledger.domain.billed`).

item           PK        SK                    notes
billed         BILLED    <yyyy-mm>#<shard>     ``d<dd>``: billed that day; ``due60``: billed to
                                               the items due that month within 60 days of
                                               their due date (cents, ADDed by postings)

An account's counters are those of its aging shard, so a billing run's concurrent postings
spread over that many items a month (a transaction conflicts on an item); the partition is one,
so the collection KPIs read every month they show in one Query. A posting that bills nothing (a
payment, a credit) writes nothing here; one that bills writes one item, two when its items fall
due in another month than it is posted in.
"""

from __future__ import annotations

from collections import defaultdict

from pynamodb.attributes import NumberAttribute

from civiq.ledger.adapters.dynamodb_receivables import aging_shard
from civiq.ledger.domain.billed import billed_by
from civiq.ledger.domain.journal import Posting
from civiq.platform.dynamodb.table import TableItem, TableMeta
from civiq.platform.dynamodb.transactions import Transaction

BILLED_PK = "BILLED"


def billed_sk(month: str, shard: int) -> str:
    return f"{month}#{shard}"


class BilledItem(TableItem):
    """A month's counters of one shard; its figures are attributes named as they are (``d07``,
    ``due60``), read and written without a declared attribute each."""

    class Meta(TableMeta):
        pass


def count_billed(transaction: Transaction, posting: Posting) -> None:
    """ADD, in ``transaction``, what ``posting`` bills to its months' counters."""
    by_month: dict[str, dict[str, int]] = defaultdict(dict)
    for (month, counter), cents in billed_by(posting).items():
        by_month[month][counter] = cents
    shard = aging_shard(posting.basis.account_id)
    for month, counters in sorted(by_month.items()):
        transaction.update(
            BilledItem(pk=BILLED_PK, sk=billed_sk(month, shard)),
            [NumberAttribute(attr_name=name).add(cents) for name, cents in counters.items()],
        )
