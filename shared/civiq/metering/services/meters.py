"""Install meters at properties, and exchange a meter for a new one mid-period.

A property metered per unit has one meter in service per unit; a property without units, or a
building on a shared meter, has one meter for the whole property (``unit`` None). An exchange is
one atomic change: the old meter's final read and removal, the new meter's installation and its
first read; billing adds the old meter's use up to its final read to the new meter's use from its
first read.

Serials are unique for good: a meter that comes back from the shop keeps its record. The same
installation or exchange sent again returns what the first one did (200) instead of a 409.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from civiq.accounts.domain.properties import MeterArrangement, Property
from civiq.accounts.ports import PropertyRepository
from civiq.accounts.services.moves import found, renamed
from civiq.accounts.services.recording import Recorder
from civiq.core.errors import Conflict, DomainError, InvalidInput, NotFound, field_prefix
from civiq.core.events import Actor
from civiq.core.publishing import PublishEvents
from civiq.metering.domain.metering import (
    InstalledMeter,
    Reading,
    ReadSource,
    ReadStatus,
    normalize_serial,
)
from civiq.metering.domain.meters import Meter, MeterOwner, MeterSize, MeterType
from civiq.metering.ports import MeteringChanges, MeterRepository, ReadingRepository
from civiq.metering.services.history import MeteringAudit
from civiq.metering.services.readings import (
    ReadingCommand,
    ReadingRules,
    flagged_announcements,
    same_read,
)


@dataclass(frozen=True)
class MeterSpec:
    """The physical meter: what its register and nameplate say."""

    serial: str
    size: MeterSize
    meter_type: MeterType
    register_digits: int = 6
    multiplier: Decimal = Decimal(1)
    owner: MeterOwner = MeterOwner.MUNICIPALITY

    def build(self, meter_id: str, installed_on: date) -> Meter:
        return Meter(
            meter_id=meter_id,
            serial=normalize_serial(self.serial),
            size=self.size,
            meter_type=self.meter_type,
            installed_on=installed_on,
            register_digits=self.register_digits,
            multiplier=self.multiplier,
            owner=self.owner,
        )

    def describes(self, meter: Meter) -> bool:
        return (
            normalize_serial(self.serial),
            self.size,
            self.meter_type,
            self.register_digits,
            self.multiplier,
            self.owner,
        ) == (
            meter.serial,
            meter.size,
            meter.meter_type,
            meter.register_digits,
            meter.multiplier,
            meter.owner,
        )


@dataclass(frozen=True)
class InstallCommand:
    property_id: str
    unit: str | None
    installed_on: date
    meter: MeterSpec
    first_value: Decimal | None = None  # the register at installation (a new meter: 0)


def check_slot(prop: Property, unit: str | None) -> None:
    """Where a meter may serve: a unit of a property metered per unit, or the whole property."""
    if prop.meters.arrangement is MeterArrangement.SHARED:
        if unit is not None:
            raise InvalidInput(
                "the property is on a shared meter that serves every unit; omit unit", "unit"
            )
        return
    prop.check_unit(unit)


def baseline(meter: InstalledMeter, value: Decimal, actor: Actor, recorder: Recorder) -> Reading:
    """The register at installation: what the meter's first consumption is measured from."""
    meter.meter.check_register(value)
    return Reading(
        meter_id=meter.meter_id,
        read_on=meter.meter.installed_on,
        value=value,
        source=ReadSource.MANUAL,
        status=ReadStatus.ACCEPTED,
        flags=(),
        volume=Decimal("0.000"),
        previous_read_on=None,
        recorded_by=actor.subject,
        recorded_at=recorder.clock.now(),
    )


def _existing(meters: MeterRepository, serial: str) -> InstalledMeter | None:
    try:
        return meters.get_by_serial(serial)
    except NotFound:
        return None


def _serial_taken(meter: InstalledMeter) -> Conflict:
    return Conflict(
        f"serial {meter.meter.serial} is meter {meter.meter_id}, installed at property"
        f" {meter.property_id} on {meter.meter.installed_on}",
        "meter.serial",
    )


@dataclass(frozen=True)
class InstallMeter:
    meters: MeterRepository
    properties: PropertyRepository
    changes: MeteringChanges
    recorder: Recorder

    def __call__(
        self, command: InstallCommand, actor: Actor, correlation_id: str
    ) -> tuple[InstalledMeter, bool]:
        """The meter, and True when this call installed it (False: the same installation)."""
        with field_prefix("meter"):
            serial = normalize_serial(command.meter.serial)
        prop = found(lambda: self.properties.get(command.property_id), "property_id")
        check_slot(prop, command.unit)
        if command.installed_on > self.recorder.today():
            raise InvalidInput("installed_on is in the future", "installed_on")
        again = self._same(serial, command)
        if again is not None:
            return again, False
        self._slot_free(prop.property_id, command.unit)
        with field_prefix("meter"):
            built = command.meter.build(self.recorder.ids.new_id(), command.installed_on)
        meter = InstalledMeter(
            meter=built,
            property_id=prop.property_id,
            unit=command.unit,
            installed_by=actor.subject,
        )
        audit = MeteringAudit(self.recorder, actor, correlation_id)
        audit.entry("MeterInstalled", None, meter)
        recorded = []
        if command.first_value is not None:
            with field_prefix("first_value", replace=True):
                first = baseline(meter, command.first_value, actor, self.recorder)
            audit.entry("ReadingRecorded", None, first)
            recorded.append(first)
        try:
            self.changes.commit(audit.change(installed=[meter], recorded=recorded))
        except Conflict as conflict:  # the same installation, sent twice at the same moment
            again = self._same(serial, command) if conflict.field == "serial" else None
            if again is None:
                raise renamed(conflict, _install_field(conflict.field)) from None
            return again, False
        return meter, True

    def _same(self, serial: str, command: InstallCommand) -> InstalledMeter | None:
        existing = _existing(self.meters, serial)
        if existing is None:
            return None
        if (
            existing.property_id == command.property_id
            and existing.unit == command.unit
            and existing.meter.installed_on == command.installed_on
            and command.meter.describes(existing.meter)
        ):
            return existing
        raise _serial_taken(existing)

    def _slot_free(self, property_id: str, unit: str | None) -> None:
        for other in self.meters.at_property(property_id):
            if other.unit == unit and other.meter.removed_on is None:
                where = f"unit {unit}" if unit is not None else "the property"
                raise Conflict(
                    f"{where} has meter {other.meter.serial} in service; exchange it instead",
                    "unit",
                )


