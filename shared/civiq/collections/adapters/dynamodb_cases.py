"""Collection cases, their ladders and staff tasks on the single table.

item                 PK                     SK                           notes
case                 ACCOUNT#<account id>   CASE#<opened on>#<case id>   the record; newest last
current case         ACCOUNT#<account id>   CASE-CURRENT                 while open or paused: a
                                                                         copy of the record and
                                                                         its fingerprint; GSI2
                                                                         CASES-CURRENT / <account>;
                                                                         GSI1 WORKLIST#<assignee>
                                                                         / <exposure inverted>.
                                                                         <cents inverted>.<acct>
contact              ACCOUNT#<account id>   CASE-CONTACT#<at>#<id>       put once, with the change
                                                                         of the case it was on
staff task           ACCOUNT#<account id>   CASE-TASK#<task id>          GSI2 CASE-TASKS-OPEN /
                                                                         <created on>.<id> while
                                                                         to do
shutoff warned       TOTALS                 SHUTOFF-WARNED#<n>           accounts under a shutoff
                                                                         warning, ADDed by a case's
                                                                         change (the dashboard's)
ladder               COLLECTION-LADDERS     <class>#<category>           one Query reads them all
opening mark         COLLECTION-OPENING     MARK                         the due date opened through

Every change of a case is one transaction: the current-case item is written on condition that
its fingerprint (a hash of the record) is the one the decision read, the account's ledger is
checked to be still at the head the decision read, and the case's record, its events (outbox
and history) and tasks go with it. Two decisions about one case, or a decision racing a
payment, cannot both be written: the second is cancelled and taken again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pynamodb.attributes import JSONAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from civiq.billing.adapters.dynamodb import OPEN_SHARDS, StatementItem, open_statements_pk
from civiq.collections.adapters.dynamodb_kpis import count_stages
from civiq.collections.domain.contacts import Contact, ContactChannel, ContactOutcome
from civiq.collections.domain.dunning import (
    Anchor,
    Case,
    CaseEnd,
    CaseMoved,
    CaseStatus,
    CollectionTask,
    CustomerClass,
    Ladder,
    Notice,
    Promise,
    Stage,
    Step,
    StepKind,
    shutoff_warnings_change,
    worklist_key,
)
from civiq.collections.ports import CaseChange
from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict
from civiq.core.history import as_record
from civiq.core.ports import Page
from civiq.ledger.adapters.dynamodb_journal import LedgerAccountItem
from civiq.ledger.domain.journal import LedgerMoved
from civiq.platform.dynamodb import keys
from civiq.platform.dynamodb.table import TableItem, TableMeta
from civiq.platform.dynamodb.transactions import Connected, Transaction
from civiq.reporting.adapters.dynamodb_dashboard import TotalsRow

CASE_PREFIX = "CASE#"
CURRENT_SK = "CASE-CURRENT"
TASK_PREFIX = "CASE-TASK#"
CURRENT_CASES_PK = "CASES-CURRENT"
OPEN_TASKS_PK = "CASE-TASKS-OPEN"
LADDERS_PK = "COLLECTION-LADDERS"
OPENING_KEY = ("COLLECTION-OPENING", "MARK")
CONTACT_PREFIX = "CASE-CONTACT#"
WORKLIST_PREFIX = "WORKLIST#"
UNASSIGNED = "-"  # not a staff subject (those never are a lone hyphen)


class ByGsi2(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "GSI2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True, attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(range_key=True, attr_name="GSI2SK")


class CaseItem(TableItem):
    class Meta(TableMeta):
        pass

    record = JSONAttribute()


class ByGsi1(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(range_key=True, attr_name="GSI1SK")


class CurrentCaseItem(TableItem):
    class Meta(TableMeta):
        pass

    gsi1pk = UnicodeAttribute(attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(attr_name="GSI1SK")
    on_worklist = ByGsi1()
    gsi2pk = UnicodeAttribute(attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(attr_name="GSI2SK")
    listed = ByGsi2()
    case_id = UnicodeAttribute()
    fingerprint = UnicodeAttribute()
    record = JSONAttribute()


class TaskItem(TableItem):
    class Meta(TableMeta):
        pass

    gsi2pk = UnicodeAttribute(null=True, attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(null=True, attr_name="GSI2SK")
    listed = ByGsi2()
    record = JSONAttribute()


class ContactItem(TableItem):
    class Meta(TableMeta):
        pass

    record = JSONAttribute()


class RecordItem(TableItem):
    """A ladder, or the opening mark."""

    class Meta(TableMeta):
        pass

    record = JSONAttribute()


def worklist_pk(assignee: str | None) -> str:
    return f"{WORKLIST_PREFIX}{assignee or UNASSIGNED}"


def case_sk(case: Case) -> str:
    return f"{CASE_PREFIX}{case.opened_on.isoformat()}#{case.case_id}"


def fingerprint(case: Case) -> str:
    canonical = json.dumps(as_record(case), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class DynamoCases(Connected):
    def current(self, account_id: str) -> Case | None:
        try:
            item = CurrentCaseItem.get(
                keys.account_pk(account_id), CURRENT_SK, consistent_read=True
            )
        except DoesNotExist:
            return None
        return case_of(item.record)

    def of_account(self, account_id: str) -> Sequence[Case]:
        found = CaseItem.query(
            keys.account_pk(account_id),
            CaseItem.sk.startswith(CASE_PREFIX),
            scan_index_forward=False,
            consistent_read=True,
        )
        return [case_of(item.record) for item in found]

    def open(self, change: CaseChange) -> None:
        case = change.after
        transaction = Transaction()
        transaction.put(
            self._current(case),
            CurrentCaseItem.pk.does_not_exist(),
            lambda: Conflict("the account has a collection case open", "account_id"),
        )
        transaction.put(
            CaseItem(pk=keys.account_pk(case.account_id), sk=case_sk(case), record=as_record(case)),
            CaseItem.pk.does_not_exist(),
        )
        self._with(transaction, change, None)
        transaction.run(self._client())

    def save(self, before: Case, change: CaseChange) -> None:
        case = change.after
        pk = keys.account_pk(case.account_id)
        transaction = Transaction()
        moved = CurrentCaseItem.fingerprint == fingerprint(before)
        if case.status is CaseStatus.CLOSED:
            transaction.delete(
                CurrentCaseItem(pk=pk, sk=CURRENT_SK), moved, lambda: CaseMoved(case.case_id)
            )
        else:
            transaction.put(self._current(case), moved, lambda: CaseMoved(case.case_id))
        transaction.update(
            CaseItem(pk=pk, sk=case_sk(case)),
            [CaseItem.record.set(as_record(case))],
            CaseItem.pk.exists(),
        )
        self._with(transaction, change, before)
        transaction.run(self._client())

    def current_cases(self, limit: int, after: str | None) -> Page[Case]:
        condition = CurrentCaseItem.gsi2sk > after if after else None
        found = list(CurrentCaseItem.listed.query(CURRENT_CASES_PK, condition, limit=limit + 1))
        more = len(found) > limit
        page = [case_of(item.record) for item in found[:limit]]
        return Page(page, page[-1].account_id if more else None)

    def open_tasks(self, limit: int, after: str | None) -> Page[CollectionTask]:
        condition = TaskItem.gsi2sk > after if after else None
        found = list(TaskItem.listed.query(OPEN_TASKS_PK, condition, limit=limit + 1))
        more = len(found) > limit
        page = found[:limit]
        tasks = [task_of(item.record) for item in page]
        return Page(tasks, page[-1].gsi2sk if more and page else None)

    def worklist(self, assignee: str | None, limit: int, after: str | None) -> Page[Case]:
        condition = CurrentCaseItem.gsi1sk > after if after else None
        found = list(
            CurrentCaseItem.on_worklist.query(worklist_pk(assignee), condition, limit=limit + 1)
        )
        page = [case_of(item.record) for item in found[:limit]]
        more = len(found) > limit
        return Page(page, worklist_key(page[-1]) if more else None)

    def contacts(self, account_id: str) -> Sequence[Contact]:
        found = ContactItem.query(
            keys.account_pk(account_id),
            ContactItem.sk.startswith(CONTACT_PREFIX),
            scan_index_forward=False,
        )
        return [contact_of(item.record) for item in found]

    def _current(self, case: Case) -> CurrentCaseItem:
        return CurrentCaseItem(
            pk=keys.account_pk(case.account_id),
            sk=CURRENT_SK,
            gsi1pk=worklist_pk(case.assigned_to),
            gsi1sk=worklist_key(case),
            gsi2pk=CURRENT_CASES_PK,
            gsi2sk=case.account_id,
            case_id=case.case_id,
            fingerprint=fingerprint(case),
            record=as_record(case),
        )

    @staticmethod
    def _with(transaction: Transaction, change: CaseChange, before: Case | None) -> None:
        """The ledger check, the events, history entries and tasks of ``change``, the count
        of accounts under a shutoff warning when it moves, and its stages' KPI figures."""
        account_id = change.after.account_id
        count_stages(transaction, before, change.after)
        moved = shutoff_warnings_change(before, change.after)
        if moved:
            pk, sk = keys.shutoff_warned_key(account_id)
            transaction.update(TotalsRow(pk=pk, sk=sk), [TotalsRow.shutoff_warned.add(moved)])
        if change.ledger_sequence is not None:
            at_head = (
                LedgerAccountItem.ledger_sequence == change.ledger_sequence
                if change.ledger_sequence
                else LedgerAccountItem.ledger_sequence.does_not_exist()
            )
            transaction.check(
                LedgerAccountItem,
                keys.account_pk(account_id),
                keys.ACCOUNT_SK,
                at_head,
                lambda: LedgerMoved(account_id),
            )
        transaction.events(change.events)
        transaction.history(change.entries)
        for contact in change.contacts:
            transaction.put(
                ContactItem(
                    pk=keys.account_pk(contact.account_id),
                    sk=f"{CONTACT_PREFIX}{contact.at.isoformat()}#{contact.contact_id}",
                    record=as_record(contact),
                ),
                ContactItem.pk.does_not_exist(),
            )
        for task in change.tasks:
            transaction.put(
                TaskItem(
                    pk=keys.account_pk(task.account_id),
                    sk=f"{TASK_PREFIX}{task.task_id}",
                    gsi2pk=OPEN_TASKS_PK,
                    gsi2sk=f"{task.created_on.isoformat()}.{task.task_id}",
                    record=as_record(task),
                ),
                TaskItem.pk.does_not_exist(),
            )


