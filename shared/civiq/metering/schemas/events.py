"""Versioned payloads of the meter-reading events.

Registered in :data:`civiq.event_catalog.EVENT_SCHEMAS`; a sample of each lives in
``events/eventbridge/``. Registers, volumes and daily use are decimal strings (never floats):
registers and volumes in cubic metres with up to 3 decimals.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from civiq.metering.domain.metering import Flag, ReadSource

DECIMAL = r"^[0-9]+(\.[0-9]{1,3})?$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReadingFlaggedV1(_Strict):
    """A read waits for staff review before it bills (backwards, high or low)."""

    meter_id: str
    serial: str
    property_id: str
    unit: str | None
    read_on: date
    value: str = Field(pattern=DECIMAL)
    volume: str = Field(pattern=DECIMAL)
    flags: list[Flag]
    source: ReadSource


class HighConsumptionDetectedV1(_Strict):
    """Daily use well above the meter's usual: a possible leak. The notification consumer finds
    the property's accounts (and each holder's language) from ``property_id`` and ``unit``."""

    property_id: str
    unit: str | None
    meter_id: str
    read_on: date
    previous_read_on: date
    volume: str = Field(pattern=DECIMAL)
    daily_use: str = Field(pattern=DECIMAL)
    usual_daily_use: str = Field(pattern=DECIMAL)


METERING_EVENT_SCHEMAS: dict[tuple[str, int], type[BaseModel]] = {
    ("ReadingFlagged", 1): ReadingFlaggedV1,
    ("HighConsumptionDetected", 1): HighConsumptionDetectedV1,
}
