"""The aging drill-down: the customers, or the accounts, that owe, each with its buckets, most
overdue first (owed more than 120 days past due, then all owed), a page at a time.

It ranks the receivables the index lists (the accounts that owe or are in credit) on the day
asked for: one Query per shard of the index, every page of it. A page's cursor is the rank of
its last row, so the next page starts after it even when rows moved between the two requests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from civiq.collections.domain.aging import AgingFilter, AgingRow, Bucket, RowKind, ranked_rows
from civiq.collections.ports import Receivables
from civiq.core.errors import NotFound
from civiq.core.money import Money
from civiq.core.ports import Page


def cursor_of(row: AgingRow) -> str:
    """``<owed over 120 days>.<owed>.<row id>`` (cents): the row's rank."""
    over = row.buckets.get(Bucket.OVER_120, Decimal(0))
    return f"{Money(over).to_cents()}.{Money(row.total).to_cents()}.{row.row_id}"


def _rank_of(cursor: str) -> tuple[Decimal, Decimal, str]:
    over, total, row_id = [*cursor.split(".", 2), "", ""][:3]
    if not (over.isdigit() and total.isdigit() and row_id):
        raise NotFound(
            "no page starts at this cursor: pass a next_cursor this API returned", "cursor"
        )
    return -Money.from_cents(int(over)).amount, -Money.from_cents(int(total)).amount, row_id


@dataclass(frozen=True)
class AgingDrillDown:
    receivables: Receivables
    today: Callable[[], date]

    def __call__(
        self,
        kind: RowKind,
        filters: AgingFilter,
        *,
        as_of: date | None = None,
        customer_id: str | None = None,
        limit: int = 25,
        cursor: str | None = None,
    ) -> Page[AgingRow]:
        """The rows of ``kind`` after ``cursor``; ``customer_id``: that customer's alone."""
        day = as_of or self.today()
        rows = ranked_rows(self.receivables.listed(), kind, filters, day, customer_id)
        after = _rank_of(cursor) if cursor else None
        following = [r for r in rows if after is None or r.rank > after]
        page = following[:limit]
        more = len(following) > limit
        return Page(page, cursor_of(page[-1]) if more else None)
