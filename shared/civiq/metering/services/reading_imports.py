"""Bulk reading files: start an import (an upload link), split the uploaded file into rows for
the reading worker, and record each row's read.

API -> StartImport (import item + presigned PUT) -> client uploads ``imports/<id>.csv`` -> S3
notification -> SQS -> SplitImport (parse; malformed rows reported; good rows to the reading
queue, each meter's rows together and in date order) -> SQS -> LoadImportRows (RecordReading per
row). Every step may run twice: the import loads the file it started with (by ETag), rows are
idempotent on meter and read date, and each row's outcome is counted once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from civiq.accounts.services.recording import Recorder
from civiq.core.errors import DomainError, InvalidInput, NotFound
from civiq.core.events import Actor
from civiq.metering.domain.metering import ReadSource
from civiq.metering.domain.reading_imports import (
    MAX_BYTES,
    ImportRow,
    ReadingImport,
    RowError,
    batches,
    import_id_of,
    import_key,
    parse_readings_csv,
)
from civiq.metering.ports import (
    ImportFiles,
    ImportRepository,
    MeterRepository,
    RowBatch,
    RowQueue,
    Upload,
)
from civiq.metering.services.readings import ReadingCommand, RecordReading

logger = logging.getLogger("civiq")
UPLOAD_WINDOW = timedelta(minutes=15)
FILE_FIELDS = {"id": "meter_serial", "serial": "meter_serial", "meter_id": "meter_serial"}


@dataclass(frozen=True)
class StartImport:
    imports: ImportRepository
    files: ImportFiles
    recorder: Recorder

    def __call__(self, default_source: ReadSource, actor: Actor) -> tuple[ReadingImport, Upload]:
        if default_source is ReadSource.ESTIMATE:
            raise InvalidInput("a file holds actual reads: manual, handheld or ami", "source")
        import_id = self.recorder.ids.new_id()
        now = self.recorder.clock.now()
        job = ReadingImport(
            import_id=import_id,
            file_key=import_key(import_id),
            default_source=default_source,
            created_by=actor.subject,
            created_role=actor.role,
            created_at=now,
        )
        self.imports.create(job)
        url, headers = self.files.upload_link(job.file_key, UPLOAD_WINDOW)
        return job, Upload(url, headers, now + UPLOAD_WINDOW)


@dataclass(frozen=True)
class SplitImport:
    imports: ImportRepository
    files: ImportFiles
    queue: RowQueue

    def __call__(self, key: str) -> ReadingImport | None:
        """Load the uploaded file at ``key``; None when it is no import's file."""
        import_id = import_id_of(key)
        if import_id is None:
            logger.warning("not an import file; ignored", extra={"key": key})
            return None
        try:
            job = self.imports.get(import_id)
        except NotFound:
            logger.warning("no import for this file; ignored", extra={"key": key})
            return None
        if job.failure is not None:
            logger.warning("the import failed; start a new import", extra={"key": key})
            return None
        try:
            data, etag = self.files.read(key, MAX_BYTES)
            parsed = parse_readings_csv(data, job.default_source)
        except InvalidInput as unreadable:
            if job.rows_total is None:  # never fail an import already loading its file
                self.imports.fail(
                    import_id, RowError(0, unreadable.field or "file", unreadable.message)
                )
            return self.imports.get(import_id)
        if not self.imports.start(import_id, etag, parsed.total):
            logger.warning("the import loads another file; start a new import", extra={"key": key})
            return None
        for error in parsed.errors:
            self.imports.row_done(import_id, error.line, error)
        actor = Actor(job.created_by, job.created_role)
        self.queue.send([RowBatch(import_id, actor, rows) for rows in batches(parsed.rows)])
        return self.imports.get(import_id)


@dataclass(frozen=True)
class LoadImportRows:
    """The reading worker: record each row's read, and count its outcome once."""

    meters: MeterRepository
    record: RecordReading
    imports: ImportRepository

    def __call__(self, batch: RowBatch) -> list[RowError]:
        """The rows' errors (rows that are rejected, not failures of the batch)."""
        errors = []
        for row in batch.rows:
            error = self._load(row, batch)
            if error is not None:
                errors.append(error)
            self.imports.row_done(batch.import_id, row.line, error)
        return errors

    def _load(self, row: ImportRow, batch: RowBatch) -> RowError | None:
        try:
            meter = self.meters.get_by_serial(row.meter_serial)
            command = ReadingCommand(
                meter.meter_id, row.read_on, row.value, row.source, row.read_at
            )
            self.record(command, batch.actor, batch.import_id)
        except DomainError as error:
            field = FILE_FIELDS.get(error.field or "", error.field or "row")
            return RowError(row.line, field, error.message)
        return None
