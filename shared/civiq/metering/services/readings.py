"""Record meter reads (staff, handheld and AMI files), review flagged ones, and estimate.

Every read is written once per meter and date (a conditional put): the same read again is a
no-op that returns the stored read, a different value for that date is a Conflict naming
``value``. Reads are recorded in date order per meter: a read dated before the meter's latest
read is refused (409 on ``read_on``), since the later read's volume was measured without it.

Reviews: accepting a flagged read as read is always possible; correcting its value or rejecting
it changes what the next read is measured from, so it is possible only while no later read
exists (review flagged reads before recording later ones, or reject the later ones first).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from civiq.accounts.services.recording import Recorder
from civiq.core.errors import Conflict, InvalidInput, NotFound
from civiq.core.events import Actor
from civiq.core.publishing import PublishEvents
from civiq.metering.domain.metering import (
    InstalledMeter,
    Measured,
    Reading,
    ReadSource,
    ReadStatus,
    ReviewDecision,
    estimated_value,
    history_of,
    measure,
)
from civiq.metering.domain.meters import VOLUME_PLACES
from civiq.metering.domain.readings import UseFlag, estimate
from civiq.metering.ports import MeteringChanges, MeterRepository, ReadingRepository
from civiq.metering.services.history import Announcement, MeteringAudit

HISTORY_DAYS = 730  # two years of reads: enough for "same period last year" and a median


@dataclass(frozen=True)
class ReadingCommand:
    meter_id: str
    read_on: date
    value: Decimal
    source: ReadSource = ReadSource.MANUAL
    read_at: datetime | None = None


def same_read(stored: Reading, value: Decimal) -> Reading:
    """The stored read when ``value`` is what it was read as; else a Conflict on ``value``."""
    if stored.estimated:
        raise Conflict(
            f"an estimate is recorded for {stored.read_on}; the next actual read trues it up",
            "read_on",
        )
    if value not in (stored.value, stored.original_value):
        raise Conflict(
            f"the meter has a read of {stored.value} on {stored.read_on} ({stored.status.value})",
            "value",
        )
    return stored


def flagged_announcements(
    meter: InstalledMeter, reading: Reading, measured: Measured
) -> list[Announcement]:
    """ReadingFlagged when the read waits for review; HighConsumptionDetected when it is HIGH."""
    found: list[Announcement] = []
    if reading.status is ReadStatus.PENDING_REVIEW:
        found.append(
            (
                "ReadingFlagged",
                {
                    "meter_id": meter.meter_id,
                    "serial": meter.meter.serial,
                    "property_id": meter.property_id,
                    "unit": meter.unit,
                    "read_on": reading.read_on.isoformat(),
                    "value": str(reading.value),
                    "volume": str(reading.volume),
                    "flags": [f.value for f in reading.flags],
                    "source": reading.source.value,
                },
            )
        )
    daily = measured.daily(reading.read_on)
    if UseFlag.HIGH in reading.flags and daily is not None and measured.usual_daily is not None:
        assert reading.previous_read_on is not None
        found.append(
            (
                "HighConsumptionDetected",
                {
                    "property_id": meter.property_id,
                    "unit": meter.unit,
                    "meter_id": meter.meter_id,
                    "read_on": reading.read_on.isoformat(),
                    "previous_read_on": reading.previous_read_on.isoformat(),
                    "volume": str(reading.volume),
                    "daily_use": str(daily.quantize(VOLUME_PLACES)),
                    "usual_daily_use": str(measured.usual_daily.quantize(VOLUME_PLACES)),
                },
            )
        )
    return found


@dataclass(frozen=True)
class ReadingRules:
    """What a new read of a meter on a date is checked and measured against."""

    readings: ReadingRepository
    recorder: Recorder

    def check_date(self, meter: InstalledMeter, read_on: date, field: str = "read_on") -> None:
        today = self.recorder.today()
        if read_on > today:
            raise InvalidInput(f"{field} is in the future (today is {today})", field)
        installed, removed = meter.meter.installed_on, meter.meter.removed_on
        if read_on < installed:
            raise InvalidInput(f"{field} is before the meter was installed ({installed})", field)
        if removed is not None and read_on > removed:
            raise InvalidInput(f"{field} is after the meter was removed ({removed})", field)

    def before(self, meter_id: str, read_on: date) -> list[Reading]:
        """The meter's recent reads before ``read_on``; Conflict when a later read counts."""
        recent = self.readings.of_meter(meter_id, after=read_on - timedelta(days=HISTORY_DAYS))
        later = [r for r in recent if r.read_on > read_on and r.counts]
        if later:
            raise Conflict(
                f"the meter has a later read ({later[-1].read_on});"
                " reads are recorded in date order",
                "read_on",
            )
        return [r for r in recent if r.read_on < read_on]

    def previous_actual(
        self, meter_id: str, read_on: date, before: list[Reading]
    ) -> Reading | None:
        actual = [r for r in before if r.actual]
        if actual:
            return actual[-1]
        return self.readings.latest_actual_before(meter_id, read_on)

    def measured(self, meter: InstalledMeter, read_on: date, value: Decimal) -> Measured:
        if value != value.quantize(VOLUME_PLACES):
            raise InvalidInput("value has more than 3 decimal places", "value")
        before = self.before(meter.meter_id, read_on)
        previous = self.previous_actual(meter.meter_id, read_on, before)
        return measure(meter.meter, value, read_on, previous, history_of(before))

    def actual(
        self, meter: InstalledMeter, command: ReadingCommand, actor: Actor
    ) -> tuple[Reading, Measured]:
        """A new actual read, checked and measured (not written)."""
        if command.source is ReadSource.ESTIMATE:
            raise InvalidInput("estimates are made by the estimate service", "source")
        self.check_date(meter, command.read_on)
        if command.read_at is not None and command.read_at.date() != command.read_on:
            raise InvalidInput("read_at is not on read_on", "read_at")
        meter.meter.check_register(command.value)
        measured = self.measured(meter, command.read_on, command.value)
        reading = Reading(
            meter_id=meter.meter_id,
            read_on=command.read_on,
            value=command.value,
            source=command.source,
            status=measured.status,
            flags=measured.flags,
            volume=measured.volume,
            previous_read_on=measured.previous.read_on if measured.previous else None,
            recorded_by=actor.subject,
            recorded_at=self.recorder.clock.now(),
            read_at=command.read_at,
        )
        return reading, measured


