"""Meters, reads and reading imports on the single table (keys: :mod:`.keys`).

A meter item comes with its serial claim (serials are unique), its link in its property's
partition (a property's meters are one Query) and the claim of its slot there (one meter in
service per unit, or per whole property). A read lives in its meter's partition under
``READ#<date>``, so a meter's reads between two dates are one Query and a second read for the
same date fails its conditional put; while it waits for review it carries the sparse GSI2 keys
that list pending reads oldest first. Every change is one TransactWriteItems with its history
entries and outbox events. Decimals are stored as text: exact, never floats.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pynamodb.attributes import (
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from civiq.core.errors import Conflict, NotFound, VersionConflict
from civiq.core.history import as_record
from civiq.core.ports import Page
from civiq.metering.domain.metering import InstalledMeter, Reading, ReadSource, ReadStatus, flag_of
from civiq.metering.domain.meters import Meter, MeterOwner, MeterSize, MeterType
from civiq.metering.domain.reading_imports import ReadingImport, RowError
from civiq.metering.domain.readings import EstimateBasis
from civiq.metering.ports import MeteringChange
from civiq.platform.dynamodb import keys, outbox, pages
from civiq.platform.dynamodb.table import TableItem, TableMeta
from civiq.platform.dynamodb.transactions import Connected, Failure, Transaction

LAST_READ = "9999-12-31"


class MeterItem(TableItem):
    class Meta(TableMeta):
        pass

    meter_id = UnicodeAttribute()
    record = JSONAttribute()  # the installed meter (see meter_record)
    removed_on = UnicodeAttribute(null=True)  # for the condition on reads after a removal
    version = NumberAttribute()


class MeterLinkItem(TableItem):
    """A meter listed in its property's partition, with the whole meter record."""

    class Meta(TableMeta):
        pass

    record = JSONAttribute()


class MeterClaimItem(TableItem):
    """A serial's claim, or a property slot's meter in service."""

    class Meta(TableMeta):
        pass

    meter_id = UnicodeAttribute()


class PendingReviewIndex(GlobalSecondaryIndex["ReadingItem"]):
    class Meta:
        index_name = "GSI2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True, attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(range_key=True, attr_name="GSI2SK")


class ReadingItem(TableItem):
    class Meta(TableMeta):
        pass

    gsi2pk = UnicodeAttribute(attr_name="GSI2PK", null=True)  # sparse: only while pending
    gsi2sk = UnicodeAttribute(attr_name="GSI2SK", null=True)
    pending = PendingReviewIndex()
    meter_id = UnicodeAttribute()
    read_on = UnicodeAttribute()
    value = UnicodeAttribute()
    source = UnicodeAttribute()
    status = UnicodeAttribute()
    flags = ListAttribute(of=UnicodeAttribute, default=list)
    volume = UnicodeAttribute()
    previous_read_on = UnicodeAttribute(null=True)
    recorded_by = UnicodeAttribute()
    recorded_at = UTCDateTimeAttribute()
    read_at = UnicodeAttribute(null=True)  # ISO text: keeps the reader's UTC offset
    estimate_basis = UnicodeAttribute(null=True)
    reviewed_by = UnicodeAttribute(null=True)
    reviewed_at = UTCDateTimeAttribute(null=True)
    review_note = UnicodeAttribute(null=True)
    original_value = UnicodeAttribute(null=True)
    version = NumberAttribute()


class ImportItem(TableItem):
    class Meta(TableMeta):
        pass

    import_id = UnicodeAttribute()
    file_key = UnicodeAttribute()
    default_source = UnicodeAttribute()
    created_by = UnicodeAttribute()
    created_role = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    etag = UnicodeAttribute(null=True)
    rows_total = NumberAttribute(null=True)  # counts, never money
    loaded = NumberAttribute(default=0)
    rejected = NumberAttribute(default=0)
    failure = JSONAttribute(null=True)


