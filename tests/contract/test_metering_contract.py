"""One contract, two implementations: the in-memory metering fakes and DynamoDB behave alike."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from civiq.accounts.adapters.memory import InMemoryStore
from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict, NotFound, VersionConflict
from civiq.core.fakes import InMemoryAuditLog
from civiq.metering.adapters.dynamodb import DynamoImports, DynamoMetering
from civiq.metering.adapters.memory import InMemoryImports, InMemoryMetering
from civiq.metering.domain.metering import (
    InstalledMeter,
    Reading,
    ReadSource,
    ReadStatus,
    ReviewDecision,
)
from civiq.metering.domain.meters import Meter, MeterSize, MeterType, ReadFlag
from civiq.metering.domain.reading_imports import ImportStatus, ReadingImport, RowError
from civiq.metering.domain.readings import EstimateBasis, UseFlag
from civiq.metering.ports import MeteringChange
from civiq.platform.dynamodb.audit import DynamoAuditLog

AT = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)


@dataclass
class Backend:
    metering: Any
    imports: Any
    audit: Any


@pytest.fixture(params=["memory", "dynamodb"])
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == "memory":
        store = InMemoryStore()
        return Backend(InMemoryMetering(store), InMemoryImports(), InMemoryAuditLog(store))
    request.getfixturevalue("aws")
    return Backend(DynamoMetering(), DynamoImports(), DynamoAuditLog())


def meter(
    meter_id: str = "M1", serial: str = "SN-1", unit: str | None = None, **changes: Any
) -> InstalledMeter:
    built = Meter(meter_id, serial, MeterSize.MM15, MeterType.DISPLACEMENT, date(2024, 1, 1))
    return InstalledMeter(replace(built, **changes), "P1", unit, "clerk-1")


def read(meter_id: str, on: str, value: str, **changes: Any) -> Reading:
    fields: dict[str, Any] = {
        "meter_id": meter_id,
        "read_on": date.fromisoformat(on),
        "value": Decimal(value),
        "source": ReadSource.MANUAL,
        "status": ReadStatus.ACCEPTED,
        "flags": (),
        "volume": Decimal("0.000"),
        "previous_read_on": None,
        "recorded_by": "clerk-1",
        "recorded_at": AT,
    }
    fields.update(changes)
    return Reading(**fields)


def entry(entry_id: str, meter_id: str = "M1") -> AuditEntry:
    return AuditEntry(
        entry_id, f"METER#{meter_id}", "MeterInstalled", "clerk-1", "clerk", AT, "c", {}
    )


def test_a_meter_is_found_by_id_by_serial_and_at_its_property(backend: Backend) -> None:
    installed = meter(multiplier=Decimal("10"), register_digits=4)
    backend.metering.commit(MeteringChange(installed=[installed], history=[entry("E1")]))
    assert backend.metering.get("M1") == installed
    assert backend.metering.get_by_serial("SN-1") == installed
    assert list(backend.metering.at_property("P1")) == [installed]
    assert list(backend.metering.at_property("P2")) == []
    assert [e.entry_id for e in backend.audit.entries_for("METER#M1", 10, None).items] == ["E1"]
    with pytest.raises(NotFound) as missing:
        backend.metering.get("M2")
    assert missing.value.field == "id"
    with pytest.raises(NotFound):
        backend.metering.get_by_serial("SN-2")


@pytest.mark.parametrize(
    ("second", "field"),
    [
        (meter("M2", "SN-1", unit="2"), "serial"),  # the serial is taken
        (meter("M2", "SN-2"), "unit"),  # the whole property has a meter in service
    ],
)
def test_a_taken_serial_or_slot_writes_nothing(
    backend: Backend, second: InstalledMeter, field: str
) -> None:
    backend.metering.commit(MeteringChange(installed=[meter()]))
    first_read = read("M2", "2024-01-01", "0")
    with pytest.raises(Conflict) as error:
        backend.metering.commit(
            MeteringChange(installed=[second], recorded=[first_read], history=[entry("E2", "M2")])
        )
    assert error.value.field == field
    with pytest.raises(NotFound):
        backend.metering.get("M2")
    assert backend.metering.find("M2", date(2024, 1, 1)) is None
    assert list(backend.audit.entries_for("METER#M2", 10, None).items) == []


def test_an_exchange_hands_the_slot_to_the_new_meter(backend: Backend) -> None:
    old = meter(unit="1")
    backend.metering.commit(MeteringChange(installed=[old, meter("M9", "SN-9", unit="2")]))
    removed = replace(old, meter=replace(old.meter, removed_on=date(2026, 6, 1)), version=2)
    new = meter("M2", "SN-2", unit="1", installed_on=date(2026, 6, 1))
    final, first = read("M1", "2026-06-01", "120"), read("M2", "2026-06-01", "0")
    backend.metering.commit(
        MeteringChange(installed=[new], revised=[(old, removed)], recorded=[final, first])
    )
    assert [m.meter_id for m in backend.metering.at_property("P1")] == ["M1", "M9", "M2"]
    assert backend.metering.get("M1") == removed
    with pytest.raises(Conflict) as taken:
        backend.metering.commit(MeteringChange(installed=[meter("M3", "SN-3", unit="1")]))
    assert taken.value.field == "unit"
    # a stale copy of the old meter changes nothing, not even the new meter's part
    again = meter("M4", "SN-4", unit="1", installed_on=date(2026, 7, 1))
    with pytest.raises(VersionConflict) as stale:
        backend.metering.commit(MeteringChange(installed=[again], revised=[(old, removed)]))
    assert stale.value.current_version == 2
    with pytest.raises(NotFound):
        backend.metering.get("M4")


def test_reads_are_unique_per_date_and_listed_between_dates(backend: Backend) -> None:
    backend.metering.commit(MeteringChange(installed=[meter()]))
    days = ["2024-01-01", "2024-04-01", "2024-07-01", "2024-10-01"]
    for day in days:
        backend.metering.commit(MeteringChange(recorded=[read("M1", day, "10")]))
    with pytest.raises(Conflict) as twice:
        backend.metering.commit(MeteringChange(recorded=[read("M1", "2024-04-01", "11")]))
    assert twice.value.field == "read_on"
    assert backend.metering.find("M1", date(2024, 4, 1)).value == Decimal(10)
    assert backend.metering.find("M1", date(2024, 4, 2)) is None

    def between(after: str | None, until: str | None) -> list[str]:
        found = backend.metering.of_meter(
            "M1",
            date.fromisoformat(after) if after else None,
            date.fromisoformat(until) if until else None,
        )
        return [r.read_on.isoformat() for r in found]

    assert between(None, None) == days
    assert between("2024-04-01", None) == days[2:]  # after is exclusive
    assert between(None, "2024-07-01") == days[:3]  # until is inclusive
    assert between("2024-01-01", "2024-07-01") == days[1:3]
    assert between("2024-07-01", "2024-04-01") == []


def test_the_latest_actual_read_skips_estimates_and_rejected_reads(backend: Backend) -> None:
    backend.metering.commit(MeteringChange(installed=[meter()]))
    backend.metering.commit(
        MeteringChange(
            recorded=[
                read("M1", "2024-01-01", "0"),
                read("M1", "2024-04-01", "40", status=ReadStatus.REJECTED),
                read(
                    "M1",
                    "2024-07-01",
                    "45",
                    source=ReadSource.ESTIMATE,
                    estimate_basis=EstimateBasis.AVERAGE_DAILY_USE,
                ),
            ]
        )
    )
    latest = backend.metering.latest_actual_before("M1", date(2024, 12, 1))
    assert latest is not None and latest.read_on == date(2024, 1, 1)
    assert backend.metering.latest_actual_before("M1", date(2024, 1, 1)) is None


def test_a_read_after_its_meter_was_removed_is_refused(backend: Backend) -> None:
    old = meter()
    backend.metering.commit(MeteringChange(installed=[old]))
    removed = replace(old, meter=replace(old.meter, removed_on=date(2026, 6, 1)), version=2)
    backend.metering.commit(MeteringChange(revised=[(old, removed)]))
    backend.metering.commit(MeteringChange(recorded=[read("M1", "2026-06-01", "5")]))
    with pytest.raises(Conflict) as error:
        backend.metering.commit(MeteringChange(recorded=[read("M1", "2026-06-02", "6")]))
    assert error.value.field == "read_on"
    with pytest.raises(Conflict):
        backend.metering.commit(MeteringChange(recorded=[read("NOPE", "2026-06-02", "6")]))


def test_pending_reads_are_listed_oldest_first_until_reviewed(backend: Backend) -> None:
    backend.metering.commit(MeteringChange(installed=[meter(), meter("M2", "SN-2", unit="2")]))
    flags = (ReadFlag.ZERO, UseFlag.LOW)
    pending = [
        read(m, day, "5", status=ReadStatus.PENDING_REVIEW, flags=flags)
        for m, day in [("M2", "2024-03-01"), ("M1", "2024-02-01"), ("M1", "2024-05-01")]
    ]
    backend.metering.commit(MeteringChange(recorded=[*pending, read("M2", "2024-04-01", "6")]))
    first = backend.metering.pending_review(2, None)
    assert [(r.meter_id, r.read_on.month) for r in first.items] == [("M1", 2), ("M2", 3)]
    assert first.items[0].flags == flags
    rest = backend.metering.pending_review(2, first.next_cursor)
    assert [(r.meter_id, r.read_on.month) for r in rest.items] == [("M1", 5)]
    target = pending[1]
    reviewed = target.reviewed(ReviewDecision.ACCEPT, "super-1", AT, "checked")
    backend.metering.commit(MeteringChange(reviewed=[(target, reviewed)]))
    assert backend.metering.find("M1", date(2024, 2, 1)) == reviewed
    assert [r.read_on.month for r in backend.metering.pending_review(10, None).items] == [3, 5]
    with pytest.raises(VersionConflict):  # reviewed twice
        backend.metering.commit(MeteringChange(reviewed=[(target, reviewed)]))


def test_an_import_counts_each_row_once(backend: Backend) -> None:
    imports = backend.imports
    job = ReadingImport("IMP1", "imports/IMP1.csv", ReadSource.AMI, "clerk-1", "clerk", AT)
    imports.create(job)
    with pytest.raises(Conflict):
        imports.create(job)
    assert imports.get("IMP1") == job and job.status is ImportStatus.AWAITING_UPLOAD
    assert imports.start("IMP1", "etag-1", 3)
    assert imports.start("IMP1", "etag-1", 3)  # the same file again
    assert not imports.start("IMP1", "etag-2", 9)  # another file
    assert imports.row_done("IMP1", 2, None)
    assert not imports.row_done("IMP1", 2, None)
    error = RowError(4, "value", "value must be a register reading")
    assert imports.row_done("IMP1", 4, error)
    assert not imports.row_done("IMP1", 4, error)
    loading = imports.get("IMP1")
    assert (loading.rows_total, loading.loaded, loading.rejected, loading.etag) == (
        3,
        1,
        1,
        "etag-1",
    )
    assert loading.status is ImportStatus.LOADING
    imports.row_done("IMP1", 3, RowError(3, "read_on", "in the future"))
    assert imports.get("IMP1").status is ImportStatus.COMPLETED
    page = imports.errors("IMP1", 1, None)
    assert list(page.items) == [RowError(3, "read_on", "in the future")]
    assert list(imports.errors("IMP1", 1, page.next_cursor).items) == [error]
    imports.fail("IMP1", RowError(0, "file", "unreadable"))
    assert imports.get("IMP1").status is ImportStatus.FAILED
    with pytest.raises(NotFound):
        imports.get("IMP2")
