"""Arrangements on the single table, in the account's partition.

item                    PK                     SK                                  notes
arrangement             ACCOUNT#<account id>   ARRANGEMENT#<made at>#<id>          the record;
                                                                                   newest last
arrangement in force    ACCOUNT#<account id>   ARRANGEMENT-IN-FORCE                one per
                                                                                   account; GSI2
                                                                                   ARRANGEMENT-
                                                                                   CHECKS / <next
                                                                                   check>#<account>

The claim on the account is written with the arrangement, in one transaction with its event
(ArrangementCreated, also its history entry): a second arrangement cannot be made while one is
in force, however many are asked for at once. It carries a copy of the record and the day of
its next check, so the daily check finds the arrangements due in one Query of the index (never a
Scan); it is deleted, in one transaction with the arrangement's new record and its events, when
the arrangement ends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pynamodb.attributes import JSONAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from civiq.collections.domain.arrangements import (
    Arrangement,
    ArrangementStatus,
    ArrangementTerms,
    Instalment,
    InstalmentFrequency,
    check_key,
)
from civiq.core.errors import Conflict
from civiq.core.events import DomainEvent
from civiq.core.history import as_record
from civiq.core.ports import Page
from civiq.platform.dynamodb import keys
from civiq.platform.dynamodb.table import TableItem, TableMeta
from civiq.platform.dynamodb.transactions import Connected, Transaction

ARRANGEMENT_PREFIX = "ARRANGEMENT#"
IN_FORCE_SK = "ARRANGEMENT-IN-FORCE"


class ArrangementItem(TableItem):
    class Meta(TableMeta):
        pass

    arrangement_id = UnicodeAttribute()
    record = JSONAttribute()


class ArrangementChecks(GlobalSecondaryIndex["ArrangementInForce"]):
    class Meta:
        index_name = "GSI2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True, attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(range_key=True, attr_name="GSI2SK")


class ArrangementInForce(TableItem):
    class Meta(TableMeta):
        pass

    gsi2pk = UnicodeAttribute(attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(attr_name="GSI2SK")
    by_check = ArrangementChecks()
    arrangement_id = UnicodeAttribute()
    record = JSONAttribute()


CHECKS_PK = "ARRANGEMENT-CHECKS"


def arrangement_sk(arrangement: Arrangement) -> str:
    return f"{ARRANGEMENT_PREFIX}{arrangement.made_at.isoformat()}#{arrangement.arrangement_id}"


class DynamoArrangements(Connected):
    def of_account(self, account_id: str) -> Sequence[Arrangement]:
        found = ArrangementItem.query(
            keys.account_pk(account_id),
            ArrangementItem.sk.startswith(ARRANGEMENT_PREFIX),
            scan_index_forward=False,
            consistent_read=True,
        )
        return [arrangement_of(item.record) for item in found]

    def make(self, arrangement: Arrangement, first_check: date, event: DomainEvent) -> None:
        pk = keys.account_pk(arrangement.account_id)
        record = as_record(arrangement)
        transaction = Transaction()
        transaction.put(
            ArrangementInForce(
                pk=pk,
                sk=IN_FORCE_SK,
                gsi2pk=CHECKS_PK,
                gsi2sk=check_key(first_check, arrangement.account_id),
                arrangement_id=arrangement.arrangement_id,
                record=record,
            ),
            ArrangementInForce.pk.does_not_exist(),
            lambda: Conflict("the account has an arrangement in force", "account_id"),
        )
        transaction.put(
            ArrangementItem(
                pk=pk,
                sk=arrangement_sk(arrangement),
                arrangement_id=arrangement.arrangement_id,
                record=record,
            ),
            ArrangementItem.pk.does_not_exist(),
        )
        transaction.events([event])
        transaction.run(self._client())

    def due_for_check(self, day: date) -> Sequence[Arrangement]:
        found = ArrangementInForce.by_check.query(
            CHECKS_PK, ArrangementInForce.gsi2sk < f"{day.isoformat()}~"
        )
        return [arrangement_of(item.record) for item in found]

    def in_force(self, limit: int, after: str | None) -> Page[Arrangement]:
        condition = ArrangementInForce.gsi2sk > after if after else None
        found = list(ArrangementInForce.by_check.query(CHECKS_PK, condition, limit=limit + 1))
        page = found[:limit]
        more = len(found) > limit
        return Page([arrangement_of(i.record) for i in page], page[-1].gsi2sk if more else None)

    def recheck(self, arrangement: Arrangement, on: date) -> None:
        claim = ArrangementInForce(pk=keys.account_pk(arrangement.account_id), sk=IN_FORCE_SK)
        try:
            claim.update(
                actions=[ArrangementInForce.gsi2sk.set(check_key(on, arrangement.account_id))],
                condition=ArrangementInForce.arrangement_id == arrangement.arrangement_id,
            )
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise  # else it ended meanwhile: nothing to check again

    def end(self, before: Arrangement, after: Arrangement, events: Sequence[DomainEvent]) -> bool:
        pk = keys.account_pk(before.account_id)
        transaction = Transaction()
        transaction.delete(
            ArrangementInForce(pk=pk, sk=IN_FORCE_SK),
            ArrangementInForce.arrangement_id == before.arrangement_id,
            lambda: Conflict("the arrangement is no longer in force", "arrangement_id"),
        )
        transaction.update(
            ArrangementItem(pk=pk, sk=arrangement_sk(before)),
            [ArrangementItem.record.set(as_record(after))],
            ArrangementItem.pk.exists(),
        )
        transaction.events(events)
        try:
            transaction.run(self._client())
        except Conflict:
            return False  # ended by an earlier run
        return True


def arrangement_of(record: Mapping[str, Any]) -> Arrangement:
    terms = record["terms"]
    return Arrangement(
        arrangement_id=record["arrangement_id"],
        account_id=record["account_id"],
        terms=ArrangementTerms(
            owed=Decimal(terms["owed"]),
            down_payment=Decimal(terms["down_payment"]),
            instalments=int(terms["instalments"]),
            frequency=InstalmentFrequency(terms["frequency"]),
            first_due=date.fromisoformat(terms["first_due"]),
            made_on=date.fromisoformat(terms["made_on"]),
        ),
        instalments=tuple(
            Instalment(
                int(i["number"]),
                date.fromisoformat(i["due_on"]),
                Decimal(i["principal"]),
                Decimal(i["interest"]),
            )
            for i in record["instalments"]
        ),
        made_by=record["made_by"],
        made_at=datetime.fromisoformat(record["made_at"]),
        ledger_head=int(record["ledger_head"]),
        status=ArrangementStatus(record["status"]),
        ended_on=date.fromisoformat(record["ended_on"]) if record["ended_on"] else None,
    )
