"""Bulk reading files (handheld or AMI exports, CSV) and the import that loads one.

A file has a header line naming its columns: ``meter_serial,read_on,value`` and, optionally,
``source`` (manual, handheld or ami; the import's default when blank) and ``read_at`` (an ISO
timestamp with its UTC offset, on ``read_on``). Each malformed row is reported with its line
number and the column at fault; the good rows still load. A file that is not a readings file at
all (not UTF-8, no such header, too many rows) fails as a whole.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from itertools import groupby

from civiq.core.errors import DomainError, InvalidInput
from civiq.metering.domain.metering import ReadSource, normalize_serial

REQUIRED = ("meter_serial", "read_on", "value")
OPTIONAL = ("source", "read_at")
MAX_ROWS = 50_000
MAX_BYTES = 5 * 1024 * 1024
ROWS_PER_BATCH = 100  # rows per queue message (one meter's rows always travel together)
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
REGISTER = re.compile(r"[0-9]{1,9}(\.[0-9]{1,3})?")
FILE_SOURCES = (ReadSource.MANUAL, ReadSource.HANDHELD, ReadSource.AMI)


class ImportStatus(StrEnum):
    AWAITING_UPLOAD = "awaiting-upload"
    LOADING = "loading"
    COMPLETED = "completed"
    FAILED = "failed"  # the file as a whole could not be read


@dataclass(frozen=True, slots=True)
class RowError:
    line: int  # the file's line (the header is line 1); 0 for the file as a whole
    field: str  # the column at fault ("header", "row" for the row's shape)
    message: str


@dataclass(frozen=True, slots=True)
class ImportRow:
    line: int
    meter_serial: str
    read_on: date
    value: Decimal
    source: ReadSource
    read_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ParsedFile:
    rows: list[ImportRow]
    errors: list[RowError]

    @property
    def total(self) -> int:
        return len(self.rows) + len(self.errors)


@dataclass(frozen=True, slots=True)
class ReadingImport:
    """One uploaded file's import. ``rows_total`` is known once the file has been read; each
    row then ends ``loaded`` (its read is recorded) or ``rejected`` (with its error)."""

    import_id: str
    file_key: str
    default_source: ReadSource
    created_by: str
    created_role: str
    created_at: datetime
    etag: str | None = None
    rows_total: int | None = None
    loaded: int = 0
    rejected: int = 0
    failure: RowError | None = None

    @property
    def status(self) -> ImportStatus:
        if self.failure is not None:
            return ImportStatus.FAILED
        if self.rows_total is None:
            return ImportStatus.AWAITING_UPLOAD
        if self.loaded + self.rejected >= self.rows_total:
            return ImportStatus.COMPLETED
        return ImportStatus.LOADING


def import_key(import_id: str) -> str:
    return f"imports/{import_id}.csv"


def import_id_of(key: str) -> str | None:
    match = re.fullmatch(r"imports/([0-9A-Za-z]{1,40})\.csv", key)
    return match.group(1) if match else None


def parse_readings_csv(data: bytes, default_source: ReadSource) -> ParsedFile:
    """The file's good rows and its malformed rows' errors. Raises InvalidInput (field
    ``file`` or ``header``) when the file as a whole is not a readings file."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"the file is larger than {MAX_BYTES} bytes", "file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the file is not UTF-8 text", "file") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in next(reader, [])]
    _check_header(header)
    rows: list[ImportRow] = []
    errors: list[RowError] = []
    for fields in reader:
        if not any(f.strip() for f in fields):
            continue  # blank lines
        if len(rows) + len(errors) == MAX_ROWS:
            raise InvalidInput(f"the file has more than {MAX_ROWS} rows; split it", "file")
        line = reader.line_num
        if len(fields) != len(header):
            errors.append(
                RowError(line, "row", f"expected {len(header)} fields, found {len(fields)}")
            )
            continue
        try:
            rows.append(_row(line, dict(zip(header, fields, strict=True)), default_source))
        except DomainError as error:
            errors.append(RowError(line, error.field or "row", error.message))
    return ParsedFile(rows, errors)


def _check_header(header: list[str]) -> None:
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise InvalidInput(
            f"the header line must name the columns {', '.join(REQUIRED)}"
            f" (missing {', '.join(missing)})",
            "header",
        )
    unknown = [name for name in header if name not in REQUIRED + OPTIONAL]
    if unknown:
        raise InvalidInput(f"unknown column {unknown[0]}", "header")
    if len(set(header)) != len(header):
        raise InvalidInput("a column is named twice", "header")


def _row(line: int, fields: dict[str, str], default_source: ReadSource) -> ImportRow:
    serial = normalize_serial(fields["meter_serial"], "meter_serial")
    read_on_text = fields["read_on"].strip()
    try:
        if not ISO_DATE.fullmatch(read_on_text):
            raise ValueError
        read_on = date.fromisoformat(read_on_text)
    except ValueError:
        raise InvalidInput("read_on must be a date like 2026-11-26", "read_on") from None
    value_text = fields["value"].strip()
    if not REGISTER.fullmatch(value_text):
        raise InvalidInput("value must be a register reading like 1234 or 1234.5", "value")
    source_text = (fields.get("source") or "").strip().lower()
    if source_text and source_text not in FILE_SOURCES:
        raise InvalidInput(f"source must be one of {', '.join(FILE_SOURCES)}", "source")
    return ImportRow(
        line=line,
        meter_serial=serial,
        read_on=read_on,
        value=Decimal(value_text),
        source=ReadSource(source_text) if source_text else default_source,
        read_at=_read_at((fields.get("read_at") or "").strip(), read_on),
    )


def _read_at(text: str, read_on: date) -> datetime | None:
    if not text:
        return None
    try:
        read_at = datetime.fromisoformat(text)
    except ValueError:
        read_at = None
    if read_at is None or read_at.tzinfo is None:
        raise InvalidInput(
            "read_at must be a timestamp with its offset, like 2026-11-26T09:30-05:00", "read_at"
        )
    if read_at.date() != read_on:
        raise InvalidInput("read_at is not on read_on", "read_at")
    return read_at


def batches(rows: Sequence[ImportRow], size: int = ROWS_PER_BATCH) -> list[list[ImportRow]]:
    """Rows in batches of about ``size``: each meter's rows together, oldest first, so one
    consumer records them in date order."""
    by_meter = sorted(rows, key=lambda r: (r.meter_serial, r.read_on, r.line))
    result: list[list[ImportRow]] = []
    for _, group in groupby(by_meter, key=lambda r: r.meter_serial):
        meter_rows = list(group)
        if result and len(result[-1]) + len(meter_rows) <= size:
            result[-1].extend(meter_rows)
        else:
            result.append(meter_rows)
    return result
