"""The API's side of meters, readings and reading imports, built at their first request by
:mod:`civiq.metering.wiring` from the settings of :mod:`chalicelib.composition`."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from chalicelib.composition import api

if TYPE_CHECKING:
    from civiq.metering.wiring import MeterServices, ReadingImportServices


@cache
def metering() -> MeterServices:
    from civiq.metering.wiring import meter_services

    return meter_services(api().settings)


@cache
def reading_imports() -> ReadingImportServices:
    from civiq.metering.wiring import reading_import_services

    settings = api().settings
    if not settings.readings_bucket:
        raise RuntimeError("READINGS_BUCKET must be set")
    return reading_import_services(settings, readings_bucket=settings.readings_bucket)
