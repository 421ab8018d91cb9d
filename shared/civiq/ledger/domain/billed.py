"""What each posting bills, kept as counters so the collection KPIs never read the ledger.

*Billed* is what the posting charges to the account's items (statements and unbilled items):
for each item it changes, what the item was charged after it less before it (a statement's
lines and taxes, a late penalty, a fee, an adjustment; a rebill's cancelled statement takes its
charge back). A payment, a credit or a write-off bills nothing: it moves what is owed, not what
was charged. The posting's day is its booking day, else the municipal date of its last entry.

Two counters, by month (``yyyy-mm``), in cents:

- ``d<dd>`` of the posting's month: billed that day (the DSO's "billed in the 90 days before");
- ``due60`` of an item's due month: billed to the items due that month by a posting no later
  than 60 days after the item's due date (the collection rate's "what they were billed": what
  the items still owe on their 61st day is the rest of that rate, kept by the aging upkeep).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal

from civiq.core.dates import MUNICIPAL_TIME_ZONE
from civiq.ledger.domain.journal import EntryKind, Posting
from civiq.ledger.domain.receivables import items_after

COLLECTION_DAYS = 60  # the collection rate counts what is paid within 60 days of the due date
DUE_BILLED = "due60"
BILLED_ON_PREFIX = "d"

Billed = dict[tuple[str, str], int]  # (month "yyyy-mm", counter) -> cents


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def billed_on(day: date) -> str:
    """The counter of what is billed on ``day`` (in its month's counters)."""
    return f"{BILLED_ON_PREFIX}{day.day:02d}"


def posting_day(posting: Posting) -> date | None:
    """The day a posting counts on: its booking day, else its last entry's municipal date
    (None: a posting of no entry)."""
    if posting.booked_on is not None:
        return posting.booked_on
    if not posting.entries:
        return None
    return posting.entries[-1].occurred_at.astimezone(MUNICIPAL_TIME_ZONE).date()


def _charged(charges: tuple[tuple[str, Decimal], ...]) -> Decimal:
    return sum((amount for _, amount in charges), Decimal(0))


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


def billed_by(posting: Posting) -> Billed:
    """The counters ``posting`` adds to (what nets to nothing left out)."""
    day = posting_day(posting)
    if day is None:
        return {}
    before = {s.statement_id: s for s in posting.basis.open_statements}
    after = {s.statement_id: s for s in items_after(posting)}
    cancelled = {
        e.source.source_id: e.amount
        for e in posting.entries
        if e.kind is EntryKind.REVERSAL and e.source.kind == "entry"
    }
    counters: Counter[tuple[str, str]] = Counter()
    for change in posting.statements:
        was = before.get(change.statement_id)
        added = _charged(after[change.statement_id].charged) - (
            _charged(was.charged) if was else Decimal(0)
        )
        added += cancelled.get(change.statement_id, Decimal(0))  # a rebill's cancelled charge
        cents = _cents(added)
        if not cents:
            continue
        counters[(month_of(day), billed_on(day))] += cents
        if day <= change.due_on + timedelta(days=COLLECTION_DAYS):
            counters[(month_of(change.due_on), DUE_BILLED)] += cents
    return {key: cents for key, cents in counters.items() if cents}


def billed_between(counters: Mapping[tuple[str, str], int], first: date, last: date) -> int:
    """What was billed from ``first`` to ``last`` (inclusive), in cents."""
    total, day = 0, first
    while day <= last:
        total += counters.get((month_of(day), billed_on(day)), 0)
        day += timedelta(days=1)
    return total