class DynamoLadders(Connected):
    def stored(self) -> Sequence[Ladder]:
        return [ladder_of(item.record) for item in RecordItem.query(LADDERS_PK)]

    def put(self, ladder: Ladder, entry: AuditEntry) -> None:
        transaction = Transaction()
        transaction.put(
            RecordItem(
                pk=LADDERS_PK,
                sk=f"{ladder.customer_class.value}#{ladder.revenue_category}",
                record=as_record(ladder),
            )
        )
        transaction.history([entry])
        transaction.run(self._client())


class DynamoOpeningMarks:
    def last_opened_through(self) -> date | None:
        try:
            item = RecordItem.get(*OPENING_KEY, consistent_read=True)
        except DoesNotExist:
            return None
        return date.fromisoformat(item.record["through"])

    def mark(self, through: date) -> None:
        RecordItem(*OPENING_KEY, record={"through": through.isoformat()}).save()


class DynamoPastDueStatements:
    def shards(self) -> int:
        return OPEN_SHARDS

    def due_between(self, shard: int, first: date, last: date) -> Iterator[str]:
        """One Query of the shard of the open statements' index (pages of 1 MB)."""
        found = StatementItem.open_by_due_date.query(
            open_statements_pk(shard),
            StatementItem.gsi2sk.between(f"{first.isoformat()}#", f"{last.isoformat()}#~"),
            attributes_to_get=["PK"],
        )
        for item in found:
            yield keys.account_id_of(item.pk)


