"""Meters installed at properties, and the reads recorded against them.

A meter serves one unit of a property metered per unit, or the whole property (``unit`` None):
a property without units, or a building whose one meter is shared by its units' accounts.

A read's ``volume`` is the consumption since the meter's previous *actual* read
(``previous_read_on``), so the first actual read after an estimate measures the whole stretch
since the last actual read. Billing bills an estimate's volume once, then trues it up:
:func:`trued_up_volume` is what the actual read adds on top of the estimates already billed
(negative: a credit).

Reads that staff must look at before they bill (BACKWARDS, HIGH, LOW) wait in ``pending-review``;
ZERO and ROLLOVER reads bill as they are (the flag stays visible). A zero read on a meter whose
history shows use is LOW, so it waits for review anyway.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import TypeAlias

from civiq.core.errors import Conflict, InvalidInput
from civiq.metering.domain.meters import VOLUME_PLACES, Meter, ReadFlag, consumption
from civiq.metering.domain.readings import EstimateBasis, Period, UseFlag, judge, usual_daily_use

SERIAL = re.compile(r"[A-Z0-9][A-Z0-9\-]{0,39}")
REVIEW_FLAGS = frozenset({ReadFlag.BACKWARDS, UseFlag.HIGH, UseFlag.LOW})
Flag: TypeAlias = ReadFlag | UseFlag


def normalize_serial(typed: str, field: str = "serial") -> str:
    """Serials as printed on the register: letters, digits and dashes, compared in upper case."""
    serial = typed.strip().upper()
    if not SERIAL.fullmatch(serial):
        raise InvalidInput("serial must be 1 to 40 letters, digits or dashes", field)
    return serial


def flag_of(value: str) -> Flag:
    try:
        return ReadFlag(value)
    except ValueError:
        return UseFlag(value)


@dataclass(frozen=True, slots=True)
class InstalledMeter:
    """A meter and where it is installed: ``unit`` None serves the whole property."""

    meter: Meter
    property_id: str
    unit: str | None
    installed_by: str
    version: int = 1

    @property
    def meter_id(self) -> str:
        return self.meter.meter_id

    @property
    def slot(self) -> str:
        """What the meter measures at its property: one meter in service per slot."""
        return self.unit if self.unit is not None else "*"

    def removed(self, on: date) -> InstalledMeter:
        if self.meter.removed_on is not None:
            raise Conflict(f"the meter was removed on {self.meter.removed_on}", "id")
        if on <= self.meter.installed_on:
            raise InvalidInput(
                f"the meter was installed on {self.meter.installed_on}; exchange it after that",
                "exchanged_on",
            )
        return replace(self, meter=replace(self.meter, removed_on=on), version=self.version + 1)


class ReadSource(StrEnum):
    MANUAL = "manual"  # keyed in by staff
    HANDHELD = "handheld"  # a meter reader's handheld file
    AMI = "ami"  # the advanced metering infrastructure's export
    ESTIMATE = "estimate"  # no read: estimated from the meter's history


class ReadStatus(StrEnum):
    ACCEPTED = "accepted"  # bills
    PENDING_REVIEW = "pending-review"  # flagged: waits for staff before it bills
    REJECTED = "rejected"  # staff rejected it: never bills, never a baseline


class ReviewDecision(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"


@dataclass(frozen=True, slots=True)
class Reading:
    """One read of a meter on a date (the meter's read per date is unique).

    ``value`` is the register; ``volume`` the cubic metres (after the multiplier) since the
    previous actual read on ``previous_read_on`` (None: the meter's first read, volume 0). An
    estimate's volume covers the stretch since the previous read of any kind.
    """

    meter_id: str
    read_on: date
    value: Decimal
    source: ReadSource
    status: ReadStatus
    flags: tuple[Flag, ...]
    volume: Decimal
    previous_read_on: date | None
    recorded_by: str
    recorded_at: datetime
    read_at: datetime | None = None  # when the reader or AMI took it, if known
    estimate_basis: EstimateBasis | None = None
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    review_note: str | None = None
    original_value: Decimal | None = None  # the value read, when a review corrected it
    version: int = 1

    @property
    def estimated(self) -> bool:
        return self.source is ReadSource.ESTIMATE

    @property
    def actual(self) -> bool:
        """An actual read that still counts (a baseline for the next read)."""
        return not self.estimated and self.status is not ReadStatus.REJECTED

    @property
    def counts(self) -> bool:
        return self.status is not ReadStatus.REJECTED

    @property
    def billable(self) -> bool:
        return self.status is ReadStatus.ACCEPTED

    def period(self) -> Period | None:
        """The consumption this read measured, when it can judge later reads."""
        if (
            self.previous_read_on is None
            or not self.billable
            or self.estimated
            or ReadFlag.BACKWARDS in self.flags
        ):
            return None
        return Period(self.previous_read_on, self.read_on, self.volume)

    def reviewed(
        self,
        decision: ReviewDecision,
        by: str,
        at: datetime,
        note: str | None,
        corrected: Reading | None = None,
    ) -> Reading:
        """Accepted (as read, or as ``corrected``: this read with another value, measured again)
        or rejected by ``by``."""
        if self.status is not ReadStatus.PENDING_REVIEW:
            raise Conflict(f"the read is {self.status.value}, not waiting for review", "status")
        base = corrected if corrected is not None else self
        status = ReadStatus.ACCEPTED if decision is ReviewDecision.ACCEPT else ReadStatus.REJECTED
        return replace(
            base,
            status=status,
            reviewed_by=by,
            reviewed_at=at,
            review_note=note,
            original_value=self.value if base.value != self.value else None,
            version=self.version + 1,
        )


@dataclass(frozen=True, slots=True)
class Measured:
    """What a new actual read measures against the meter's reads before it."""

    volume: Decimal
    flags: tuple[Flag, ...]
    previous: Reading | None
    usual_daily: Decimal | None

    @property
    def status(self) -> ReadStatus:
        if REVIEW_FLAGS & set(self.flags):
            return ReadStatus.PENDING_REVIEW
        return ReadStatus.ACCEPTED

    def daily(self, read_on: date) -> Decimal | None:
        if self.previous is None:
            return None
        return self.volume / (read_on - self.previous.read_on).days


def history_of(readings: Sequence[Reading]) -> list[Period]:
    """The periods of accepted actual reads: what high/low and estimates are judged against."""
    return [p for p in (r.period() for r in readings) if p is not None]


def measure(
    meter: Meter, value: Decimal, read_on: date, previous: Reading | None, history: Sequence[Period]
) -> Measured:
    """Volume and flags of an actual read of ``value`` after the ``previous`` actual read."""
    meter.check_register(value)
    if previous is None:
        return Measured(Decimal(0).quantize(VOLUME_PLACES), (), None, None)
    used = consumption(meter, previous.value, value)
    flags: set[Flag] = set(used.flags)
    usual = usual_daily_use(history)
    if ReadFlag.BACKWARDS not in flags:
        use = judge(Period(previous.read_on, read_on, used.volume), history)
        if use is not None:
            flags.add(use)
    return Measured(used.volume, tuple(sorted(flags)), previous, usual)


def estimated_value(meter: Meter, previous: Reading, volume: Decimal) -> Decimal:
    """The register an estimated ``volume`` after ``previous`` would show (wrapping past zero)."""
    advanced = previous.value + volume / meter.multiplier
    return (advanced % meter.register_span).quantize(VOLUME_PLACES, ROUND_HALF_UP)


def estimates_trued_up_by(actual: Reading, readings: Sequence[Reading]) -> list[Reading]:
    """The counting estimates between ``actual`` and the actual read it is measured from."""
    start = actual.previous_read_on
    return [
        r
        for r in readings
        if r.estimated
        and r.counts
        and r.meter_id == actual.meter_id
        and (start is None or r.read_on > start)
        and r.read_on < actual.read_on
    ]


def trued_up_volume(actual: Reading, readings: Sequence[Reading]) -> Decimal:
    """What ``actual`` bills once the estimates before it were billed: its volume less theirs."""
    if actual.estimated:
        return actual.volume
    billed = sum((e.volume for e in estimates_trued_up_by(actual, readings)), Decimal(0))
    return actual.volume - billed
