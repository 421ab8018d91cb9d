"""Water meters and the consumption between two reads.

A meter's register shows cubic metres on ``register_digits`` wheels and rolls over to zero after
``10**register_digits - 1``. Consumption is the difference of two register values times the
meter's ``multiplier`` (large meters register in tens of cubic metres). A lower second read is a
rollover only when the register could plausibly have wrapped (the wheels passed zero by less
than ``ROLLOVER_PLAUSIBLE`` of the register); otherwise it is a backwards read, flagged for
review, never billed as a huge consumption.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from civiq.core.errors import InvalidInput

VOLUME_PLACES = Decimal("0.001")  # cubic metres, to the litre
ROLLOVER_PLAUSIBLE = Decimal("0.1")  # a wrap uses at most a tenth of the register


class MeterSize(StrEnum):
    """Nominal sizes Canadian municipalities publish fixed charges by."""

    MM15 = "15mm"
    MM16 = "16mm"
    MM20 = "20mm"
    MM25 = "25mm"
    MM40 = "40mm"
    MM50 = "50mm"
    MM75 = "75mm"
    MM100 = "100mm"
    MM150 = "150mm"


class MeterType(StrEnum):
    DISPLACEMENT = "displacement"
    COMPOUND = "compound"
    TURBINE = "turbine"
    ELECTROMAGNETIC = "electromagnetic"


class MeterOwner(StrEnum):
    """Who owns the meter: some bylaws price the daily basic charge by it."""

    MUNICIPALITY = "municipality"
    CUSTOMER = "customer"


class ReadFlag(StrEnum):
    ROLLOVER = "rollover"  # the register wrapped past zero: billed normally
    BACKWARDS = "backwards"  # lower than the previous read and not a wrap: staff review
    ZERO = "zero"  # no consumption: staff may want to check the meter


@dataclass(frozen=True, slots=True)
class Meter:
    meter_id: str
    serial: str
    size: MeterSize
    meter_type: MeterType
    installed_on: date
    register_digits: int = 6
    multiplier: Decimal = Decimal(1)
    removed_on: date | None = None
    owner: MeterOwner = MeterOwner.MUNICIPALITY

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "owner", MeterOwner(self.owner))
        except ValueError as exc:
            allowed = ", ".join(owner.value for owner in MeterOwner)
            raise InvalidInput(f"owner is one of {allowed}", "owner") from exc
        if not self.serial.strip():
            raise InvalidInput("serial is required", "serial")
        if not 3 <= self.register_digits <= 9:
            raise InvalidInput("register_digits must be from 3 to 9", "register_digits")
        if self.multiplier <= 0:
            raise InvalidInput("multiplier must be above zero", "multiplier")
        if self.removed_on is not None and self.removed_on < self.installed_on:
            raise InvalidInput("removed_on is before installed_on", "removed_on")

    @property
    def register_span(self) -> Decimal:
        """How many register units the wheels count before they read zero again."""
        return Decimal(10) ** self.register_digits

    def check_register(self, value: Decimal, field: str = "value") -> None:
        if value < 0 or value >= self.register_span:
            raise InvalidInput(
                f"a {self.register_digits}-digit register reads from 0 to {self.register_span - 1}",
                field,
            )

    def in_service_on(self, day: date) -> bool:
        return self.installed_on <= day and (self.removed_on is None or day <= self.removed_on)


@dataclass(frozen=True, slots=True)
class Consumption:
    """Cubic metres used between two reads, and what staff should know about them."""

    volume: Decimal
    flags: frozenset[ReadFlag] = frozenset()

    @property
    def needs_review(self) -> bool:
        return ReadFlag.BACKWARDS in self.flags


def consumption(meter: Meter, previous: Decimal, current: Decimal) -> Consumption:
    """Consumption between two register values of one meter.

    A backwards read yields zero volume and the BACKWARDS flag: the read waits for review
    instead of billing anything.
    """
    meter.check_register(previous, "previous")
    meter.check_register(current, "value")
    if current >= previous:
        used = current - previous
        flags = frozenset({ReadFlag.ZERO}) if used == 0 else frozenset()
    elif previous - current > meter.register_span * (1 - ROLLOVER_PLAUSIBLE):
        used = meter.register_span - previous + current
        flags = frozenset({ReadFlag.ROLLOVER})
    else:
        return Consumption(Decimal(0), frozenset({ReadFlag.BACKWARDS}))
    return Consumption((used * meter.multiplier).quantize(VOLUME_PLACES), flags)
