"""Arrangements on the single table, in the account's partition.

item                    PK                     SK                                  notes
arrangement             ACCOUNT#<account id>   ARRANGEMENT#<made at>#<id>          the record;
                                                                                   newest last
arrangement in force    ACCOUNT#<account id>   ARRANGEMENT-IN-FORCE                one per
                                                                                   account

The claim on the account is written with the arrangement, in one transaction with its history
entry: a second arrangement cannot be made while one is in force, however many are asked for at
once. (It is deleted when the arrangement ends.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pynamodb.attributes import JSONAttribute, UnicodeAttribute

from civiq.collections.domain.arrangements import (
    Arrangement,
    ArrangementStatus,
    ArrangementTerms,
    Instalment,
    InstalmentFrequency,
)
from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict
from civiq.core.history import as_record
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


class ArrangementInForce(TableItem):
    class Meta(TableMeta):
        pass

    arrangement_id = UnicodeAttribute()


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

    def make(self, arrangement: Arrangement, entry: AuditEntry) -> None:
        pk = keys.account_pk(arrangement.account_id)
        transaction = Transaction()
        transaction.put(
            ArrangementInForce(pk=pk, sk=IN_FORCE_SK, arrangement_id=arrangement.arrangement_id),
            ArrangementInForce.pk.does_not_exist(),
            lambda: Conflict("the account has an arrangement in force", "account_id"),
        )
        transaction.put(
            ArrangementItem(
                pk=pk,
                sk=arrangement_sk(arrangement),
                arrangement_id=arrangement.arrangement_id,
                record=as_record(arrangement),
            ),
            ArrangementItem.pk.does_not_exist(),
        )
        transaction.history([entry])
        transaction.run(self._client())


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
        status=ArrangementStatus(record["status"]),
        ended_on=date.fromisoformat(record["ended_on"]) if record["ended_on"] else None,
    )
