"""Folding the aging cells while postings go on: a posting that adds to a cell after the fold
read it makes the fold's transaction refuse that cell's chunk (nothing folded, nothing lost),
the report stays what the ledger says, and the next fold takes the cells. A payment of more
statements than its transaction has room for cells for moves them as one pending item, read
and folded like cells."""

from __future__ import annotations

from datetime import date
from typing import Any

from civiq.collections.adapters.dynamodb_aging import DynamoAgingCells, Summary
from civiq.collections.domain.aging import AgingFilter
from civiq.collections.services.aging_check import CheckAging
from civiq.collections.services.aging_report import AgingReport
from tests.helpers.aging import TODAY, aging_world, billed
from tests.helpers.stores import dynamodb_stores


class PostedMeanwhile(DynamoAgingCells):
    """Cells whose fold reads them, then lets a posting go first, once."""

    def __init__(self, posting: Any) -> None:
        super().__init__()
        self.posting = posting

    def _summary(self, sk: str, consistent: bool) -> Summary:
        if self.posting is not None and consistent:
            posting, self.posting = self.posting, None
            posting()
        return super()._summary(sk, consistent)


def test_a_posting_during_a_fold_keeps_its_cell_and_the_report_exact(aws: None) -> None:
    world = aging_world(dynamodb_stores())
    account = world.books.account
    world.issue(billed(account, date(2026, 9, 20), water="60.00"))
    world.issue(billed(account, date(2026, 10, 20), water="30.00"))
    meanwhile = PostedMeanwhile(lambda: world.pay(account, "P-1", "10.00"))

    folded = meanwhile.fold()

    # the payment added to a cell of each family after the fold read them: both refused
    assert folded == 0
    assert CheckAging(world.receivables, DynamoAgingCells())().sound
    report = AgingReport(DynamoAgingCells(), world.snapshots, lambda: TODAY)
    assert report(AgingFilter(), TODAY).aging.total.amount == 80
    assert DynamoAgingCells().fold() == 4  # two due dates in each family
    assert CheckAging(world.receivables, DynamoAgingCells())().sound
    assert report(AgingFilter(), TODAY).aging.total.amount == 80


def test_a_payment_of_many_statements_moves_its_cells_as_one_pending_item(aws: None) -> None:
    world = aging_world(dynamodb_stores())
    account = world.books.account
    for month in range(1, 13):  # three statements a month for a year, each due another day
        for day in (5, 12, 20):
            world.issue(billed(account, date(2025, month, day), water="10.00"))
    report = AgingReport(DynamoAgingCells(), world.snapshots, lambda: TODAY)
    assert report(AgingFilter(), TODAY).aging.total.items == 36

    # 36 statements paid at once: 44 items of the posting, and 72 cells (two a due date): more
    # than a transaction holds one by one (100), so they are one item
    world.pay(account, "P-ALL", "360.00")

    assert report(AgingFilter(), TODAY).aging.total.items == 0
    assert CheckAging(world.receivables, DynamoAgingCells())().sound
    assert DynamoAgingCells().fold() == 72 + 1  # the statements' cells, and the payment's item
    assert report(AgingFilter(), TODAY).aging.total.items == 0
    assert CheckAging(world.receivables, DynamoAgingCells())().sound