class ImportRowItem(TableItem):
    """A row's outcome, written once: what makes counting a redelivered row a no-op."""

    class Meta(TableMeta):
        pass

    outcome = UnicodeAttribute()  # loaded | rejected


class ImportErrorItem(TableItem):
    class Meta(TableMeta):
        pass

    line = NumberAttribute()
    field = UnicodeAttribute()
    message = UnicodeAttribute()


# ---------------------------------------------------------------- mapping
def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def meter_record(meter: InstalledMeter) -> dict[str, Any]:
    return as_record(meter)


def meter_of(record: dict[str, Any]) -> InstalledMeter:
    m = record["meter"]
    return InstalledMeter(
        meter=Meter(
            meter_id=m["meter_id"],
            serial=m["serial"],
            size=MeterSize(m["size"]),
            meter_type=MeterType(m["meter_type"]),
            installed_on=date.fromisoformat(m["installed_on"]),
            register_digits=int(m["register_digits"]),
            multiplier=Decimal(m["multiplier"]),
            removed_on=_day(m.get("removed_on")),
            owner=MeterOwner(m.get("owner", MeterOwner.MUNICIPALITY)),
        ),
        property_id=record["property_id"],
        unit=record["unit"],
        installed_by=record["installed_by"],
        version=int(record["version"]),
    )


def meter_item(meter: InstalledMeter) -> MeterItem:
    return MeterItem(
        pk=keys.meter_pk(meter.meter_id),
        sk=keys.METER_SK,
        meter_id=meter.meter_id,
        record=meter_record(meter),
        removed_on=_iso(meter.meter.removed_on),
        version=meter.version,
    )


def reading_item(reading: Reading) -> ReadingItem:
    pending = reading.status is ReadStatus.PENDING_REVIEW
    return ReadingItem(
        pk=keys.meter_pk(reading.meter_id),
        sk=keys.read_sk(reading.read_on),
        gsi2pk=keys.READS_PENDING_REVIEW if pending else None,
        gsi2sk=keys.pending_review_sk(reading.read_on, reading.meter_id) if pending else None,
        meter_id=reading.meter_id,
        read_on=reading.read_on.isoformat(),
        value=str(reading.value),
        source=reading.source.value,
        status=reading.status.value,
        flags=[f.value for f in reading.flags],
        volume=str(reading.volume),
        previous_read_on=_iso(reading.previous_read_on),
        recorded_by=reading.recorded_by,
        recorded_at=reading.recorded_at,
        read_at=reading.read_at.isoformat() if reading.read_at else None,
        estimate_basis=reading.estimate_basis.value if reading.estimate_basis else None,
        reviewed_by=reading.reviewed_by,
        reviewed_at=reading.reviewed_at,
        review_note=reading.review_note,
        original_value=str(reading.original_value) if reading.original_value is not None else None,
        version=reading.version,
    )


def reading_of(item: ReadingItem) -> Reading:
    return Reading(
        meter_id=item.meter_id,
        read_on=date.fromisoformat(item.read_on),
        value=Decimal(item.value),
        source=ReadSource(item.source),
        status=ReadStatus(item.status),
        flags=tuple(flag_of(str(f)) for f in item.flags or []),
        volume=Decimal(item.volume),
        previous_read_on=_day(item.previous_read_on),
        recorded_by=item.recorded_by,
        recorded_at=item.recorded_at,
        read_at=datetime.fromisoformat(item.read_at) if item.read_at else None,
        estimate_basis=EstimateBasis(item.estimate_basis) if item.estimate_basis else None,
        reviewed_by=item.reviewed_by,
        reviewed_at=item.reviewed_at,
        review_note=item.review_note,
        original_value=Decimal(item.original_value) if item.original_value else None,
        version=int(item.version),
    )


def import_of(item: ImportItem) -> ReadingImport:
    failure = item.failure
    return ReadingImport(
        import_id=item.import_id,
        file_key=item.file_key,
        default_source=ReadSource(item.default_source),
        created_by=item.created_by,
        created_role=item.created_role,
        created_at=item.created_at,
        etag=item.etag,
        rows_total=int(item.rows_total) if item.rows_total is not None else None,
        loaded=int(item.loaded or 0),
        rejected=int(item.rejected or 0),
        failure=RowError(int(failure["line"]), failure["field"], failure["message"])
        if failure
        else None,
    )


