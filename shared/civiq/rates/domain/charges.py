"""What rating produces: itemized charge lines that carry their own arithmetic.

Every line says how its amount was reached, ``quantity x unit_price x days / basis_days``, so a
statement (and a clerk, and a resident) can show why a bill is what it is. Amounts are rounded
to cents once per line (:meth:`civiq.core.money.Money.rounded`); every total is a sum of
rounded lines, so a statement always adds up on paper.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from civiq.core.dates import period_first_day


class ChargeType(StrEnum):
    """What a charge is for; taxes are configured per charge type."""

    WATER = "water"
    SEWER = "sewer"
    STORMWATER = "stormwater"
    WASTE = "waste"
    MISCELLANEOUS = "miscellaneous"


class Unit(StrEnum):
    CUBIC_METRE = "m3"
    DAY = "day"
    BILL = "bill"


@dataclass(frozen=True, slots=True)
class ChargeLine:
    """One itemized charge.

    ``kind`` names the rate component that produced it (``fixed``, ``block``, ``volumetric``,
    ``sewer-percent``, ``sewer-volumetric``, ``stormwater``, ``waste``, ``minimum``): statements
    look up its wording as ``charge.<kind>`` in each language. ``tier`` numbers inclining blocks
    from 1; ``season`` names a seasonal rate's season. When ``basis_days`` is set, the amount is
    ``quantity x unit_price x days / basis_days`` (an annual charge prorated per day); else it
    is ``quantity x unit_price``.
    """

    charge_type: ChargeType
    kind: str
    quantity: Decimal
    unit: Unit
    unit_price: Decimal
    amount: Decimal
    rate_effective_from: date
    days: int | None = None
    basis_days: int | None = None
    tier: int | None = None
    season: str | None = None
    detail: str | None = None  # a size, a property type or a cart size the price was chosen by


@dataclass(frozen=True, slots=True)
class TaxLine:
    """Tax on the lines of one charge type: ``amount = base x rate``, rounded."""

    charge_type: ChargeType
    name: str  # "HST"
    rate: Decimal  # 0.13
    base: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class RatedBill:
    """The charges for one account and one period (``start`` exclusive, ``end`` inclusive, as
    between two reads). ``total_after_due`` is set when the schedule has a higher rate for
    payment after the due date: what the same bill costs then."""

    period_start: date
    period_end: date
    lines: Sequence[ChargeLine]
    taxes: Sequence[TaxLine]
    total_after_due: Decimal | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(self.lines))
        object.__setattr__(self, "taxes", tuple(self.taxes))

    @property
    def first_day(self) -> date:
        """The first day the bill covers: what every view of its period shows."""
        return period_first_day(self.period_start)

    @property
    def days(self) -> int:
        return (self.period_end - self.period_start).days

    @property
    def subtotal(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))

    @property
    def tax_total(self) -> Decimal:
        return sum((tax.amount for tax in self.taxes), Decimal(0))

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tax_total