@dataclass(frozen=True)
class ExchangeCommand:
    meter_id: str  # the meter taken out
    exchanged_on: date
    final_value: Decimal  # the old meter's register when it came out
    new_meter: MeterSpec
    first_value: Decimal = Decimal(0)  # the new meter's register when it went in


@dataclass(frozen=True)
class Exchange:
    removed: InstalledMeter
    installed: InstalledMeter
    final_read: Reading
    first_read: Reading


@dataclass(frozen=True)
class ExchangeMeter:
    meters: MeterRepository
    readings: ReadingRepository
    changes: MeteringChanges
    events: PublishEvents
    recorder: Recorder

    def __call__(
        self, command: ExchangeCommand, actor: Actor, correlation_id: str
    ) -> tuple[Exchange, bool]:
        """The exchange, and True when this call made it (False: the same exchange again)."""
        with field_prefix("new_meter"):
            serial = normalize_serial(command.new_meter.serial)
        old = self.meters.get(command.meter_id)
        again = self._same(old, serial, command)
        if again is not None:
            return again, False
        if command.exchanged_on > self.recorder.today():
            raise InvalidInput("exchanged_on is in the future", "exchanged_on")
        removed = old.removed(command.exchanged_on)
        audit = MeteringAudit(self.recorder, actor, correlation_id)
        audit.entry("MeterRemoved", old, removed)
        final, recorded = self._final_read(old, command, actor, audit)
        with field_prefix("new_meter"):
            built = command.new_meter.build(self.recorder.ids.new_id(), command.exchanged_on)
        new = InstalledMeter(
            meter=built,
            property_id=old.property_id,
            unit=old.unit,
            installed_by=actor.subject,
        )
        audit.entry("MeterInstalled", None, new)
        with field_prefix("first_value", replace=True):
            first = baseline(new, command.first_value, actor, self.recorder)
        audit.entry("ReadingRecorded", None, first)
        change = audit.change(
            installed=[new], revised=[(old, removed)], recorded=[*recorded, first]
        )
        try:
            self.changes.commit(change)
        except Conflict as conflict:  # the same exchange, sent twice at the same moment
            again = self._same(self.meters.get(old.meter_id), serial, command)
            if again is None:
                raise renamed(conflict, _exchange_field(conflict.field)) from None
            return again, False
        self.events.after_commit(change.events)
        return Exchange(removed, new, final, first), True

    def _final_read(
        self, old: InstalledMeter, command: ExchangeCommand, actor: Actor, audit: MeteringAudit
    ) -> tuple[Reading, list[Reading]]:
        """The old meter's final read, and what to record of it (nothing when it was recorded
        before with the same value)."""
        stored = self.readings.find(old.meter_id, command.exchanged_on)
        if stored is not None:
            try:
                return same_read(stored, command.final_value), []
            except DomainError as error:
                raise renamed(error, _exchange_field(error.field)) from None
        rules = ReadingRules(self.readings, self.recorder)
        reading_command = ReadingCommand(old.meter_id, command.exchanged_on, command.final_value)
        try:
            final, measured = rules.actual(old, reading_command, actor)
        except DomainError as error:
            raise renamed(error, _exchange_field(error.field)) from None
        audit.entry("ReadingRecorded", None, final, flagged_announcements(old, final, measured))
        return final, [final]

    def _same(self, old: InstalledMeter, serial: str, command: ExchangeCommand) -> Exchange | None:
        """The exchange already made by this same command, if it was."""
        new = _existing(self.meters, serial)
        if new is None:
            return None
        if not (
            old.meter.removed_on == command.exchanged_on
            and new.property_id == old.property_id
            and new.unit == old.unit
            and new.meter.installed_on == command.exchanged_on
            and command.new_meter.describes(new.meter)
        ):
            raise renamed(_serial_taken(new), "new_meter.serial")
        final = self.readings.find(old.meter_id, command.exchanged_on)
        first = self.readings.find(new.meter_id, command.exchanged_on)
        if final is None or first is None:
            raise AssertionError("an exchange is written with both its reads")
        return Exchange(old, new, final, first)


def _install_field(name: str | None) -> str:
    """The request's name of a field the meter adapter or domain named."""
    return "meter.serial" if name == "serial" else name or "meter"


def _exchange_field(name: str | None) -> str:
    renames = {"serial": "new_meter.serial", "read_on": "exchanged_on", "value": "final_value"}
    return renames.get(name or "", name or "new_meter")