# --- records -------------------------------------------------------------------------------------


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _anchor(record: Mapping[str, Any] | None) -> Anchor | None:
    if record is None:
        return None
    return Anchor(
        record["statement_id"], date.fromisoformat(record["due_on"]), Decimal(record["owed"])
    )


def case_of(record: Mapping[str, Any]) -> Case:
    anchor = _anchor(record["anchor"])
    assert anchor is not None
    return Case(
        case_id=record["case_id"],
        account_id=record["account_id"],
        customer_class=CustomerClass(record["customer_class"]),
        revenue_category=record["revenue_category"],
        opened_on=date.fromisoformat(record["opened_on"]),
        status=CaseStatus(record["status"]),
        stage=int(record["stage"]),
        anchor=anchor,
        past_due=Decimal(record["past_due"]),
        next_on=_date(record["next_on"]),
        run=int(record["run"]),
        steps=tuple(
            Step(
                kind=StepKind(s["kind"]),
                on=date.fromisoformat(s["on"]),
                anchor=_anchor(s["anchor"]),
                past_due=Decimal(s["past_due"]),
                stage=s["stage"],
                rule=s["rule"],
                reason=s["reason"],
                shutoff_on=_date(s["shutoff_on"]),
            )
            for s in record["steps"]
        ),
        paused_by=record["paused_by"],
        ended=CaseEnd(record["ended"]) if record["ended"] else None,
        assigned_to=record.get("assigned_to"),
        promise=_promise(record.get("promise")),
        risk=float(record["risk"]) if record.get("risk") is not None else None,
    )


