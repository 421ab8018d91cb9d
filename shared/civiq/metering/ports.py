"""Ports of meters, readings and bulk reading imports. Adapters implement them.

Billing reads meters with :meth:`MeterRepository.at_property` and their reads with
:meth:`ReadingRepository.of_meter`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from civiq.core.audit import AuditEntry
from civiq.core.events import Actor, DomainEvent
from civiq.core.ports import Page
from civiq.metering.domain.metering import InstalledMeter, Reading
from civiq.metering.domain.reading_imports import ImportRow, ReadingImport, RowError


@dataclass(frozen=True)
class MeteringChange:
    """One atomic change of meters and reads, with its history entries and events.

    ``installed`` meters are written with their serial claim, their link under the property and
    the claim of their slot there (one meter in service per unit, or per whole property);
    ``revised`` pairs (before, after) are written only if the stored version is still
    ``before.version``; ``recorded`` reads only if none exists for their meter and date.
    """

    installed: Sequence[InstalledMeter] = ()
    revised: Sequence[tuple[InstalledMeter, InstalledMeter]] = ()
    recorded: Sequence[Reading] = ()
    reviewed: Sequence[tuple[Reading, Reading]] = ()
    history: Sequence[AuditEntry] = ()
    events: Sequence[DomainEvent] = ()


class MeteringChanges(Protocol):
    def commit(self, change: MeteringChange) -> None:
        """Write ``change`` atomically. Raises Conflict naming ``serial`` (serial taken),
        ``unit`` (the slot has a meter in service), ``read_on`` (a read exists for that meter
        and date) or VersionConflict (a meter or read changed since it was read)."""
        ...


class MeterRepository(Protocol):
    def get(self, meter_id: str) -> InstalledMeter:
        """Raises NotFound."""
        ...

    def get_by_serial(self, serial: str) -> InstalledMeter:
        """``serial`` normalized (:func:`civiq.metering.domain.metering.normalize_serial`). Raises
        NotFound."""
        ...

    def at_property(self, property_id: str) -> Sequence[InstalledMeter]:
        """Every meter ever installed at the property (removed ones too), oldest first."""
        ...


class ReadingRepository(Protocol):
    def of_meter(
        self, meter_id: str, after: date | None = None, until: date | None = None
    ) -> Sequence[Reading]:
        """The meter's reads with ``after < read_on <= until`` (either bound optional), oldest
        first: every status and source (filter on ``billable``, ``estimated``, ``actual``)."""
        ...

    def find(self, meter_id: str, read_on: date) -> Reading | None: ...

    def latest_actual_before(self, meter_id: str, before: date) -> Reading | None:
        """The latest actual read (not an estimate, not rejected) dated before ``before``."""
        ...

    def pending_review(self, limit: int, cursor: str | None) -> Page[Reading]:
        """Reads waiting for staff review, oldest read first."""
        ...


@dataclass(frozen=True)
class Upload:
    """Where and how a client uploads a file: an HTTP PUT to ``url`` with ``headers``."""

    url: str
    headers: dict[str, str]
    expires_at: datetime


class ImportFiles(Protocol):
    def upload_link(self, key: str, expires_in: timedelta) -> tuple[str, dict[str, str]]:
        """A URL to PUT the file at ``key`` with, valid for ``expires_in``, and the headers the
        PUT must send."""
        ...

    def read(self, key: str, max_bytes: int) -> tuple[bytes, str]:
        """The object's body and ETag. Raises InvalidInput (field ``file``) when it is larger
        than ``max_bytes``; NotFound when there is no such object."""
        ...


@dataclass(frozen=True)
class RowBatch:
    """Rows of one import on their way to the reading worker, recorded as ``actor``."""

    import_id: str
    actor: Actor
    rows: Sequence[ImportRow]


class RowQueue(Protocol):
    def send(self, batches: Sequence[RowBatch]) -> None:
        """Send every batch or raise (a resend is harmless: rows are idempotent)."""
        ...


class ImportRepository(Protocol):
    def create(self, job: ReadingImport) -> None: ...

    def get(self, import_id: str) -> ReadingImport:
        """Raises NotFound."""
        ...

    def start(self, import_id: str, etag: str, rows_total: int) -> bool:
        """Record that the file with ``etag`` is being loaded. True also when this same file
        was started before (a redelivered upload event); False when another file was."""
        ...

    def fail(self, import_id: str, error: RowError) -> None:
        """The file as a whole could not be loaded."""
        ...

    def row_done(self, import_id: str, line: int, error: RowError | None) -> bool:
        """Count row ``line`` loaded (``error`` None) or rejected, once: False when the row's
        outcome was recorded before."""
        ...

    def errors(self, import_id: str, limit: int, cursor: str | None) -> Page[RowError]:
        """The rejected rows, in line order."""
        ...
