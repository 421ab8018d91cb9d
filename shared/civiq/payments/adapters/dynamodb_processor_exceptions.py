"""Processor exceptions and the payments' assignments on the single table.

item                  PK                               SK          GSI2PK / GSI2SK
processor exception   PROCESSOREXCEPTION#<event id>    EXCEPTION   PROCESSOREXCEPTIONS#<status> /
                                                                   <received or decided at>#<id>
its history           PROCESSOREXCEPTION#<event id>    AUDIT#...
payment assignment    PROCESSOR#<processor payment>    ASSIGNED

An exception is written with its history entry and its event (outbox) in one transaction; a
decision is conditioned on the exception being still as it was read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict, NotFound
from civiq.core.events import DomainEvent
from civiq.core.history import as_record
from civiq.core.ports import Page
from civiq.payments.adapters.dynamodb_processor_events import processor_pk
from civiq.payments.domain.processor_exceptions import (
    Assignment,
    ExceptionReason,
    ExceptionStatus,
    ProcessorException,
    Reported,
    Resolution,
)
from civiq.payments.services.processor_exceptions import exception_subject
from civiq.platform.dynamodb import outbox, pages
from civiq.platform.dynamodb.table import TableItem, TableMeta
from civiq.platform.dynamodb.transactions import Connected, Transaction

EXCEPTION_SK = "EXCEPTION"
ASSIGNED_SK = "ASSIGNED"
PAYER = "PAYER"  # an assignment's target when the money goes back to the payer


def listed_pk(status: ExceptionStatus) -> str:
    return f"PROCESSOREXCEPTIONS#{status.value}"


class ExceptionsByStatus(GlobalSecondaryIndex["ProcessorExceptionItem"]):
    class Meta:
        index_name = "GSI2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True, attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(range_key=True, attr_name="GSI2SK")


class ProcessorExceptionItem(TableItem):
    class Meta(TableMeta):
        pass

    status = UnicodeAttribute()
    version = NumberAttribute()
    record = JSONAttribute()
    gsi2pk = UnicodeAttribute(attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(attr_name="GSI2SK")
    by_status = ExceptionsByStatus()


class AssignmentItem(TableItem):
    class Meta(TableMeta):
        pass

    target = UnicodeAttribute()  # the account id, or PAYER
    event_id = UnicodeAttribute()


def _item(exception: ProcessorException) -> ProcessorExceptionItem:
    listed_at = exception.decided_at or exception.received_at
    return ProcessorExceptionItem(
        pk=exception_subject(exception.event_id),
        sk=EXCEPTION_SK,
        status=exception.status.value,
        version=exception.version,
        record=as_record(exception),
        gsi2pk=listed_pk(exception.status),
        gsi2sk=f"{listed_at.isoformat()}#{exception.event_id}",
    )


def _exception_of(record: dict[str, Any]) -> ProcessorException:
    reported = record["reported"]

    def moment(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    return ProcessorException(
        reported=Reported(
            event_id=reported["event_id"],
            event_type=reported["event_type"],
            created_at=datetime.fromisoformat(reported["created_at"]),
            processor_payment_id=reported["processor_payment_id"],
            amount=reported["amount"],
            currency=reported["currency"],
            method=reported["method"],
            account_number=reported["account_number"],
            data=reported["data"],
        ),
        reason=ExceptionReason(record["reason"]),
        explanation=record["explanation"],
        candidates=tuple(record["candidates"]),
        received_at=datetime.fromisoformat(record["received_at"]),
        status=ExceptionStatus(record["status"]),
        resolution=Resolution(record["resolution"]) if record["resolution"] else None,
        account_id=record["account_id"],
        decided_by=record["decided_by"],
        decided_at=moment(record["decided_at"]),
        note=record["note"],
        version=int(record["version"]),
    )


def _assignment_of(item: AssignmentItem, processor_payment_id: str) -> Assignment:
    account_id = None if item.target == PAYER else item.target
    return Assignment(processor_payment_id, account_id, item.event_id)


class DynamoProcessorExceptions(Connected):
    def record(self, exception: ProcessorException, entry: AuditEntry, event: DomainEvent) -> bool:
        transaction = Transaction()
        transaction.put(
            _item(exception),
            ProcessorExceptionItem.pk.does_not_exist(),
            lambda: Conflict("the event was kept before", "event_id"),
        )
        transaction.history([entry])
        transaction.put(outbox.outbox_item(event))
        try:
            transaction.run(self._client())
        except Conflict:
            return False
        return True

    def get(self, event_id: str) -> ProcessorException:
        try:
            item = ProcessorExceptionItem.get(
                exception_subject(event_id), EXCEPTION_SK, consistent_read=True
            )
        except DoesNotExist as exc:
            raise NotFound(f"no processor exception {event_id}", "event_id") from exc
        return _exception_of(item.record)

    def decide(
        self,
        before: ProcessorException,
        after: ProcessorException,
        entry: AuditEntry,
        event: DomainEvent,
    ) -> None:
        transaction = Transaction()
        transaction.put(
            _item(after),
            (ProcessorExceptionItem.status == before.status.value)
            & (ProcessorExceptionItem.version == before.version),
            lambda: Conflict("the exception was decided meanwhile; reload it", "event_id"),
        )
        transaction.history([entry])
        transaction.put(outbox.outbox_item(event))
        transaction.run(self._client())

    def listed(
        self, status: ExceptionStatus, limit: int, cursor: str | None
    ) -> Page[ProcessorException]:
        found = ProcessorExceptionItem.by_status.query(
            listed_pk(status),
            scan_index_forward=status is ExceptionStatus.OPEN,
            limit=limit,
            page_size=limit,
            last_evaluated_key=pages.decode(cursor),
        )
        exceptions = [_exception_of(item.record) for item in found]
        last = found.last_evaluated_key
        return Page(exceptions, pages.encode(last) if last else None)

    def assign(self, assignment: Assignment) -> None:
        target = assignment.account_id or PAYER
        item = AssignmentItem(
            pk=processor_pk(assignment.processor_payment_id),
            sk=ASSIGNED_SK,
            target=target,
            event_id=assignment.event_id,
        )
        try:
            item.save(AssignmentItem.pk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            stored = self.assignment(assignment.processor_payment_id)
            if stored is None or stored.account_id != assignment.account_id:
                first = stored.describe() if stored else "the payment was decided meanwhile"
                raise Conflict(first, "action") from None

    def assignment(self, processor_payment_id: str) -> Assignment | None:
        try:
            item = AssignmentItem.get(
                processor_pk(processor_payment_id), ASSIGNED_SK, consistent_read=True
            )
        except DoesNotExist:
            return None
        return _assignment_of(item, processor_payment_id)
