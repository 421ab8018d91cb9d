"""The processor's events on the single table, one item per event under its payment.

item              PK                             SK
processor event   PROCESSOR#<processor payment>  EVENT#<event id>
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from pynamodb.attributes import JSONAttribute
from pynamodb.exceptions import PutError

from civiq.core.history import as_record
from civiq.ledger.domain.payments import PaymentMethod
from civiq.payments.domain.processor_payments import EventKind, ProcessorEvent
from civiq.platform.dynamodb.table import TableItem, TableMeta

EVENT_PREFIX = "EVENT#"


def processor_pk(processor_payment_id: str) -> str:
    return f"PROCESSOR#{processor_payment_id}"


class ProcessorEventItem(TableItem):
    class Meta(TableMeta):
        pass

    record = JSONAttribute()


def _event_of(record: dict[str, Any]) -> ProcessorEvent:
    def amount(name: str) -> Decimal | None:
        return Decimal(record[name]) if record.get(name) is not None else None

    return ProcessorEvent(
        event_id=record["event_id"],
        kind=EventKind(record["kind"]),
        created_at=datetime.fromisoformat(record["created_at"]),
        processor_payment_id=record["processor_payment_id"],
        amount=Decimal(record["amount"]),
        method=PaymentMethod(record["method"]),
        account_number=record["account_number"],
        statement_id=record.get("statement_id"),
        refund_id=record.get("refund_id"),
        refund_amount=amount("refund_amount"),
        dispute_id=record.get("dispute_id"),
        dispute_amount=amount("dispute_amount"),
        failure_reason=record.get("failure_reason"),
    )


class DynamoProcessorEvents:
    def record(self, event: ProcessorEvent) -> None:
        item = ProcessorEventItem(
            pk=processor_pk(event.processor_payment_id),
            sk=f"{EVENT_PREFIX}{event.event_id}",
            record=as_record(event),
        )
        try:
            item.save(ProcessorEventItem.pk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise  # else: delivered before; the first delivery stands

    def of_payment(self, processor_payment_id: str) -> Sequence[ProcessorEvent]:
        found = ProcessorEventItem.query(
            processor_pk(processor_payment_id),
            ProcessorEventItem.sk.startswith(EVENT_PREFIX),
            consistent_read=True,
        )
        return [_event_of(item.record) for item in found]
