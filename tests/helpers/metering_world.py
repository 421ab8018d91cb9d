"""Meters and reads in memory: the metering services over the in-memory fakes, wired as the API
and the reading worker wire the DynamoDB adapters, with helpers to register properties."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from civiq.accounts.adapters.memory import InMemoryCustomers, InMemoryProperties, InMemoryStore
from civiq.accounts.domain.properties import MeterConfiguration, Property
from civiq.accounts.services.properties import RegisterProperty
from civiq.accounts.services.recording import Recorder
from civiq.core.events import Actor
from civiq.core.fakes import FixedClock, RecordingPublisher, SequentialIds
from civiq.core.publishing import PublishEvents
from civiq.event_catalog import checked_envelope
from civiq.metering.adapters.memory import (
    InMemoryImportFiles,
    InMemoryImports,
    InMemoryMetering,
    RecordingRowQueue,
)
from civiq.metering.domain.metering import InstalledMeter, Reading, ReadSource
from civiq.metering.domain.meters import MeterSize, MeterType
from civiq.metering.services.meters import (
    ExchangeCommand,
    ExchangeMeter,
    InstallCommand,
    InstallMeter,
    MeterSpec,
)
from civiq.metering.services.reading_imports import LoadImportRows, SplitImport, StartImport
from civiq.metering.services.readings import (
    ReadingCommand,
    RecordEstimate,
    RecordReading,
    ReviewReading,
)
from tests.helpers.builders import new_property

CLERK = Actor("clerk-1", "clerk")
INSTALLED = date(2024, 1, 1)


def spec(serial: str = "SN-1001", **changes: Any) -> MeterSpec:
    fields: dict[str, Any] = {
        "serial": serial,
        "size": MeterSize.MM15,
        "meter_type": MeterType.DISPLACEMENT,
        "register_digits": 6,
        "multiplier": Decimal(1),
    }
    fields.update(changes)
    return MeterSpec(**fields)


@dataclass
class World:
    clock: FixedClock = field(default_factory=FixedClock)
    store: InMemoryStore = field(default_factory=InMemoryStore)
    publisher: RecordingPublisher = field(default_factory=RecordingPublisher)
    imports: InMemoryImports = field(default_factory=InMemoryImports)
    files: InMemoryImportFiles = field(default_factory=InMemoryImportFiles)
    queue: RecordingRowQueue = field(default_factory=RecordingRowQueue)

    def __post_init__(self) -> None:
        self.recorder = Recorder(self.clock, SequentialIds())
        self.properties = InMemoryProperties(self.store)
        self.metering = InMemoryMetering(self.store)
        self.events = PublishEvents(self.store, self.publisher)
        m = self.metering
        self.install = InstallMeter(m, self.properties, m, self.recorder)
        self.exchange = ExchangeMeter(m, m, m, self.events, self.recorder)
        self.record = RecordReading(m, m, m, self.events, self.recorder)
        self.review = ReviewReading(m, m, m, self.recorder)
        self.estimate = RecordEstimate(m, m, m, self.recorder)
        self.start_import = StartImport(self.imports, self.files, self.recorder)
        self.split = SplitImport(self.imports, self.files, self.queue)
        self.load = LoadImportRows(m, self.record, self.imports)

    def property(
        self, units: tuple[str, ...] = (), meters: MeterConfiguration | None = None
    ) -> Property:
        register = RegisterProperty(
            self.properties, InMemoryCustomers(self.store), self.store, self.recorder
        )
        return register(new_property(units=units, meters=meters), CLERK, "corr-property")

    def meter(
        self,
        prop: Property | None = None,
        unit: str | None = None,
        serial: str = "SN-1001",
        installed_on: date = INSTALLED,
        first_value: Decimal | None = Decimal(0),
        **spec_changes: Any,
    ) -> InstalledMeter:
        prop = prop or self.property()
        command = InstallCommand(
            prop.property_id, unit, installed_on, spec(serial, **spec_changes), first_value
        )
        return self.install(command, CLERK, "corr-install")[0]

    def read(
        self,
        meter: InstalledMeter,
        on: str,
        value: str,
        source: ReadSource = ReadSource.MANUAL,
    ) -> Reading:
        command = ReadingCommand(meter.meter_id, date.fromisoformat(on), Decimal(value), source)
        return self.record(command, CLERK, "corr-read")[0]

    def exchange_command(
        self, meter: InstalledMeter, on: str, final: str, **changes: Any
    ) -> ExchangeCommand:
        fields: dict[str, Any] = {
            "meter_id": meter.meter_id,
            "exchanged_on": date.fromisoformat(on),
            "final_value": Decimal(final),
            "new_meter": spec("SN-2002"),
            "first_value": Decimal(0),
        }
        fields.update(changes)
        return ExchangeCommand(**fields)

    def published(self, event_type: str) -> list[dict[str, Any]]:
        """Payloads published of ``event_type``, each validated by its schema."""
        found = [e for e in self.publisher.published if e.event_type == event_type]
        for event in found:
            checked_envelope(event)
        return [e.detail for e in found]