@dataclass(frozen=True)
class RecordReading:
    meters: MeterRepository
    readings: ReadingRepository
    changes: MeteringChanges
    events: PublishEvents
    recorder: Recorder

    def __call__(
        self, command: ReadingCommand, actor: Actor, correlation_id: str
    ) -> tuple[Reading, bool]:
        """The read, and True when this call recorded it (False: it was recorded before)."""
        meter = self.meters.get(command.meter_id)
        stored = self.readings.find(meter.meter_id, command.read_on)
        if stored is not None:
            return same_read(stored, command.value), False
        rules = ReadingRules(self.readings, self.recorder)
        reading, measured = rules.actual(meter, command, actor)
        audit = MeteringAudit(self.recorder, actor, correlation_id)
        audit.entry(
            "ReadingRecorded", None, reading, flagged_announcements(meter, reading, measured)
        )
        change = audit.change(recorded=[reading])
        try:
            self.changes.commit(change)
        except Conflict as taken:  # the same read, recorded at the same moment
            stored = self.readings.find(meter.meter_id, command.read_on)
            if taken.field != "read_on" or stored is None:
                raise
            return same_read(stored, command.value), False
        self.events.after_commit(change.events)
        return reading, True


@dataclass(frozen=True)
class ReviewReading:
    """Staff accept a flagged read (as read, or with a corrected value) or reject it."""

    meters: MeterRepository
    readings: ReadingRepository
    changes: MeteringChanges
    recorder: Recorder

    def __call__(
        self,
        meter_id: str,
        read_on: date,
        decision: ReviewDecision,
        corrected_value: Decimal | None,
        note: str | None,
        actor: Actor,
        correlation_id: str,
    ) -> Reading:
        meter = self.meters.get(meter_id)
        before = self.readings.find(meter_id, read_on)
        if before is None:
            raise NotFound(f"the meter has no read on {read_on}", "read_on")
        if before.status is not ReadStatus.PENDING_REVIEW:
            raise Conflict(f"the read is {before.status.value}, not waiting for review", "status")
        if decision is ReviewDecision.REJECT and corrected_value is not None:
            raise InvalidInput("a rejected read takes no corrected value", "value")
        corrected = corrected_value is not None and corrected_value != before.value
        rules = ReadingRules(self.readings, self.recorder)
        if decision is ReviewDecision.REJECT or corrected:
            later = [r for r in self.readings.of_meter(meter_id, after=read_on) if r.counts]
            if later:
                raise Conflict(
                    f"the later read of {later[0].read_on} is measured from this one;"
                    " accept it as read, or review the later reads first",
                    "read_on",
                )
        revised = None
        if corrected and corrected_value is not None:
            meter.meter.check_register(corrected_value)
            measured = rules.measured(meter, read_on, corrected_value)
            revised = replace(
                before,
                value=corrected_value,
                volume=measured.volume,
                flags=measured.flags,
                previous_read_on=measured.previous.read_on if measured.previous else None,
            )
        after = before.reviewed(decision, actor.subject, self.recorder.clock.now(), note, revised)
        audit = MeteringAudit(self.recorder, actor, correlation_id)
        audit.entry("ReadingReviewed", before, after)
        self.changes.commit(audit.change(reviewed=[(before, after)]))
        return after