def _stored_version(model: type[Model], pk: str, sk: str) -> int:
    try:
        return int(getattr(model.get(pk, sk, consistent_read=True), "version", 0) or 0)
    except model.DoesNotExist:
        return 0


def _review_conflict(pk: str, sk: str) -> Failure:
    return lambda: VersionConflict(
        "the read was reviewed by someone else; reload it", _stored_version(ReadingItem, pk, sk)
    )


def _slot_conflict(slot: str) -> Failure:
    where = "the property" if slot == "*" else f"unit {slot}"
    return lambda: Conflict(f"{where} has a meter in service; exchange it instead", "unit")


def _read_conflict(read_on: date) -> Failure:
    return lambda: Conflict(f"the meter has a read on {read_on}", "read_on")


class DynamoMetering(Connected):
    """MeteringChanges, MeterRepository and ReadingRepository on the single table."""

    # ------------------------------------------------------------ MeteringChanges
    def commit(self, change: MeteringChange) -> None:
        transaction = Transaction()
        released: dict[tuple[str, str], str] = {}
        taken: dict[tuple[str, str], str] = {}
        changed_meters: set[str] = set()
        for before, after in change.revised:
            self._revise_meter(transaction, before, after)
            changed_meters.add(after.meter_id)
            if before.meter.removed_on is None and after.meter.removed_on is not None:
                released[(after.property_id, after.slot)] = after.meter_id
        for meter in change.installed:
            self._install(transaction, meter)
            changed_meters.add(meter.meter_id)
            taken[(meter.property_id, meter.slot)] = meter.meter_id
        self._slots(transaction, released, taken)
        self._reads(transaction, change.recorded, changed_meters)
        for read_before, read_after in change.reviewed:
            reviewed = reading_item(read_after)
            transaction.put(
                reviewed,
                (ReadingItem.version == read_before.version)
                & (ReadingItem.status == ReadStatus.PENDING_REVIEW.value),
                _review_conflict(reviewed.pk, reviewed.sk),
            )
        transaction.history(change.history)
        for event in change.events:
            transaction.put(outbox.outbox_item(event))
        token = change.history[0].entry_id if change.history else None
        transaction.run(self._client(), token)

    @staticmethod
    def _revise_meter(
        transaction: Transaction, before: InstalledMeter, after: InstalledMeter
    ) -> None:
        item = meter_item(after)
        transaction.put(
            item,
            MeterItem.version == before.version,
            lambda: VersionConflict(
                "the meter was changed by someone else; reload it",
                _stored_version(MeterItem, item.pk, item.sk),
            ),
        )
        transaction.put(
            MeterLinkItem(
                pk=keys.property_pk(after.property_id),
                sk=keys.meter_link_sk(after.meter_id),
                record=meter_record(after),
            )
        )

    @staticmethod
    def _install(transaction: Transaction, meter: InstalledMeter) -> None:
        serial = meter.meter.serial
        transaction.put(
            meter_item(meter),
            MeterItem.pk.does_not_exist(),
            lambda: Conflict(f"meter {meter.meter_id} already exists", "id"),
        )
        transaction.put(
            MeterClaimItem(pk=keys.serial_key(serial), sk=keys.CLAIM_SK, meter_id=meter.meter_id),
            MeterClaimItem.pk.does_not_exist(),
            lambda: Conflict(f"serial {serial} is already another meter's", "serial"),
        )
        transaction.put(
            MeterLinkItem(
                pk=keys.property_pk(meter.property_id),
                sk=keys.meter_link_sk(meter.meter_id),
                record=meter_record(meter),
            )
        )

    @staticmethod
    def _slots(
        transaction: Transaction,
        released: dict[tuple[str, str], str],
        taken: dict[tuple[str, str], str],
    ) -> None:
        """An exchange hands the slot from the old meter to the new in one put."""
        for (property_id, slot), meter_id in sorted(taken.items()):
            claim = MeterClaimItem(
                pk=keys.property_pk(property_id), sk=keys.meter_slot_sk(slot), meter_id=meter_id
            )
            previous = released.get((property_id, slot))
            transaction.put(
                claim,
                MeterClaimItem.pk.does_not_exist()
                if previous is None
                else MeterClaimItem.meter_id == previous,
                _slot_conflict(slot),
            )
        for (property_id, slot), meter_id in sorted(released.items()):
            if (property_id, slot) not in taken:
                transaction.delete(
                    MeterClaimItem(pk=keys.property_pk(property_id), sk=keys.meter_slot_sk(slot)),
                    MeterClaimItem.meter_id == meter_id,
                )

    @staticmethod
    def _reads(
        transaction: Transaction, readings: Sequence[Reading], changed_meters: set[str]
    ) -> None:
        latest: dict[str, date] = {}
        for reading in readings:
            transaction.put(
                reading_item(reading),
                ReadingItem.pk.does_not_exist(),
                _read_conflict(reading.read_on),
            )
            if reading.meter_id not in changed_meters:
                known = latest.get(reading.meter_id, date.min)
                latest[reading.meter_id] = max(reading.read_on, known)
        for meter_id, read_on in latest.items():
            # the meter still exists and was not removed before the read (an exchange meanwhile)
            transaction.check(
                MeterItem,
                keys.meter_pk(meter_id),
                keys.METER_SK,
                MeterItem.pk.exists()
                & (
                    MeterItem.removed_on.does_not_exist()
                    | (MeterItem.removed_on >= read_on.isoformat())
                ),
                lambda: Conflict("the meter was removed meanwhile; reload it", "read_on"),
            )

    # ------------------------------------------------------------ MeterRepository
    def get(self, meter_id: str) -> InstalledMeter:
        try:
            item = MeterItem.get(keys.meter_pk(meter_id), keys.METER_SK, consistent_read=True)
        except DoesNotExist as exc:
            raise NotFound(f"no meter with id {meter_id}", "id") from exc
        return meter_of(item.record)

    def get_by_serial(self, serial: str) -> InstalledMeter:
        try:
            claim = MeterClaimItem.get(keys.serial_key(serial), keys.CLAIM_SK, consistent_read=True)
        except DoesNotExist as exc:
            raise NotFound(f"no meter with serial {serial}", "serial") from exc
        return self.get(claim.meter_id)

    def at_property(self, property_id: str) -> Sequence[InstalledMeter]:
        links = MeterLinkItem.query(
            keys.property_pk(property_id), MeterLinkItem.sk.startswith(keys.METER_LINK_PREFIX)
        )
        meters = [meter_of(link.record) for link in links]
        return sorted(meters, key=lambda m: (m.meter.installed_on, m.meter_id))

    # ------------------------------------------------------------ ReadingRepository
    def of_meter(
        self, meter_id: str, after: date | None = None, until: date | None = None
    ) -> Sequence[Reading]:
        low = keys.read_sk(after + timedelta(days=1)) if after is not None else keys.READ_PREFIX
        high = keys.read_sk(until) if until is not None else keys.READ_PREFIX + LAST_READ
        if low > high:
            return []
        found = ReadingItem.query(
            keys.meter_pk(meter_id), ReadingItem.sk.between(low, high), consistent_read=True
        )
        return [reading_of(item) for item in found]

    def find(self, meter_id: str, read_on: date) -> Reading | None:
        try:
            item = ReadingItem.get(
                keys.meter_pk(meter_id), keys.read_sk(read_on), consistent_read=True
            )
        except DoesNotExist:
            return None
        return reading_of(item)

    def latest_actual_before(self, meter_id: str, before: date) -> Reading | None:
        found = ReadingItem.query(
            keys.meter_pk(meter_id),
            ReadingItem.sk.between(keys.READ_PREFIX, keys.read_sk(before - timedelta(days=1))),
            filter_condition=(ReadingItem.source != ReadSource.ESTIMATE.value)
            & (ReadingItem.status != ReadStatus.REJECTED.value),
            scan_index_forward=False,
            consistent_read=True,
            page_size=50,
        )
        for item in found:
            return reading_of(item)
        return None

    def pending_review(self, limit: int, cursor: str | None) -> Page[Reading]:
        result = ReadingItem.pending.query(
            keys.READS_PENDING_REVIEW,
            limit=limit,
            page_size=limit,
            last_evaluated_key=pages.decode(cursor),
        )
        readings = [reading_of(item) for item in result]
        last = result.last_evaluated_key
        return Page(readings, pages.encode(last) if last else None)


