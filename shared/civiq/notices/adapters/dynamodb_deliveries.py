"""Deliveries, the print queue, print files and the email suppression list on the single table.

item              PK                        SK                  GSI1PK / GSI1SK
delivery          NOTIFICATION#<id>         DELIVERY            CORRESPONDENCE#<account id> /
                                                                <requested at>#<id>
queued letter     PRINTQUEUE#<day>          LETTER#<id>
print file        PRINTFILES                <day>
print file part   PRINTFILE#<day>           PART#<part, 3 digits>
suppression       SUPPRESSION#<address>     SUPPRESSION

A delivery is keyed by its notification alone, so "once per notification" is one condition on
one key whatever the request's other fields; an account's correspondence is one Query of GSI1,
the latest first. Each change of a delivery is conditioned on the stored one being the one it was
computed from (status, attempts and time of the latest change), and written with its history
entries on the account and, when it queues a letter, the letter: one transaction. A day's letters
are one partition, read by the day's print-file run (a Query); the print files are one partition
of a row a day.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from pynamodb.attributes import JSONAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from civiq.accounts.domain.customers import ContactMethod
from civiq.core.addresses import Address
from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict
from civiq.core.history import as_record
from civiq.core.language import Language
from civiq.core.ports import Page
from civiq.notices.domain.deliveries import (
    Delivery,
    DeliveryStatus,
    FallbackReason,
    PrintPlace,
    Suppression,
)
from civiq.notices.domain.print_files import (
    Letter,
    ManifestLine,
    PartSummary,
    PrintedPart,
    PrintFile,
    PrintFileStatus,
)
from civiq.platform.dynamodb import pages
from civiq.platform.dynamodb.table import TableItem, TableMeta
from civiq.platform.dynamodb.transactions import Connected, Transaction

T = TypeVar("T")
DELIVERY_SK = "DELIVERY"
LETTER_PREFIX = "LETTER#"
PRINT_FILES_PK = "PRINTFILES"
PART_PREFIX = "PART#"
SUPPRESSION_SK = "SUPPRESSION"


def delivery_pk(notification_id: str) -> str:
    return f"NOTIFICATION#{notification_id}"


def correspondence_pk(account_id: str) -> str:
    return f"CORRESPONDENCE#{account_id}"


def print_queue_pk(day: date) -> str:
    return f"PRINTQUEUE#{day.isoformat()}"


def print_file_pk(day: date) -> str:
    return f"PRINTFILE#{day.isoformat()}"


def suppression_pk(address: str) -> str:
    return f"SUPPRESSION#{address.lower()}"


class CorrespondenceIndex(GlobalSecondaryIndex["DeliveryItem"]):
    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(range_key=True, attr_name="GSI1SK")


class DeliveryItem(TableItem):
    class Meta(TableMeta):
        pass

    gsi1pk = UnicodeAttribute(attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(attr_name="GSI1SK")
    by_account = CorrespondenceIndex()
    status = UnicodeAttribute()
    updated_at = UnicodeAttribute()  # ISO 8601, as the domain has it: what a change is checked on
    record = JSONAttribute()


class RecordItem(TableItem):
    """A letter, a print file, a part or a suppression: a key and its record."""

    class Meta(TableMeta):
        pass

    status = UnicodeAttribute(null=True)  # a print file's
    record = JSONAttribute()


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def delivery_of(record: dict[str, Any]) -> Delivery:
    printed = record.get("printed")
    fallback = record.get("fallback")
    return Delivery(
        notification_id=record["notification_id"],
        account_id=record["account_id"],
        account_number=record["account_number"],
        customer_id=record["customer_id"],
        recipient_name=record["recipient_name"],
        kind=record["kind"],
        language=Language(record["language"]),
        requested_at=datetime.fromisoformat(record["requested_at"]),
        requested_channel=ContactMethod(record["requested_channel"]),
        channel=ContactMethod(record["channel"]),
        status=DeliveryStatus(record["status"]),
        address=record["address"],
        subject=record["subject"],
        body=record["body"],
        updated_at=datetime.fromisoformat(record["updated_at"]),
        attempts=int(record["attempts"]),
        provider_message_id=record.get("provider_message_id"),
        fallback=FallbackReason(fallback) if fallback else None,
        print_day=_date(record.get("print_day")),
        printed=PrintPlace(
            date.fromisoformat(printed["day"]),
            int(printed["part"]),
            int(printed["first_page"]),
            int(printed["pages"]),
        )
        if printed
        else None,
    )


def _delivery_item(delivery: Delivery) -> DeliveryItem:
    return DeliveryItem(
        pk=delivery_pk(delivery.notification_id),
        sk=DELIVERY_SK,
        gsi1pk=correspondence_pk(delivery.account_id),
        gsi1sk=f"{delivery.requested_at.astimezone(UTC).isoformat()}#{delivery.notification_id}",
        status=delivery.status.value,
        updated_at=delivery.updated_at.isoformat(),
        record=as_record(delivery),
    )


def letter_of(record: dict[str, Any]) -> Letter:
    return Letter(
        notification_id=record["notification_id"],
        account_id=record["account_id"],
        account_number=record["account_number"],
        kind=record["kind"],
        language=Language(record["language"]),
        recipient_name=record["recipient_name"],
        address=Address(**record["address"]),
        subject=record["subject"],
        body=record["body"],
        queued_at=datetime.fromisoformat(record["queued_at"]),
        day=date.fromisoformat(record["day"]),
    )


class DynamoDeliveries(Connected):
    """Deliveries, and the print queue their letters are written to."""

    def get(self, notification_id: str) -> Delivery | None:
        try:
            found = DeliveryItem.get(
                delivery_pk(notification_id), DELIVERY_SK, consistent_read=True
            )
        except DoesNotExist:
            return None
        return delivery_of(found.record)

    def save(
        self,
        before: Delivery | None,
        after: Delivery,
        history: Sequence[AuditEntry] = (),
        letter: Letter | None = None,
    ) -> bool:
        if before is None:
            unchanged = DeliveryItem.pk.does_not_exist()
        else:
            unchanged = (DeliveryItem.status == before.status.value) & (
                DeliveryItem.updated_at == before.updated_at.isoformat()
            )
        if not history and letter is None:  # a claim, or its release: one conditional put
            return _saved(lambda: _delivery_item(after).save(condition=unchanged))
        transaction = Transaction()
        transaction.put(
            _delivery_item(after),
            unchanged,
            lambda: Conflict("the delivery changed meanwhile", "notification_id"),
        )
        if letter is not None:
            transaction.put(
                RecordItem(
                    pk=print_queue_pk(letter.day),
                    sk=f"{LETTER_PREFIX}{letter.notification_id}",
                    record=as_record(letter),
                )
            )
        transaction.history(history)
        return _saved(lambda: transaction.run(self._client()))

    def of_account(self, account_id: str, limit: int, cursor: str | None) -> Page[Delivery]:
        found = DeliveryItem.by_account.query(
            correspondence_pk(account_id),
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=pages.decode(cursor),
        )
        return _page(found, delivery_of, limit)

    def letters(self, day: date) -> Sequence[Letter]:
        found = RecordItem.query(
            print_queue_pk(day), RecordItem.sk.startswith(LETTER_PREFIX), consistent_read=True
        )
        return [letter_of(item.record) for item in found]


def _part_of(record: dict[str, Any]) -> PrintedPart:
    return PrintedPart(
        day=date.fromisoformat(record["day"]),
        part=int(record["part"]),
        key=record["key"],
        pages=int(record["pages"]),
        lines=tuple(
            ManifestLine(
                sequence=int(line["sequence"]),
                part=int(line["part"]),
                first_page=int(line["first_page"]),
                pages=int(line["pages"]),
                notification_id=line["notification_id"],
                account_id=line["account_id"],
                account_number=line["account_number"],
                kind=line["kind"],
                language=Language(line["language"]),
                recipient_name=line["recipient_name"],
                address_lines=tuple(line["address_lines"]),
            )
            for line in record["lines"]
        ),
    )


def print_file_of(record: dict[str, Any]) -> PrintFile:
    completed = record.get("completed_at")
    return PrintFile(
        day=date.fromisoformat(record["day"]),
        status=PrintFileStatus(record["status"]),
        started_at=datetime.fromisoformat(record["started_at"]),
        parts=tuple(
            PartSummary(int(p["part"]), p["key"], int(p["letters"]), int(p["pages"]))
            for p in record["parts"]
        ),
        completed_at=datetime.fromisoformat(completed) if completed else None,
        manifest_keys=tuple(record["manifest_keys"]),
    )


class DynamoPrintFiles(Connected):
    def get(self, day: date) -> PrintFile | None:
        try:
            found = RecordItem.get(PRINT_FILES_PK, day.isoformat(), consistent_read=True)
        except DoesNotExist:
            return None
        return print_file_of(found.record)

    def parts(self, day: date) -> Sequence[PrintedPart]:
        found = RecordItem.query(
            print_file_pk(day), RecordItem.sk.startswith(PART_PREFIX), consistent_read=True
        )
        return [_part_of(item.record) for item in found]

    def keep_part(self, part: PrintedPart) -> None:
        RecordItem(
            pk=print_file_pk(part.day),
            sk=f"{PART_PREFIX}{part.part:03d}",
            record=as_record(part),
        ).save()

    def save(self, file: PrintFile, history: Sequence[AuditEntry] = ()) -> bool:
        transaction = Transaction()
        transaction.put(
            RecordItem(
                pk=PRINT_FILES_PK,
                sk=file.day.isoformat(),
                status=file.status.value,
                record=as_record(file),
            ),
            RecordItem.pk.does_not_exist() | (RecordItem.status != PrintFileStatus.COMPLETE.value),
            lambda: Conflict("the print file is complete", "day"),
        )
        transaction.history(history)
        return _saved(lambda: transaction.run(self._client()))

    def listing(self, limit: int, cursor: str | None) -> Page[PrintFile]:
        found = RecordItem.query(
            PRINT_FILES_PK,
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=pages.decode(cursor),
        )
        return _page(found, print_file_of, limit)


class DynamoSuppressions:
    def is_suppressed(self, address: str) -> bool:
        try:
            RecordItem.get(suppression_pk(address), SUPPRESSION_SK)
        except DoesNotExist:
            return False
        return True

    def suppress(self, suppression: Suppression) -> bool:
        item = RecordItem(
            pk=suppression_pk(suppression.address),
            sk=SUPPRESSION_SK,
            record=as_record(suppression),
        )
        return _saved(lambda: item.save(condition=RecordItem.pk.does_not_exist()))


def _saved(write: Callable[[], object]) -> bool:
    """Whether a conditional put or a transaction wrote (False: its condition failed)."""
    try:
        write()
    except Conflict:
        return False
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _page(found: Any, record_of: Callable[[dict[str, Any]], T], limit: int) -> Page[T]:
    """One page of a query's results (its items' records), and the cursor of the next."""
    items = [record_of(item.record) for item in found]
    last = found.last_evaluated_key
    return Page(items, pages.encode(last) if last and len(items) == limit else None)
