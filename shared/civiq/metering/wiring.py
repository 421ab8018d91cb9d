"""Meters, readings and reading files, wired to DynamoDB, S3, SQS and EventBridge from settings:
the one place their services are built, for the API (``metering_composition.py``), the
reading-file splitter and the reading worker.

The API imports this module at its cold start: the other functions' settings are imported by
them, and named here for the type checker only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from civiq.accounts.adapters.dynamodb_properties import DynamoPropertyRepository
from civiq.accounts.services.recording import Recorder
from civiq.core.settings import CommonSettings
from civiq.metering.adapters.dynamodb import DynamoImports, DynamoMetering
from civiq.metering.adapters.reading_files import S3ImportFiles, SqsRowQueue
from civiq.metering.services.meters import ExchangeMeter, InstallMeter
from civiq.metering.services.reading_imports import LoadImportRows, SplitImport, StartImport
from civiq.metering.services.readings import RecordReading, ReviewReading
from civiq.platform.runtime import client, configure_table, publish_events, time_zone

if TYPE_CHECKING:
    from civiq.metering.config import ReadingImportSettings


@dataclass(frozen=True)
class MeterServices:
    """Staff's meters and readings (the API's routes)."""

    meters: DynamoMetering  # also the ReadingRepository
    install_meter: InstallMeter
    exchange_meter: ExchangeMeter
    record_reading: RecordReading
    review_reading: ReviewReading


def meter_services(settings: CommonSettings) -> MeterServices:
    configure_table(settings)
    events = publish_events(settings)
    recorder = Recorder.system(time_zone(settings))
    store = DynamoMetering()
    return MeterServices(
        meters=store,
        install_meter=InstallMeter(store, DynamoPropertyRepository(), store, recorder),
        exchange_meter=ExchangeMeter(store, store, store, events, recorder),
        record_reading=RecordReading(store, store, store, events, recorder),
        review_reading=ReviewReading(store, store, store, recorder),
    )


@dataclass(frozen=True)
class ReadingImportServices:
    """Reading files uploaded by staff (the API's routes)."""

    imports: DynamoImports
    start_import: StartImport


def reading_import_services(
    settings: CommonSettings, *, readings_bucket: str
) -> ReadingImportServices:
    configure_table(settings)
    imports = DynamoImports()
    return ReadingImportServices(
        imports=imports,
        start_import=StartImport(
            imports,
            S3ImportFiles(client(settings, "s3"), readings_bucket),
            Recorder.system(time_zone(settings)),
        ),
    )


def split_import(settings: ReadingImportSettings) -> SplitImport:
    """An uploaded reading file split into row messages (functions/reading_import)."""
    configure_table(settings)
    return SplitImport(
        DynamoImports(),
        S3ImportFiles(client(settings, "s3"), settings.readings_bucket),
        SqsRowQueue(client(settings, "sqs"), settings.reading_queue_url),
    )


def load_import_rows(settings: CommonSettings) -> LoadImportRows:
    """Each row message's reads recorded (functions/reading_worker)."""
    configure_table(settings)
    events = publish_events(settings)
    store = DynamoMetering()
    record = RecordReading(store, store, store, events, Recorder.system(time_zone(settings)))
    return LoadImportRows(store, record, DynamoImports())