class DynamoImports(Connected):
    """ImportRepository on the single table: counts move only with a row's first outcome."""

    def create(self, job: ReadingImport) -> None:
        item = ImportItem(
            pk=keys.import_pk(job.import_id),
            sk=keys.IMPORT_SK,
            import_id=job.import_id,
            file_key=job.file_key,
            default_source=job.default_source.value,
            created_by=job.created_by,
            created_role=job.created_role,
            created_at=job.created_at,
        )
        try:
            item.save(condition=ImportItem.pk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise Conflict(f"import {job.import_id} already exists", "id") from exc
            raise

    def get(self, import_id: str) -> ReadingImport:
        try:
            item = ImportItem.get(keys.import_pk(import_id), keys.IMPORT_SK, consistent_read=True)
        except DoesNotExist as exc:
            raise NotFound(f"no reading import with id {import_id}", "id") from exc
        return import_of(item)

    def start(self, import_id: str, etag: str, rows_total: int) -> bool:
        item = ImportItem(pk=keys.import_pk(import_id), sk=keys.IMPORT_SK)
        try:
            item.update(
                actions=[ImportItem.etag.set(etag), ImportItem.rows_total.set(rows_total)],
                condition=ImportItem.pk.exists()
                & (ImportItem.etag.does_not_exist() | (ImportItem.etag == etag)),
            )
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def fail(self, import_id: str, error: RowError) -> None:
        item = ImportItem(pk=keys.import_pk(import_id), sk=keys.IMPORT_SK)
        item.update(
            actions=[ImportItem.failure.set(as_record(error))], condition=ImportItem.pk.exists()
        )

    def row_done(self, import_id: str, line: int, error: RowError | None) -> bool:
        pk = keys.import_pk(import_id)
        transaction = Transaction()
        transaction.put(
            ImportRowItem(
                pk=pk,
                sk=keys.import_row_sk(line),
                outcome="loaded" if error is None else "rejected",
            ),
            ImportRowItem.pk.does_not_exist(),
            lambda: Conflict("counted already", "line"),
        )
        if error is not None:
            transaction.put(
                ImportErrorItem(
                    pk=pk,
                    sk=keys.import_error_sk(line),
                    line=line,
                    field=error.field,
                    message=error.message,
                )
            )
        counter = ImportItem.loaded if error is None else ImportItem.rejected
        transaction.update(
            ImportItem(pk=pk, sk=keys.IMPORT_SK), [counter.add(1)], ImportItem.pk.exists()
        )
        try:
            transaction.run(self._client())
        except Conflict as done:
            if done.field != "line":
                raise
            return False
        return True

    def errors(self, import_id: str, limit: int, cursor: str | None) -> Page[RowError]:
        result = ImportErrorItem.query(
            keys.import_pk(import_id),
            ImportErrorItem.sk.startswith(keys.ERROR_PREFIX),
            limit=limit,
            page_size=limit,
            last_evaluated_key=pages.decode(cursor),
        )
        errors = [RowError(int(item.line), item.field, item.message) for item in result]
        last = result.last_evaluated_key
        return Page(errors, pages.encode(last) if last else None)
