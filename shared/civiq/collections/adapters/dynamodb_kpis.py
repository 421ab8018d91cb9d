"""The collection KPIs' counters on the single table.

item         PK                SK                     notes
month        COLLECTION-KPIS   MONTH#<yyyy-mm>        ``aging``: the portfolio's aging at the
                                                      month's end (the latest fold's), with
                                                      ``as_of``; ``owed60``, ``days60``: what its
                                                      due dates still owed on day 61 (cents),
                                                      and how many were folded (ADDed)
folded mark  COLLECTION-KPIS   FOLDED                 ``through``: the last upkeep day folded
stage        COLLECTION-KPIS   STAGE#<code>#<shard>   ``reached``, ``past_due``, ``recovered``:
                                                      ADDed by every change of a case, in its
                                                      transaction (shard: the account's)
billed       BILLED            <yyyy-mm>#<shard>      the ledger's (civiq.ledger.adapters.
                                                      dynamodb_billed)

read          request(s)
the report    one Query of COLLECTION-KPIS (every page: a month's item is under 1 KB, so a
              page holds decades), one Query of BILLED between the months shown (8 items a
              month): 2 requests, whatever the number of accounts, items or cases

The daily fold is one transaction: the folded mark on condition it is still the day the fold
read (so a retry or a second upkeep adds nothing twice), the month items with it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from civiq.collections.adapters.dynamodb_aging import _pages, aging_of_record, aging_record
from civiq.collections.domain.dunning import Case
from civiq.collections.domain.kpis import (
    DayFold,
    KpiMonth,
    StageFigures,
    month_changes,
    stage_figures_change,
)
from civiq.collections.ports import KeptKpis
from civiq.core.errors import Conflict
from civiq.ledger.adapters.dynamodb_billed import BILLED_PK, BilledItem
from civiq.ledger.adapters.dynamodb_receivables import aging_shard
from civiq.platform.dynamodb.table import TableItem, TableMeta
from civiq.platform.dynamodb.transactions import Connected, Transaction

KPIS_PK = "COLLECTION-KPIS"
FOLDED_SK = "FOLDED"
MONTH_PREFIX = "MONTH#"
STAGE_PREFIX = "STAGE#"
THROUGH = UnicodeAttribute(attr_name="through")
AGING = JSONAttribute(attr_name="aging")
AS_OF = UnicodeAttribute(attr_name="as_of")
OWED_60 = NumberAttribute(attr_name="owed60")
DAYS_60 = NumberAttribute(attr_name="days60")
REACHED = NumberAttribute(attr_name="reached")
PAST_DUE = NumberAttribute(attr_name="past_due")
RECOVERED = NumberAttribute(attr_name="recovered")
Raw = dict[str, Any]


class KpiItem(TableItem):
    """A month, the folded mark or a stage's counters; attributes read and written raw."""

    class Meta(TableMeta):
        pass


def _number(raw: Raw, name: str) -> int:
    return int(raw[name]["N"]) if name in raw else 0


def count_stages(transaction: Transaction, before: Case | None, after: Case) -> None:
    """ADD, in a case change's ``transaction``, how it moves its stages' figures."""
    shard = aging_shard(after.account_id)
    for code, moved in sorted(stage_figures_change(before, after).items()):
        transaction.update(
            KpiItem(pk=KPIS_PK, sk=f"{STAGE_PREFIX}{code}#{shard}"),
            [
                REACHED.add(moved.reached),
                PAST_DUE.add(moved.past_due),
                RECOVERED.add(moved.recovered),
            ],
        )


class DynamoCollectionKpis(Connected):
    def kept(self) -> KeptKpis:
        months: dict[str, KpiMonth] = {}
        stages: dict[str, StageFigures] = {}
        folded_through = None
        for raw in _pages(KpiItem._get_connection(), KPIS_PK):
            sk = raw["SK"]["S"]
            if sk == FOLDED_SK:
                folded_through = date.fromisoformat(raw[THROUGH.attr_name]["S"])
            elif sk.startswith(MONTH_PREFIX):
                month = sk.removeprefix(MONTH_PREFIX)
                aging = (
                    aging_of_record(
                        date.fromisoformat(raw[AS_OF.attr_name]["S"]),
                        AGING.deserialize(raw[AGING.attr_name]["S"]),
                    )
                    if AGING.attr_name in raw
                    else None
                )
                months[month] = KpiMonth(
                    month, aging, _number(raw, OWED_60.attr_name), _number(raw, DAYS_60.attr_name)
                )
            elif sk.startswith(STAGE_PREFIX):
                code = sk.removeprefix(STAGE_PREFIX).rsplit("#", 1)[0]
                stages[code] = stages.get(code, StageFigures()) + StageFigures(
                    _number(raw, REACHED.attr_name),
                    _number(raw, PAST_DUE.attr_name),
                    _number(raw, RECOVERED.attr_name),
                )
        return KeptKpis(months, folded_through, stages)

    def billed(self, first_month: str, last_month: str) -> Mapping[tuple[str, str], int]:
        counters: Counter[tuple[str, str]] = Counter()
        for raw in _pages(
            BilledItem._get_connection(),
            BILLED_PK,
            range_key_condition=BilledItem.sk.between(f"{first_month}#", f"{last_month}#~"),
        ):
            month = raw["SK"]["S"].split("#", 1)[0]
            for name, value in raw.items():
                if "N" in value:
                    counters[(month, name)] += int(value["N"])
        return counters

    def fold(self, folded_through: date | None, fold: DayFold) -> bool:
        transaction = Transaction()
        transaction.update(
            KpiItem(pk=KPIS_PK, sk=FOLDED_SK),
            [THROUGH.set(fold.day.isoformat())],
            THROUGH.does_not_exist()
            if folded_through is None
            else folded_through.isoformat() == THROUGH,
            lambda: Conflict("another upkeep folded the day", "through"),
        )
        for month, change in sorted(month_changes(fold).items()):
            actions: list[Any] = []
            if change.days_folded:
                actions += [OWED_60.add(change.owed_at_60), DAYS_60.add(change.days_folded)]
            if change.aging is not None:
                actions += [
                    AGING.set(aging_record(change.aging)),
                    AS_OF.set(change.aging.as_of.isoformat()),
                ]
            transaction.update(KpiItem(pk=KPIS_PK, sk=f"{MONTH_PREFIX}{month}"), actions)
        try:
            transaction.run(self._client())
        except Conflict:
            return False
        return True
