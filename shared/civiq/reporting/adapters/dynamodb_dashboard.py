"""The dashboard's reads on the single table: the TOTALS partition and the statement indexes.

read                      request(s)
aggregates                one Query of partition TOTALS (MONTH#, OUTSTANDING#, ACCOUNTS#,
                          SHUTOFF-WARNED# items)
month totals              one Query of TOTALS, SK between MONTH#<first># and MONTH#<last>#~
past due (count, owed)    one Query per OPEN#<n> shard of GSI2 (8), SK < today, open_cents only
past-due page             at most one Query per shard (8), merged by due date; the cursor holds
                          each shard's position
a run's statements        one Query of GSI1 STATEMENTS#<run id> per page
latest statement          one Query of the account's STATEMENT# items, newest first, limit 1

The items are billing's (:mod:`civiq.billing.adapters.dynamodb`) and the account counts'
(:class:`AccountCountsItem`): this module only reads them. ``collected_cents`` is written to
the month items by payments as they post; a month without it has collected nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from pynamodb.attributes import NumberAttribute

from civiq.accounts.domain.accounts import AccountStatus
from civiq.billing.adapters.dynamodb import (
    OPEN_SHARDS,
    STATEMENT_PREFIX,
    StatementItem,
    TotalsItem,
    open_statements_pk,
    statement_of,
)
from civiq.billing.domain.statements import Statement
from civiq.core.money import Money
from civiq.core.ports import Page
from civiq.platform.dynamodb import keys, pages
from civiq.platform.dynamodb.attributes import CentsAttribute
from civiq.platform.dynamodb.table import AccountCountsItem, TableMeta
from civiq.rates.domain.charges import ChargeType
from civiq.reporting.domain.dashboard import Aggregates, BillingTotals, OpenStatement, PastDue

MONTH_PREFIX = "MONTH#"
OUTSTANDING_PREFIX = "OUTSTANDING#"
ACCOUNTS_PREFIX = "ACCOUNTS#"
ACCOUNT_PREFIX = keys.account_pk("")
EXHAUSTED = "-"  # a shard of the past-due list with nothing left
OPEN_LISTED = ["PK", "SK", "GSI1SK", "GSI2PK", "GSI2SK", "statement_id", "open_cents"]


class TotalsRow(TotalsItem, AccountCountsItem):
    """Any item of the TOTALS partition: billing's totals and the account counts, read in one
    Query (each item carries only its own attributes)."""

    class Meta(TableMeta):
        pass

    collected_cents = CentsAttribute(null=True)  # payments ADD it to month items
    shutoff_warned = NumberAttribute(null=True)  # collection cases ADD it to SHUTOFF-WARNED#


def _cents(value: Money | None) -> Money:
    return value or Money.zero()


def _totals_of(row: TotalsRow) -> BillingTotals:
    return BillingTotals(
        statements=int(row.statements or 0),
        billed=_cents(row.billed_cents),
        tax=_cents(row.tax_cents),
        by_type={t: _cents(getattr(row, f"{t.value}_cents")) for t in ChargeType},
        collected=_cents(row.collected_cents),
    )


def _months(rows: Iterable[TotalsRow]) -> dict[str, BillingTotals]:
    """Each month's shards added up (``MONTH#<yyyy-mm>#<nn>``)."""
    months: dict[str, BillingTotals] = defaultdict(BillingTotals)
    for row in rows:
        month = row.sk.removeprefix(MONTH_PREFIX)[:7]
        months[month] += _totals_of(row)
    return dict(months)


def _count(row: TotalsRow, status: AccountStatus) -> int:
    return int(getattr(row, status.value.replace("-", "_")) or 0)


