"""Meter, reading and reading-import API payloads. Unknown fields are refused; types are not
coerced. Register values, multipliers and volumes are decimal strings, never floats."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AwareDatetime, Field

from civiq.core.schemas import Payload, Request, WholeNumber
from civiq.metering.domain.metering import (
    SERIAL,
    InstalledMeter,
    Reading,
    ReadSource,
    ReviewDecision,
)
from civiq.metering.domain.meters import VOLUME_PLACES, MeterOwner, MeterSize, MeterType
from civiq.metering.domain.reading_imports import ReadingImport, RowError
from civiq.metering.ports import Upload
from civiq.metering.services.meters import ExchangeCommand, InstallCommand, MeterSpec
from civiq.metering.services.readings import ReadingCommand

Id = Annotated[str, Field(min_length=1, max_length=40)]
Register = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{1,9}(\.[0-9]{1,3})?$",
        description="The register in cubic metres, up to 3 decimals, e.g. 1234.5",
    ),
]
Multiplier = Annotated[
    str, Field(pattern=r"^[0-9]{1,6}(\.[0-9]{1,4})?$", description="m3 per register unit")
]


class MeterIn(Request):
    serial: str = Field(
        min_length=1,
        max_length=40,
        description="As printed on the register (letters typed in lower case are capitalized)",
        json_schema_extra={"pattern": f"^{SERIAL.pattern}$"},
    )
    size: MeterSize
    meter_type: MeterType
    register_digits: WholeNumber = Field(
        default=6, ge=3, le=9, description="Wheels before rollover"
    )
    multiplier: Multiplier = "1"
    owner: MeterOwner = Field(
        default=MeterOwner.MUNICIPALITY,
        description="Who owns the meter (a basic charge may be priced by it)",
    )

    def to_spec(self) -> MeterSpec:
        return MeterSpec(
            self.serial,
            self.size,
            self.meter_type,
            self.register_digits,
            Decimal(self.multiplier),
            self.owner,
        )


class InstallMeterRequest(Request):
    property_id: Id
    unit: str | None = Field(
        default=None, max_length=20, description="The unit served; omit for the whole property"
    )
    installed_on: date
    meter: MeterIn
    first_value: Register | None = Field(
        default=None, description="The register when installed (a new meter: 0)"
    )

    def to_command(self) -> InstallCommand:
        first = Decimal(self.first_value) if self.first_value is not None else None
        return InstallCommand(
            self.property_id, self.unit, self.installed_on, self.meter.to_spec(), first
        )


class ExchangeRequest(Request):
    exchanged_on: date
    final_value: Register = Field(description="The old meter's register when it came out")
    new_meter: MeterIn
    first_value: Register = Field(default="0", description="The new meter's register")

    def to_command(self, meter_id: str) -> ExchangeCommand:
        return ExchangeCommand(
            meter_id,
            self.exchanged_on,
            Decimal(self.final_value),
            self.new_meter.to_spec(),
            Decimal(self.first_value),
        )


class ReadingRequest(Request):
    read_on: date
    value: Register
    source: ReadSource = ReadSource.MANUAL
    read_at: AwareDatetime | None = Field(default=None, description="When it was read")

    def to_command(self, meter_id: str) -> ReadingCommand:
        return ReadingCommand(
            meter_id, self.read_on, Decimal(self.value), self.source, self.read_at
        )


class ReviewRequest(Request):
    decision: ReviewDecision
    value: Register | None = Field(
        default=None, description="Accept with this corrected register instead"
    )
    note: str | None = Field(default=None, max_length=500)

    def corrected_value(self) -> Decimal | None:
        return Decimal(self.value) if self.value is not None else None


class ReadingsQuery(Request):
    after: Annotated[date | None, Field(strict=False, description="Reads after this day")] = None
    until: Annotated[date | None, Field(strict=False, description="Reads up to this day")] = None


class ImportRequest(Request):
    source: ReadSource = Field(
        default=ReadSource.HANDHELD,
        description="The rows' source when their column is blank (a file holds actual reads)",
        json_schema_extra={"enum": [s.value for s in ReadSource if s is not ReadSource.ESTIMATE]},
    )


class MeterOut(Payload):
    id: str
    serial: str
    size: MeterSize
    meter_type: MeterType
    register_digits: int
    multiplier: str
    owner: MeterOwner
    property_id: str
    unit: str | None
    installed_on: date
    removed_on: date | None
    in_service: bool
    installed_by: str
    version: int

    @classmethod
    def of(cls, installed: InstalledMeter) -> MeterOut:
        meter = installed.meter
        return cls(
            id=meter.meter_id,
            serial=meter.serial,
            size=meter.size,
            meter_type=meter.meter_type,
            register_digits=meter.register_digits,
            multiplier=str(meter.multiplier),
            owner=meter.owner,
            property_id=installed.property_id,
            unit=installed.unit,
            installed_on=meter.installed_on,
            removed_on=meter.removed_on,
            in_service=meter.removed_on is None,
            installed_by=installed.installed_by,
            version=installed.version,
        )


class MeterList(Payload):
    items: list[MeterOut]


class ReadingOut(Payload):
    meter_id: str
    read_on: date
    value: str
    source: ReadSource
    status: str = Field(description="accepted, pending-review or rejected")
    flags: list[str] = Field(description="rollover, backwards, zero, high, low")
    volume: str = Field(description="m3 since previous_read_on (the previous actual read)")
    previous_read_on: date | None
    estimated: bool
    estimate_basis: str | None
    read_at: datetime | None
    recorded_by: str
    recorded_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str | None
    original_value: str | None = Field(description="The value read, when a review corrected it")
    version: int

    @classmethod
    def of(cls, reading: Reading) -> ReadingOut:
        original = reading.original_value
        return cls(
            meter_id=reading.meter_id,
            read_on=reading.read_on,
            value=str(reading.value),
            source=reading.source,
            status=reading.status.value,
            flags=[f.value for f in reading.flags],
            volume=str(reading.volume.quantize(VOLUME_PLACES)),
            previous_read_on=reading.previous_read_on,
            estimated=reading.estimated,
            estimate_basis=reading.estimate_basis.value if reading.estimate_basis else None,
            read_at=reading.read_at,
            recorded_by=reading.recorded_by,
            recorded_at=reading.recorded_at,
            reviewed_by=reading.reviewed_by,
            reviewed_at=reading.reviewed_at,
            review_note=reading.review_note,
            original_value=str(original) if original is not None else None,
            version=reading.version,
        )


class ReadingList(Payload):
    items: list[ReadingOut]


class ReadingPage(Payload):
    items: list[ReadingOut]
    next_cursor: str | None


class ExchangeResponse(Payload):
    removed: MeterOut
    installed: MeterOut
    final_read: ReadingOut
    first_read: ReadingOut


class RowErrorOut(Payload):
    line: int = Field(description="The file's line (the header is line 1; 0: the whole file)")
    field: str
    message: str

    @classmethod
    def of(cls, error: RowError) -> RowErrorOut:
        return cls(line=error.line, field=error.field, message=error.message)


class UploadOut(Payload):
    url: str
    method: str = "PUT"
    headers: dict[str, str]
    expires_at: datetime

    @classmethod
    def of(cls, upload: Upload) -> UploadOut:
        return cls(url=upload.url, headers=upload.headers, expires_at=upload.expires_at)


class ImportResponse(Payload):
    id: str
    status: str = Field(description="awaiting-upload, loading, completed or failed")
    source: ReadSource
    created_by: str
    created_at: datetime
    rows_total: int | None
    loaded: int
    rejected: int
    failure: RowErrorOut | None
    errors: list[RowErrorOut] = Field(description="Rejected rows, one page in line order")
    next_cursor: str | None
    upload: UploadOut | None = Field(default=None, description="Only when the import starts")

    @classmethod
    def of(
        cls,
        job: ReadingImport,
        errors: list[RowError] | None = None,
        next_cursor: str | None = None,
        upload: Upload | None = None,
    ) -> ImportResponse:
        return cls(
            id=job.import_id,
            status=job.status.value,
            source=job.default_source,
            created_by=job.created_by,
            created_at=job.created_at,
            rows_total=job.rows_total,
            loaded=job.loaded,
            rejected=job.rejected,
            failure=RowErrorOut.of(job.failure) if job.failure else None,
            errors=[RowErrorOut.of(e) for e in errors or []],
            next_cursor=next_cursor,
            upload=UploadOut.of(upload) if upload else None,
        )
