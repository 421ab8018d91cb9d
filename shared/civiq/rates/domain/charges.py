"""What rating produces: itemized charge lines that carry their own arithmetic.

Every line says how its amount was reached, ``quantity x unit_price x days / basis_days``, so a
statement (and a clerk, and a resident) can show why a bill is what it is. Amounts are rounded
to cents once per line (:meth:`civiq.core.money.Money.rounded`); every total is a sum of
rounded lines, so a statement always adds up on paper. Under a :class:`Rounding` policy per
charge type or per bill, the total is rounded once from the lines' exact amounts and a line of
kind ``rounding`` carries the difference from the sum of the rounded lines.
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


class Rounding(StrEnum):
    """Where a version rounds to the cent: each line (the default), each charge type's total,
    or the bill's total (the difference from the rounded lines on a ``rounding`` line)."""

    LINE = "line"
    CHARGE_TYPE = "charge-type"
    BILL = "bill"


@dataclass(frozen=True, slots=True)
class ChargeCategory:
    """A charge type a rate schedule defines within a built-in one (Ottawa's fire protection
    charge within water): printed under its own heading, in each language, and totalled on its
    own. ``gl_code`` is the revenue account it posts to; a ``pass_through`` charge is collected
    for another body (a right-of-way charge)."""

    code: str
    name_en: str
    name_fr: str
    gl_code: str | None = None
    pass_through: bool = False


class Unit(StrEnum):
    CUBIC_METRE = "m3"
    DAY = "day"
    BILL = "bill"


@dataclass(frozen=True, slots=True)
class ChargeLine:
    """One itemized charge.

    ``kind`` names the rate component that produced it (``fixed``, ``block``, ``volumetric``,
    ``sewer-percent``, ``sewer-volumetric``, ``sewer-volume-percent``, ``stormwater``, ``waste``,
    ``minimum``, ``minimum-bill``): statements look up its wording as ``charge.<kind>`` in each
    language. ``tier`` numbers blocks from 1 (inclining or declining); ``season`` names a
    seasonal rate's season. When ``basis_days`` is set, the amount is ``quantity x unit_price x
    days / basis_days`` (an annual charge prorated per day); else it is ``quantity x
    unit_price``. ``category`` is the schedule's own charge type the line is
    printed and totalled under (None: its built-in ``charge_type``); ``amount_after_due`` is the
    line's amount when paid after the due date, when that differs. With ``percent``, only that
    percent of the quantity is charged (sewer on 90% of the water volume): the amount is
    ``quantity x percent / 100 x unit_price``. ``included_volume`` is the m3 a fixed charge
    includes for its days (the consumption lines bill the volume above it).
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
    category: ChargeCategory | None = None
    amount_after_due: Decimal | None = None
    percent: Decimal | None = None
    included_volume: Decimal | None = None

    @property
    def exact_amount(self) -> Decimal:
        """The amount before rounding: what the line's own arithmetic gives."""
        quantity = self.quantity
        if self.percent is not None:
            quantity = quantity * self.percent / 100
        if self.days is None or self.basis_days is None:
            return quantity * self.unit_price
        return quantity * self.unit_price * self.days / self.basis_days

    @property
    def late_amount(self) -> Decimal:
        """The amount when paid after the due date."""
        return self.amount if self.amount_after_due is None else self.amount_after_due


@dataclass(frozen=True, slots=True)
class TaxLine:
    """Tax on the lines of one charge type (or of one of a schedule's own, ``category``):
    ``amount = base x rate``, rounded; ``amount_after_due`` when paid late, when it differs."""

    charge_type: ChargeType
    name: str  # "HST"
    rate: Decimal  # 0.13
    base: Decimal
    amount: Decimal
    category: ChargeCategory | None = None
    amount_after_due: Decimal | None = None


@dataclass(frozen=True, slots=True)
class RatedBill:
    """The charges for one account and one period (``start`` exclusive, ``end`` inclusive, as
    between two reads). ``total_after_due`` is set when the schedule has a higher rate for
    payment after the due date: what the same bill costs then. ``rounding`` is the policy its
    amounts were rounded by."""

    period_start: date
    period_end: date
    lines: Sequence[ChargeLine]
    taxes: Sequence[TaxLine]
    total_after_due: Decimal | None = None
    rounding: Rounding = Rounding.LINE

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
