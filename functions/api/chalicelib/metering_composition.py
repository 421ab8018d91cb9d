"""The API's side of meters, readings and reading imports, built once per cold start.

Kept apart from :mod:`chalicelib.composition` (accounts, properties, customers), whose
repositories and settings it reuses. The metering items' models
(:mod:`civiq.adapters.dynamodb.metering`) are imported with this module, when app.py loads the
blueprints, so :func:`configure_models` (first request) configures them with the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

from chalicelib.composition import api
from civiq.accounts.services.recording import Recorder
from civiq.core.clock import SystemClock
from civiq.core.ids import UlidGenerator
from civiq.core.publishing import PublishEvents
from civiq.metering.adapters.dynamodb import DynamoImports, DynamoMetering
from civiq.metering.adapters.reading_files import S3ImportFiles
from civiq.metering.services.meters import ExchangeMeter, InstallMeter
from civiq.metering.services.reading_imports import StartImport
from civiq.metering.services.readings import RecordReading, ReviewReading
from civiq.platform import aws
from civiq.platform.dynamodb.outbox import DynamoOutbox
from civiq.platform.eventbridge import EventBridgePublisher


@dataclass(frozen=True)
class Metering:
    meters: DynamoMetering  # also the ReadingRepository
    install_meter: InstallMeter
    exchange_meter: ExchangeMeter
    record_reading: RecordReading
    review_reading: ReviewReading


@dataclass(frozen=True)
class ReadingImports:
    imports: DynamoImports
    start_import: StartImport


def _recorder() -> Recorder:
    return Recorder(SystemClock(), UlidGenerator(), ZoneInfo(api().settings.municipal_time_zone))


@cache
def metering() -> Metering:
    core = api()
    settings = core.settings
    events = PublishEvents(
        DynamoOutbox(),
        EventBridgePublisher(
            aws.client("events", settings.aws_region, settings.aws_endpoint_url),
            settings.event_bus_name,
        ),
    )
    recorder = _recorder()
    store = DynamoMetering()
    return Metering(
        meters=store,
        install_meter=InstallMeter(store, core.properties, store, recorder),
        exchange_meter=ExchangeMeter(store, store, store, events, recorder),
        record_reading=RecordReading(store, store, store, events, recorder),
        review_reading=ReviewReading(store, store, store, recorder),
    )


@cache
def reading_imports() -> ReadingImports:
    settings = api().settings
    if not settings.readings_bucket:
        raise RuntimeError("READINGS_BUCKET must be set")
    s3 = aws.client("s3", settings.aws_region, settings.aws_endpoint_url)
    imports = DynamoImports()
    return ReadingImports(
        imports=imports,
        start_import=StartImport(imports, S3ImportFiles(s3, settings.readings_bucket), _recorder()),
    )