class DynamoDashboard:
    def aggregates(self) -> Aggregates:
        by_kind: dict[str, list[TotalsRow]] = defaultdict(list)
        for row in TotalsRow.query(keys.TOTALS_PK):
            by_kind[row.sk.split("#", 1)[0] + "#"].append(row)
        return Aggregates(
            months=_months(by_kind[MONTH_PREFIX]),
            outstanding=sum(
                (_cents(r.outstanding_cents) for r in by_kind[OUTSTANDING_PREFIX]), Money.zero()
            ),
            accounts={
                status: sum(_count(r, status) for r in by_kind[ACCOUNTS_PREFIX])
                for status in AccountStatus
            },
            shutoff_warned=sum(
                int(r.shutoff_warned or 0) for r in by_kind[keys.SHUTOFF_WARNED_PREFIX]
            ),
        )

    def month_totals(self, first: str, last: str) -> Mapping[str, BillingTotals]:
        condition = TotalsRow.sk.between(f"{MONTH_PREFIX}{first}#", f"{MONTH_PREFIX}{last}#~")
        return _months(TotalsRow.query(keys.TOTALS_PK, condition))

    def past_due(self, today: date) -> PastDue:
        total = PastDue()
        for shard in range(OPEN_SHARDS):
            found = StatementItem.open_by_due_date.query(
                open_statements_pk(shard),
                StatementItem.gsi2sk < today.isoformat(),
                attributes_to_get=["open_cents"],
            )
            for item in found:
                total += PastDue(1, item.open_cents)
        return total

    def past_due_page(self, today: date, limit: int, cursor: str | None) -> Page[OpenStatement]:
        """Each shard's next past-due statements, merged by due date: the first ``limit`` of
        them are the page, and each shard's position moves past what it gave (a shard that gave
        all it has is done, so the last page says there is no next)."""
        positions = _positions(cursor)
        found: list[tuple[str, int, StatementItem]] = []
        more: dict[int, bool] = {}
        for shard in range(OPEN_SHARDS):
            position = positions.get(shard)
            if position == EXHAUSTED:
                continue
            items = StatementItem.open_by_due_date.query(
                open_statements_pk(shard),
                StatementItem.gsi2sk < today.isoformat(),
                limit=limit + 1,  # one more tells whether the shard has more
                last_evaluated_key=_start_key(shard, position),
                attributes_to_get=OPEN_LISTED,
            )
            listed = list(items)
            more[shard] = items.last_evaluated_key is not None
            found.extend((item.gsi2sk or "", shard, item) for item in listed)
        found.sort(key=lambda entry: entry[:2])
        page, rest = found[:limit], found[limit:]
        for _, shard, item in page:
            positions[shard] = f"{item.pk.removeprefix(ACCOUNT_PREFIX)} {item.gsi2sk}"
        for shard, has_more in more.items():
            if not has_more and not any(s == shard for _, s, _ in rest):
                positions[shard] = EXHAUSTED
        done = all(positions.get(s) == EXHAUSTED for s in range(OPEN_SHARDS))
        next_cursor = None if done else pages.encode(pages.key_of(**_named(positions)))
        return Page([_open_statement(item) for _, _, item in page], next_cursor)

    def run_statements(self, run_id: str, limit: int, cursor: str | None) -> Page[Statement]:
        found = StatementItem.by_run.query(
            f"STATEMENTS#{run_id}", limit=limit, last_evaluated_key=pages.decode(cursor)
        )
        statements = [statement_of(i.record, i.document_key) for i in found]
        last = found.last_evaluated_key
        return Page(statements, pages.encode(last) if last else None)

    def latest_statement(self, account_id: str) -> tuple[Statement, Money] | None:
        found = StatementItem.query(
            keys.account_pk(account_id),
            StatementItem.sk.startswith(STATEMENT_PREFIX),
            scan_index_forward=False,
            limit=1,
        )
        for item in found:
            return statement_of(item.record, item.document_key), item.open_cents
        return None


def _open_statement(item: StatementItem) -> OpenStatement:
    due, _, statement_id = (item.gsi2sk or "").partition("#")
    return OpenStatement(
        account_id=item.pk.removeprefix(ACCOUNT_PREFIX),
        account_number=item.gsi1sk,
        statement_id=statement_id,
        due_on=date.fromisoformat(due),
        owed=item.open_cents,
    )


def _named(positions: Mapping[int, str]) -> dict[str, str]:
    return {f"s{shard}": position for shard, position in sorted(positions.items())}


def _positions(cursor: str | None) -> dict[int, str]:
    """Each shard's position: ``<account id> <GSI2SK>`` of the last statement listed from it,
    or EXHAUSTED; a shard not named starts at its beginning."""
    key = pages.decode(cursor) or {}
    positions: dict[int, str] = {}
    for name, value in key.items():
        shard, position = name.removeprefix("s"), value["S"]
        valid = shard.isdigit() and int(shard) < OPEN_SHARDS
        if not valid or (position != EXHAUSTED and len(position.split(" ")) != 2):
            raise pages.unknown_cursor()
        positions[int(shard)] = position
    return positions


def _start_key(shard: int, position: str | None) -> dict[str, Any] | None:
    if position is None:
        return None
    account_id, gsi2sk = position.split(" ")
    statement_id = gsi2sk.partition("#")[2]
    return pages.key_of(
        PK=keys.account_pk(account_id),
        SK=f"{STATEMENT_PREFIX}{statement_id}",
        GSI2PK=open_statements_pk(shard),
        GSI2SK=gsi2sk,
    )