@dataclass(frozen=True)
class RecordEstimate:
    """Estimate a meter's read for a date from its own history, once (idempotent on meter and
    date: when a read, actual or estimated, exists for the date, that read is returned)."""

    meters: MeterRepository
    readings: ReadingRepository
    changes: MeteringChanges
    recorder: Recorder

    def __call__(self, meter_id: str, read_on: date, actor: Actor, correlation_id: str) -> Reading:
        stored = self.readings.find(meter_id, read_on)
        if stored is not None:
            return stored
        reading = self.unrecorded(meter_id, read_on, actor)
        audit = MeteringAudit(self.recorder, actor, correlation_id)
        audit.entry("ReadingEstimated", None, reading)
        try:
            self.changes.commit(audit.change(recorded=[reading]))
        except Conflict as taken:
            stored = self.readings.find(meter_id, read_on)
            if taken.field != "read_on" or stored is None:
                raise
            return stored
        return reading

    def unrecorded(self, meter_id: str, read_on: date, actor: Actor) -> Reading:
        """The estimate this would record for ``read_on``, not recorded (a bill preview's)."""
        meter = self.meters.get(meter_id)
        rules = ReadingRules(self.readings, self.recorder)
        rules.check_date(meter, read_on)
        before = rules.before(meter_id, read_on)
        counting = [r for r in before if r.counts]
        previous = (
            counting[-1] if counting else self.readings.latest_actual_before(meter_id, read_on)
        )
        if previous is None:
            raise Conflict("the meter has no read to estimate from", "meter_id")
        found = estimate(previous.read_on, read_on, history_of(before))
        if found is None:
            raise Conflict("the meter has no history to estimate from", "meter_id")
        reading = Reading(
            meter_id=meter_id,
            read_on=read_on,
            value=estimated_value(meter.meter, previous, found.volume),
            source=ReadSource.ESTIMATE,
            status=ReadStatus.ACCEPTED,
            flags=(),
            volume=found.volume,
            previous_read_on=previous.read_on,
            recorded_by=actor.subject,
            recorded_at=self.recorder.clock.now(),
            estimate_basis=found.basis,
        )
        return reading