def _promise(record: Mapping[str, Any] | None) -> Promise | None:
    if record is None:
        return None
    return Promise(
        Decimal(record["amount"]), date.fromisoformat(record["by"]), record["contact_id"]
    )


def contact_of(record: Mapping[str, Any]) -> Contact:
    amount = record["promised_amount"]
    return Contact(
        contact_id=record["contact_id"],
        account_id=record["account_id"],
        case_id=record["case_id"],
        at=datetime.fromisoformat(record["at"]),
        by=record["by"],
        channel=ContactChannel(record["channel"]),
        outcome=ContactOutcome(record["outcome"]),
        note=record["note"],
        promised_amount=Decimal(amount) if amount is not None else None,
        promised_by=_date(record["promised_by"]),
    )


def task_of(record: Mapping[str, Any]) -> CollectionTask:
    return CollectionTask(
        task_id=record["task_id"],
        case_id=record["case_id"],
        account_id=record["account_id"],
        stage=record["stage"],
        created_on=date.fromisoformat(record["created_on"]),
        done_on=_date(record["done_on"]),
        done_by=record["done_by"],
        outcome=record["outcome"],
    )


def ladder_of(record: Mapping[str, Any]) -> Ladder:
    return Ladder(
        customer_class=CustomerClass(record["customer_class"]),
        revenue_category=record["revenue_category"],
        stages=tuple(
            Stage(
                code=s["code"],
                days_past_due=int(s["days_past_due"]),
                minimum=Decimal(s["minimum"]),
                notice=Notice(s["notice"]) if s["notice"] else None,
                email=bool(s["email"]),
                sms=bool(s["sms"]),
                staff_task=bool(s["staff_task"]),
                shutoff_notice_days=s["shutoff_notice_days"],
            )
            for s in record["stages"]
        ),
        days_between_stages=int(record["days_between_stages"]),
    )
