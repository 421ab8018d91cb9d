"""Bulk reading files: parsing row by row, batching by meter, and loading idempotently."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from civiq.core.errors import InvalidInput
from civiq.metering.domain.metering import ReadSource, ReadStatus
from civiq.metering.domain.reading_imports import (
    ImportRow,
    ImportStatus,
    RowError,
    batches,
    import_id_of,
    parse_readings_csv,
)
from tests.helpers.metering_world import CLERK, World

MIXED = (
    "\ufeffMeter_Serial,read_on,value,source,read_at\n"
    "sn-1001,2026-01-01,100,,\n"
    "SN-1001,2026-13-01,110,,\n"  # line 3: no such date
    "\n"
    "SN-1002,2026-01-01,12.5,ami,2026-01-01T09:30:00-05:00\n"
    "SN-1002,2026-02-01,abc,,\n"  # line 6: not a number
    "SN-1003,2026-01-01,5\n"  # line 7: a field short
    "SN 1004,2026-01-01,5,,\n"  # line 8: a serial with a space
    "SN-1002,2026-03-01,20,reader,\n"  # line 9: unknown source
    "SN-1002,2026-04-01,21,,2026-04-02T09:30:00-05:00\n"  # line 10: read_at another day
)


def test_malformed_rows_are_reported_by_line_and_column_and_good_rows_kept() -> None:
    parsed = parse_readings_csv(MIXED.encode(), ReadSource.HANDHELD)
    assert parsed.rows == [
        ImportRow(2, "SN-1001", date(2026, 1, 1), Decimal(100), ReadSource.HANDHELD),
        ImportRow(
            5,
            "SN-1002",
            date(2026, 1, 1),
            Decimal("12.5"),
            ReadSource.AMI,
            datetime(2026, 1, 1, 9, 30, tzinfo=timezone(timedelta(hours=-5))),
        ),
    ]
    assert [(e.line, e.field) for e in parsed.errors] == [
        (3, "read_on"),
        (6, "value"),
        (7, "row"),
        (8, "meter_serial"),
        (9, "source"),
        (10, "read_at"),
    ]
    assert parsed.total == 8


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (b"serial,read_on,value\n", "header", "missing meter_serial"),
        (b"meter_serial,read_on,value,note\n", "header", "unknown column note"),
        (b"meter_serial,read_on,value,value\n", "header", "named twice"),
        (b"", "header", "missing"),
        ("meter_serial,read_on,value\nSN-1,2026-01-01,1\n".encode("utf-16"), "file", "UTF-8"),
    ],
)
def test_a_file_that_is_not_a_readings_file_fails_as_a_whole(
    data: bytes, field: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message) as error:
        parse_readings_csv(data, ReadSource.HANDHELD)
    assert error.value.field == field


def test_each_meters_rows_travel_together_oldest_first() -> None:
    def row(line: int, serial: str, day: int) -> ImportRow:
        return ImportRow(line, serial, date(2026, 1, day), Decimal(day), ReadSource.AMI)

    rows = [row(2, "B", 3), row(3, "A", 2), row(4, "B", 1), row(5, "A", 1), row(6, "C", 1)]
    grouped = batches(rows, size=3)
    assert [[(r.meter_serial, r.read_on.day) for r in batch] for batch in grouped] == [
        [("A", 1), ("A", 2)],
        [("B", 1), ("B", 3), ("C", 1)],
    ]


def test_import_ids_come_from_the_key() -> None:
    assert import_id_of("imports/01JDX3V1Q8C7M2N4P6R8T0W2Y3.csv") == "01JDX3V1Q8C7M2N4P6R8T0W2Y3"
    assert import_id_of("imports/../x.csv") is None
    assert import_id_of("letters/a.csv") is None


def loaded_world() -> tuple[World, str]:
    world = World()
    prop = world.property()
    world.meter(prop, serial="SN-1001")
    world.meter(world.property(), serial="SN-1002")
    job, upload = world.start_import(ReadSource.HANDHELD, CLERK)
    assert upload.url == f"memory://imports/{job.import_id}.csv"
    assert job.status is ImportStatus.AWAITING_UPLOAD
    world.files.objects[job.file_key] = MIXED.encode()
    return world, job.import_id


def run(world: World, import_id: str) -> None:
    world.split(f"imports/{import_id}.csv")
    for batch in world.queue.sent:
        world.load(batch)


def test_a_file_loads_its_good_rows_and_reports_the_rest() -> None:
    world, import_id = loaded_world()
    run(world, import_id)
    job = world.imports.get(import_id)
    assert (job.status, job.rows_total, job.loaded, job.rejected) == (
        ImportStatus.COMPLETED,
        8,
        2,
        6,
    )
    first = world.metering.find(world.metering.get_by_serial("SN-1001").meter_id, date(2026, 1, 1))
    assert first is not None and first.source is ReadSource.HANDHELD
    assert first.recorded_by == "clerk-1" and first.status is ReadStatus.ACCEPTED


def test_loading_the_same_file_again_changes_nothing() -> None:
    world, import_id = loaded_world()
    run(world, import_id)
    reads, history = dict(world.metering.reads), dict(world.store.history)
    before = world.imports.get(import_id)
    run(world, import_id)  # the upload event and every row message delivered again
    assert world.imports.get(import_id) == before
    assert world.metering.reads == reads and world.store.history == history
    # a new import of the same file: the good rows are no-ops, nothing is written twice
    job, _ = world.start_import(ReadSource.HANDHELD, CLERK)
    world.files.objects[job.file_key] = MIXED.encode()
    world.queue.sent.clear()
    run(world, job.import_id)
    again = world.imports.get(job.import_id)
    assert (again.loaded, again.rejected) == (2, 6)
    assert world.metering.reads == reads


def test_rows_the_worker_refuses_are_reported_with_their_column() -> None:
    world = World()
    world.meter(serial="SN-1001")
    job, _ = world.start_import(ReadSource.AMI, CLERK)
    world.files.objects[job.file_key] = (
        b"meter_serial,read_on,value\n"
        b"SN-1001,2026-01-01,100\n"
        b"SN-1001,2026-01-01,101\n"  # the same date, another value
        b"SN-9999,2026-01-01,5\n"  # no such meter
        b"SN-1001,2027-01-01,150\n"  # the future
        b"SN-1001,2023-01-01,1\n"  # before installation (and before the other reads)
    )
    run(world, job.import_id)
    errors = world.imports.errors(job.import_id, 10, None).items
    assert [(e.line, e.field) for e in errors] == [
        (3, "value"),
        (4, "meter_serial"),
        (5, "read_on"),
        (6, "read_on"),
    ]
    assert world.imports.get(job.import_id).status is ImportStatus.COMPLETED


def test_another_file_for_a_started_import_is_ignored() -> None:
    world, import_id = loaded_world()
    run(world, import_id)
    world.files.objects[f"imports/{import_id}.csv"] = b"meter_serial,read_on,value\n"
    assert world.split(f"imports/{import_id}.csv") is None
    assert world.imports.get(import_id).rows_total == 8


def test_an_unreadable_file_fails_the_import() -> None:
    world = World()
    job, _ = world.start_import(ReadSource.HANDHELD, CLERK)
    world.files.objects[job.file_key] = b"just some text\n"
    world.split(job.file_key)
    failed = world.imports.get(job.import_id)
    assert failed.status is ImportStatus.FAILED
    assert failed.failure == RowError(0, "header", failed.failure.message)  # type: ignore[union-attr]
    world.files.objects[job.file_key] = MIXED.encode()  # a failed import stays failed
    assert world.split(job.file_key) is None
    assert world.imports.get(job.import_id) == failed
    assert world.queue.sent == []


def test_files_of_no_import_are_ignored() -> None:
    world = World()
    assert world.split("imports/UNKNOWN1.csv") is None
    assert world.split("other/file.csv") is None


def test_estimates_are_not_imported() -> None:
    with pytest.raises(InvalidInput) as error:
        World().start_import(ReadSource.ESTIMATE, CLERK)
    assert error.value.field == "source"
