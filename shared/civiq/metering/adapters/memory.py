"""In-memory fakes of the metering ports (:mod:`civiq.metering.ports`), with the DynamoDB
adapter's rules: atomic commits, unique serials, one meter in service per slot, one read per
meter and date, optimistic locking, and row outcomes counted once."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

from civiq.accounts.adapters.memory import InMemoryStore
from civiq.core.errors import Conflict, InvalidInput, NotFound, VersionConflict
from civiq.core.fakes import page_of
from civiq.core.ports import Page
from civiq.metering.domain.metering import InstalledMeter, Reading, ReadStatus
from civiq.metering.domain.reading_imports import ReadingImport, RowError
from civiq.metering.ports import MeteringChange, RowBatch


class InMemoryMetering:
    """MeteringChanges, MeterRepository and ReadingRepository; history and events go to the
    store's history and outbox, as DynamoDB's transaction writes them."""

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self.meters: dict[str, InstalledMeter] = {}
        self.serials: dict[str, str] = {}
        self.slots: dict[tuple[str, str], str] = {}
        self.reads: dict[tuple[str, date], Reading] = {}
        self.commits: list[MeteringChange] = []

    # MeteringChanges
    def commit(self, change: MeteringChange) -> None:
        meters, serials = dict(self.meters), dict(self.serials)
        slots, reads = dict(self.slots), dict(self.reads)
        for before, after in change.revised:
            current = meters.get(before.meter_id)
            if current is None or current.version != before.version:
                raise VersionConflict(
                    "the meter was changed by someone else; reload it",
                    current.version if current else 0,
                )
            meters[after.meter_id] = after
            slot = (after.property_id, after.slot)
            if after.meter.removed_on is not None and slots.get(slot) == after.meter_id:
                del slots[slot]
        for meter in change.installed:
            if meter.meter_id in meters:
                raise Conflict(f"meter {meter.meter_id} already exists", "id")
            if meter.meter.serial in serials:
                raise Conflict(f"serial {meter.meter.serial} is already another meter's", "serial")
            if (meter.property_id, meter.slot) in slots:
                raise Conflict("the slot has a meter in service; exchange it instead", "unit")
            meters[meter.meter_id] = meter
            serials[meter.meter.serial] = meter.meter_id
            slots[(meter.property_id, meter.slot)] = meter.meter_id
        changed = {m.meter_id for m in change.installed} | {a.meter_id for _, a in change.revised}
        for reading in change.recorded:
            key = (reading.meter_id, reading.read_on)
            if key in reads:
                raise Conflict(f"the meter has a read on {reading.read_on}", "read_on")
            serving = meters.get(reading.meter_id)
            removed = serving.meter.removed_on if serving else None
            if reading.meter_id not in changed and (
                serving is None or (removed is not None and removed < reading.read_on)
            ):
                raise Conflict("the meter was removed meanwhile; reload it", "read_on")
            reads[key] = reading
        for read_before, read_after in change.reviewed:
            stored = reads.get((read_before.meter_id, read_before.read_on))
            if (
                stored is None
                or stored.version != read_before.version
                or stored.status is not ReadStatus.PENDING_REVIEW
            ):
                raise VersionConflict(
                    "the read was reviewed by someone else; reload it",
                    stored.version if stored else 0,
                )
            reads[(read_after.meter_id, read_after.read_on)] = read_after
        self.meters, self.serials, self.slots, self.reads = meters, serials, slots, reads
        self.store.history.update({e.entry_id: e for e in change.history})
        self.store.outbox.update({e.event_id: e for e in change.events})
        self.commits.append(change)

    # MeterRepository
    def get(self, meter_id: str) -> InstalledMeter:
        found = self.meters.get(meter_id)
        if found is None:
            raise NotFound(f"no meter with id {meter_id}", "id")
        return found

    def get_by_serial(self, serial: str) -> InstalledMeter:
        meter_id = self.serials.get(serial)
        if meter_id is None:
            raise NotFound(f"no meter with serial {serial}", "serial")
        return self.get(meter_id)

    def at_property(self, property_id: str) -> Sequence[InstalledMeter]:
        found = [m for m in self.meters.values() if m.property_id == property_id]
        return sorted(found, key=lambda m: (m.meter.installed_on, m.meter_id))

    # ReadingRepository
    def of_meter(
        self, meter_id: str, after: date | None = None, until: date | None = None
    ) -> Sequence[Reading]:
        return sorted(
            (
                r
                for (m, day), r in self.reads.items()
                if m == meter_id
                and (after is None or day > after)
                and (until is None or day <= until)
            ),
            key=lambda r: r.read_on,
        )

    def find(self, meter_id: str, read_on: date) -> Reading | None:
        return self.reads.get((meter_id, read_on))

    def latest_actual_before(self, meter_id: str, before: date) -> Reading | None:
        earlier = [r for r in self.of_meter(meter_id) if r.read_on < before and r.actual]
        return earlier[-1] if earlier else None

    def pending_review(self, limit: int, cursor: str | None) -> Page[Reading]:
        pending = sorted(
            (r for r in self.reads.values() if r.status is ReadStatus.PENDING_REVIEW),
            key=lambda r: (r.read_on, r.meter_id),
        )
        return page_of(pending, limit, cursor)


class InMemoryImports:
    def __init__(self) -> None:
        self.imports: dict[str, ReadingImport] = {}
        self.outcomes: dict[tuple[str, int], RowError | None] = {}

    def create(self, job: ReadingImport) -> None:
        if job.import_id in self.imports:
            raise Conflict(f"import {job.import_id} already exists", "id")
        self.imports[job.import_id] = job

    def get(self, import_id: str) -> ReadingImport:
        found = self.imports.get(import_id)
        if found is None:
            raise NotFound(f"no reading import with id {import_id}", "id")
        return found

    def start(self, import_id: str, etag: str, rows_total: int) -> bool:
        job = self.imports.get(import_id)
        if job is None or job.etag not in (None, etag):
            return False
        self.imports[import_id] = replace(job, etag=etag, rows_total=rows_total)
        return True

    def fail(self, import_id: str, error: RowError) -> None:
        self.imports[import_id] = replace(self.get(import_id), failure=error)

    def row_done(self, import_id: str, line: int, error: RowError | None) -> bool:
        job = self.get(import_id)
        if (import_id, line) in self.outcomes:
            return False
        self.outcomes[(import_id, line)] = error
        if error is None:
            self.imports[import_id] = replace(job, loaded=job.loaded + 1)
        else:
            self.imports[import_id] = replace(job, rejected=job.rejected + 1)
        return True

    def errors(self, import_id: str, limit: int, cursor: str | None) -> Page[RowError]:
        found = sorted(
            (e for (i, _), e in self.outcomes.items() if i == import_id and e is not None),
            key=lambda e: e.line,
        )
        return page_of(found, limit, cursor)


class InMemoryImportFiles:
    """Uploaded files by key; an upload link is a ``memory://`` URL."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def upload_link(self, key: str, expires_in: timedelta) -> tuple[str, dict[str, str]]:
        return f"memory://{key}", {"Content-Type": "text/csv"}

    def read(self, key: str, max_bytes: int) -> tuple[bytes, str]:
        body = self.objects.get(key)
        if body is None:
            raise NotFound(f"no file {key}", "file")
        if len(body) > max_bytes:
            raise InvalidInput(f"the file is larger than {max_bytes} bytes", "file")
        return body, hashlib.md5(body, usedforsecurity=False).hexdigest()


class RecordingRowQueue:
    def __init__(self) -> None:
        self.sent: list[RowBatch] = []

    def send(self, batches: Sequence[RowBatch]) -> None:
        self.sent.extend(batches)
