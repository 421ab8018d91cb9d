"""Bank remittance files on the single table.

item            PK                     SK                    notes
file            REMITTANCE#<id>        FILE                  counts ADDed with each line
line outcome    REMITTANCE#<id>        LINE#<line, 7>        GSI2 REMITTANCE#EXCEPTIONS /
                                                             <paid on>#<id>#<line> while a
                                                             clerk must look (sparse)

A line's outcome and its file's counts are written in one transaction, conditioned on the line
having no outcome yet, so a redelivered chunk counts nothing twice.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from civiq.core.errors import Conflict, NotFound
from civiq.core.history import as_record
from civiq.core.money import Money
from civiq.core.ports import Page
from civiq.payments.domain.remittance import LineError, MatchReason, RemittanceLine
from civiq.payments.domain.remittance_files import (
    LineOutcome,
    LineStatus,
    RemittanceCounts,
    RemittanceFile,
)
from civiq.platform.dynamodb import pages
from civiq.platform.dynamodb.attributes import CentsAttribute
from civiq.platform.dynamodb.table import TableItem, TableMeta
from civiq.platform.dynamodb.transactions import Connected, Transaction

FILE_SK = "FILE"
LINE_PREFIX = "LINE#"
EXCEPTIONS_PK = "REMITTANCE#EXCEPTIONS"


def remittance_pk(remittance_id: str) -> str:
    return f"REMITTANCE#{remittance_id}"


def line_sk(line_no: int) -> str:
    return f"{LINE_PREFIX}{line_no:07d}"


class RemittanceItem(TableItem):
    class Meta(TableMeta):
        pass

    record = JSONAttribute()
    posted = NumberAttribute(null=True)
    exceptions = NumberAttribute(null=True)
    resolved = NumberAttribute(null=True)
    returned = NumberAttribute(null=True)
    posted_cents = CentsAttribute(null=True)


class OpenExceptionsIndex(GlobalSecondaryIndex["LineItem"]):
    class Meta:
        index_name = "GSI2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True, attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(range_key=True, attr_name="GSI2SK")


class LineItem(TableItem):
    class Meta(TableMeta):
        pass

    status = UnicodeAttribute()
    record = JSONAttribute()
    gsi2pk = UnicodeAttribute(attr_name="GSI2PK", null=True)
    gsi2sk = UnicodeAttribute(attr_name="GSI2SK", null=True)
    open_exceptions = OpenExceptionsIndex()


def _file_of(record: dict[str, Any]) -> RemittanceFile:
    return RemittanceFile(
        remittance_id=record["remittance_id"],
        file_name=record["file_name"],
        uploaded_by=record["uploaded_by"],
        uploaded_at=datetime.fromisoformat(record["uploaded_at"]),
        lines=int(record["lines"]),
        total=Decimal(record["total"]),
        errors=tuple(LineError(e["line_no"], e["field"], e["message"]) for e in record["errors"]),
        uploaded_on=date.fromisoformat(record["uploaded_on"]),
    )


def _outcome_of(record: dict[str, Any]) -> LineOutcome:
    line = record["line"]
    return LineOutcome(
        remittance_id=record["remittance_id"],
        line=RemittanceLine(
            int(line["line_no"]),
            date.fromisoformat(line["paid_on"]),
            Decimal(line["amount"]),
            line["reference"],
            line["payer_name"],
        ),
        status=LineStatus(record["status"]),
        reason=MatchReason(record["reason"]),
        confidence=Decimal(record["confidence"]),
        candidates=tuple(record["candidates"]),
        account_id=record["account_id"],
        payment_id=record["payment_id"],
        decided_by=record["decided_by"],
        note=record["note"],
    )


def _exception_key(outcome: LineOutcome) -> str:
    line = outcome.line
    return f"{line.paid_on.isoformat()}#{outcome.remittance_id}#{line.line_no:07d}"


COUNTER = {
    LineStatus.POSTED: RemittanceItem.posted,
    LineStatus.EXCEPTION: RemittanceItem.exceptions,
    LineStatus.RESOLVED: RemittanceItem.resolved,
    LineStatus.RETURNED: RemittanceItem.returned,
}
PAID = (LineStatus.POSTED, LineStatus.RESOLVED)


class DynamoRemittances(Connected):
    def create(self, file: RemittanceFile) -> bool:
        item = RemittanceItem(
            pk=remittance_pk(file.remittance_id), sk=FILE_SK, record=as_record(file)
        )
        transaction = Transaction()
        transaction.put(
            item,
            RemittanceItem.pk.does_not_exist(),
            lambda: Conflict("the file was uploaded before", "file"),
        )
        try:
            transaction.run(self._client())
        except Conflict:
            return False
        return True

    def get(self, remittance_id: str) -> tuple[RemittanceFile, RemittanceCounts]:
        try:
            item = RemittanceItem.get(remittance_pk(remittance_id), FILE_SK, consistent_read=True)
        except DoesNotExist as exc:
            raise NotFound(f"no remittance file {remittance_id}", "remittance_id") from exc
        counts = RemittanceCounts(
            posted=int(item.posted or 0),
            exceptions=int(item.exceptions or 0),
            resolved=int(item.resolved or 0),
            returned=int(item.returned or 0),
            posted_amount=(item.posted_cents or Money.zero()).amount,
        )
        return _file_of(item.record), counts

    def outcome(self, remittance_id: str, line_no: int) -> LineOutcome | None:
        try:
            item = LineItem.get(
                remittance_pk(remittance_id), line_sk(line_no), consistent_read=True
            )
        except DoesNotExist:
            return None
        return _outcome_of(item.record)

    def record(self, outcome: LineOutcome) -> bool:
        waiting = outcome.status is LineStatus.EXCEPTION
        transaction = Transaction()
        transaction.put(
            LineItem(
                pk=remittance_pk(outcome.remittance_id),
                sk=line_sk(outcome.line.line_no),
                status=outcome.status.value,
                record=as_record(outcome),
                gsi2pk=EXCEPTIONS_PK if waiting else None,
                gsi2sk=_exception_key(outcome) if waiting else None,
            ),
            LineItem.pk.does_not_exist(),
            lambda: Conflict("the line has an outcome", "line_no"),
        )
        self._count(transaction, outcome, [(outcome.status, 1)])
        try:
            transaction.run(self._client())
        except Conflict:
            return False
        return True

    def decide(self, before: LineOutcome, after: LineOutcome) -> None:
        transaction = Transaction()
        transaction.update(
            LineItem(pk=remittance_pk(after.remittance_id), sk=line_sk(after.line.line_no)),
            [
                LineItem.status.set(after.status.value),
                LineItem.record.set(as_record(after)),
                LineItem.gsi2pk.remove(),
                LineItem.gsi2sk.remove(),
            ],
            LineItem.status == before.status.value,
            lambda: Conflict("the line was decided meanwhile", "line_no"),
        )
        self._count(transaction, after, [(before.status, -1), (after.status, 1)])
        transaction.run(self._client())

    @staticmethod
    def _count(
        transaction: Transaction, outcome: LineOutcome, moves: list[tuple[LineStatus, int]]
    ) -> None:
        actions: list[Any] = [COUNTER[status].add(n) for status, n in moves]
        if outcome.status in PAID:
            actions.append(RemittanceItem.posted_cents.add(Money(outcome.line.amount)))
        transaction.update(
            RemittanceItem(pk=remittance_pk(outcome.remittance_id), sk=FILE_SK),
            actions,
            RemittanceItem.pk.exists(),
            lambda: NotFound(f"no remittance file {outcome.remittance_id}", "remittance_id"),
        )

    def lines(
        self, remittance_id: str, exceptions_only: bool, limit: int, cursor: str | None
    ) -> Page[LineOutcome]:
        found = LineItem.query(
            remittance_pk(remittance_id),
            LineItem.sk.startswith(LINE_PREFIX),
            filter_condition=(LineItem.status == LineStatus.EXCEPTION.value)
            if exceptions_only
            else None,
            limit=limit,
            last_evaluated_key=pages.decode(cursor),
        )
        outcomes = [_outcome_of(item.record) for item in found]
        last = found.last_evaluated_key
        return Page(outcomes, pages.encode(last) if last else None)

    def open_exceptions(self, limit: int, cursor: str | None) -> Page[LineOutcome]:
        found = LineItem.open_exceptions.query(
            EXCEPTIONS_PK, limit=limit, last_evaluated_key=pages.decode(cursor)
        )
        outcomes = [_outcome_of(item.record) for item in found]
        last = found.last_evaluated_key
        return Page(outcomes, pages.encode(last) if last else None)
