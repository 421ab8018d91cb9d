"""Rate schedules as data: what a municipality's water, sewer, stormwater and waste bylaw charges.

A :class:`RateSchedule` is a list of :class:`RateVersion` s, each in effect from
``effective_from`` to ``effective_to`` (both inclusive; the last may be open-ended). A version
lists its components (each produces charge lines of one :class:`ChargeType`) and the taxes per
charge type. Everything is validated once, when built; :func:`civiq.rates.domain.rating.rate` then
relies on it, so rating an account re-checks nothing.

Conventions (what the bylaw figures mean):

- Every amount and allowance is published in a :class:`Basis`: per day, per N days (30, 60),
  per billing period, per month, per quarter or per year, and is prorated from it to the days
  billed. Unless a component says otherwise, fixed charges, stormwater and waste are per year
  and block allowances and minimums per 30 days.
- How a year is counted is the version's :class:`DayCount`: actual days over 365 (the default:
  a day costs 1/365 of a yearly amount, in leap years too), actual days over the length of each
  calendar year (a period across 1 January is split by year), or a fixed period length (each
  bill is one of ``periods_per_year`` periods, whatever its days: a quarterly bill is 1/4 of a
  yearly amount). Per-N-days figures are prorated by actual days (N days is N days).
- A scaled allowance or cap is rounded to the litre, so every block's quantity is a whole
  number of litres.
- Block limits are cumulative upper bounds in ascending order ("up to 10 m3, up to 25 m3,
  above"); only the last block is unlimited (``limit`` None).
- Prices (rates per m3, amounts, minimums) are dollars with at most 4 decimals; a sewer
  percentage has at most 2 (so its fraction keeps 4); a tax rate is a fraction (0.13).
- Water, sewer, stormwater and waste are tax-exempt unless a version lists a :class:`Tax` for
  them; miscellaneous charges are taxed when a version lists one for them (HST 13%, say).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import cached_property
from types import MappingProxyType
from typing import ClassVar, TypeAlias, TypeVar

from civiq.accounts.domain.accounts import CartSize, ServiceType
from civiq.accounts.domain.properties import SLUG, PropertyType
from civiq.core.errors import Conflict, InvalidInput
from civiq.core.money import RATE_PLACES
from civiq.metering.domain.meters import MeterSize
from civiq.rates.domain.charges import ChargeCategory, ChargeType, Rounding

YEAR_DAYS = 365
PERIODS_PER_YEAR = (1, 2, 3, 4, 6, 12)  # yearly, half-yearly, four-monthly ... monthly bills
MAX_BASIS_DAYS = 366
PERCENT_PLACES = Decimal("0.01")
HUNDRED = Decimal(100)
PRICE_CEILING = 10**9  # no bylaw figure comes near; keeps every product within Decimal precision
CONSUMPTION_TYPES = (ChargeType.WATER, ChargeType.SEWER)  # charged by meter size or volume
# The service an account needs for a charge type to be billed (miscellaneous needs none).
SERVICE_OF: Mapping[ChargeType, ServiceType] = MappingProxyType(
    {t: ServiceType(t.value) for t in ChargeType if t is not ChargeType.MISCELLANEOUS}
)


K = TypeVar("K", MeterSize, PropertyType, CartSize)


class ComponentKind(StrEnum):
    """Which kind of component a record describes (each component carries its own)."""

    FIXED = "fixed"
    BLOCKS = "blocks"
    VOLUMETRIC = "volumetric"
    SEWER = "sewer"
    STORMWATER = "stormwater"
    WASTE = "waste"
    MINIMUM = "minimum"
    PROPERTY = "property"
    STORMWATER_UNITS = "stormwater-units"
    STORMWATER_TIERS = "stormwater-tiers"
    MINIMUM_BILL = "minimum-bill"


class Per(StrEnum):
    """What a published figure is per."""

    DAYS = "days"  # per N days (N = 1: per day)
    PERIOD = "period"  # per billing period
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


PER_YEAR: Mapping[Per, int] = MappingProxyType({Per.MONTH: 12, Per.QUARTER: 4, Per.YEAR: 1})


@dataclass(frozen=True, slots=True)
class Basis:
    """The basis a bylaw publishes a figure in: ``per`` days (``days`` of them), billing
    period, month, quarter or year."""

    per: Per
    days: int | None = None

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "per", Per(self.per))
        except ValueError as exc:
            allowed = ", ".join(per.value for per in Per)
            raise InvalidInput(f"per is one of {allowed}", "per") from exc
        if self.per is Per.DAYS:
            days = self.days
            if (
                isinstance(days, bool)
                or not isinstance(days, int)
                or not 0 < days <= MAX_BASIS_DAYS
            ):
                raise InvalidInput("a basis in days is 1 to 366 days", "days")
        elif self.days is not None:
            raise InvalidInput("days applies only to a basis per days", "days")

    @property
    def in_days(self) -> bool:
        return self.per is Per.DAYS


PER_DAY_BASIS = Basis(Per.DAYS, 1)
PER_30_DAYS = Basis(Per.DAYS, 30)
PER_YEAR_BASIS = Basis(Per.YEAR)


class DayCount(StrEnum):
    """How a version counts a year when it prorates figures published per year, quarter,
    month or billing period."""

    ACTUAL_365 = "actual/365"
    ACTUAL_ACTUAL = "actual/actual"
    FIXED_PERIOD = "fixed-period"


@dataclass(frozen=True, slots=True)
class VolumeCap:
    """No charge on the volume above ``volume`` m3 per ``basis`` (scaled to the days billed)."""

    volume: Decimal
    basis: Basis

    def __post_init__(self) -> None:
        check_price(self.volume, "volume", Decimal("0.001"))
        if self.volume == 0:
            raise InvalidInput("a cap is above zero", "volume")
        if not isinstance(self.basis, Basis):
            raise InvalidInput("a cap needs a basis", "basis")


def check_price(value: Decimal, field_name: str, places: Decimal = RATE_PLACES) -> None:
    """A price is a finite Decimal, zero or more, with at most ``places`` decimals."""
    if isinstance(value, bool) or not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidInput("must be a decimal number", field_name)
    if value < 0:
        raise InvalidInput("must not be negative", field_name)
    if value >= PRICE_CEILING:
        raise InvalidInput(f"must be less than {PRICE_CEILING:,}", field_name)
    if value != value.quantize(places):
        decimals = -places.as_tuple().exponent  # type: ignore[operator]
        raise InvalidInput(f"has at most {decimals} decimal places", field_name)


def _check_percent(value: Decimal, field_name: str) -> None:
    """A percentage from 0 to 100 with at most 2 decimals."""
    check_price(value, field_name, PERCENT_PLACES)
    if value > HUNDRED:
        raise InvalidInput("a percentage is at most 100", field_name)


def _charge_type(component: object, allowed: Sequence[ChargeType]) -> None:
    """The component's ``charge_type`` as the enum, one of ``allowed``."""
    value = getattr(component, "charge_type", None)
    if value not in allowed:
        names = ", ".join(allowed)
        raise InvalidInput(f"charge_type must be one of {names}", "charge_type")
    object.__setattr__(component, "charge_type", ChargeType(str(value)))


def _check_basis(basis: object, field_name: str = "basis") -> None:
    if not isinstance(basis, Basis):
        raise InvalidInput("not a basis", field_name)


def _check_cap(cap: object) -> None:
    if cap is not None and not isinstance(cap, VolumeCap):
        raise InvalidInput("not a volume cap", "cap")


def _price_table(table: Mapping[K, Decimal], key: type[K], field_name: str) -> Mapping[K, Decimal]:
    """A price per size or type, keyed by the enum, read-only."""
    if not table:
        raise InvalidInput(f"{field_name} needs at least one price", field_name)
    prices: dict[K, Decimal] = {}
    for name, price in table.items():
        try:
            member = key(name)
        except ValueError as exc:
            allowed = ", ".join(option.value for option in key)
            raise InvalidInput(f"{name!r} is not one of {allowed}", f"{field_name}.{name}") from exc
        check_price(price, f"{field_name}.{member}")
        prices[member] = price
    return MappingProxyType(prices)


@dataclass(frozen=True)
class Season:
    """Months a component applies in, inclusive; ``first_month`` after ``last_month`` wraps the
    year end (November to March)."""

    name: str
    first_month: int
    last_month: int

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidInput("a season needs a name", "name")
        for name in ("first_month", "last_month"):
            month = getattr(self, name)
            if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
                raise InvalidInput("a month is from 1 to 12", name)
        if (self.last_month - self.first_month) % 12 == 11:
            raise InvalidInput("a season is shorter than the year", "last_month")

    @cached_property
    def months(self) -> frozenset[int]:
        length = (self.last_month - self.first_month) % 12 + 1
        return frozenset((self.first_month - 1 + i) % 12 + 1 for i in range(length))

    @property
    def boundaries(self) -> frozenset[int]:
        """Months whose first day starts or ends the season."""
        return frozenset({self.first_month, self.last_month % 12 + 1})


@dataclass(frozen=True, slots=True)
class Block:
    """One block: up to ``limit`` m3 (cumulative; None for the last, unlimited block) at
    ``rate`` per m3, or ``late_rate`` when the bill is paid after its due date."""

    limit: Decimal | None
    rate: Decimal
    late_rate: Decimal | None = None

    def __post_init__(self) -> None:
        if self.limit is not None:
            check_price(self.limit, "limit", Decimal("0.001"))
            if self.limit == 0:
                raise InvalidInput("a block's limit is above zero", "limit")
        check_price(self.rate, "rate")
        if self.late_rate is not None:
            check_price(self.late_rate, "late_rate")
            if self.late_rate < self.rate:
                raise InvalidInput("late_rate is at least the rate", "late_rate")


def _check_blocks(blocks: Sequence[Block]) -> tuple[Block, ...]:
    if not blocks:
        raise InvalidInput("at least one block is required", "blocks")
    last = len(blocks) - 1
    previous = Decimal(0)
    for index, block in enumerate(blocks):
        where = f"blocks.{index}.limit"
        if block.limit is None and index != last:
            raise InvalidInput("only the last block is unlimited", where)
        if block.limit is not None and index == last:
            raise InvalidInput("the last block is unlimited (no limit)", where)
        if block.limit is not None:
            if block.limit <= previous:
                raise InvalidInput("block limits are in ascending order", where)
            previous = block.limit
    return tuple(blocks)


@dataclass(frozen=True, slots=True)
class FixedCharge:
    """A charge by meter size (water or sewer), per ``basis``, prorated. Kind ``fixed``.

    With ``included_volume`` (m3 per the same basis, prorated like the price, to the litre, and
    shared like it on a shared meter), the charge pays for that much water: the consumption
    charges of the same charge type bill only the volume above it. The included volume is the
    bottom of the volume: blocks and annual thresholds keep their limits on the whole volume
    and bill what lies above the included volume; a cap limits the whole volume first. A
    seasonal fixed charge's included volume covers its season's volume only.

    ``customer_owned_prices`` are the prices for a meter the customer owns, by size; a size it
    does not list costs a customer's own meter the same as the municipality's.
    """

    charge_type: ChargeType
    prices: Mapping[MeterSize, Decimal]
    season: Season | None = None
    basis: Basis = PER_YEAR_BASIS
    category: str | None = None  # a charge type the version defines, printed on its own
    included_volume: Decimal | None = None
    customer_owned_prices: Mapping[MeterSize, Decimal] | None = None  # a customer's own meter
    kind: ClassVar[str] = "fixed"
    priced_by: ClassVar[str] = "meter_size"  # the rating attribute ``prices`` is keyed by
    described: ClassVar[str] = "fixed charge"
    component: ComponentKind = field(default=ComponentKind.FIXED, init=False)

    def __post_init__(self) -> None:
        _charge_type(self, CONSUMPTION_TYPES)
        object.__setattr__(self, "prices", _price_table(self.prices, MeterSize, "prices"))
        if self.customer_owned_prices is not None:
            owned = _price_table(self.customer_owned_prices, MeterSize, "customer_owned_prices")
            object.__setattr__(self, "customer_owned_prices", owned)
        _check_basis(self.basis)
        if self.included_volume is not None:
            check_price(self.included_volume, "included_volume", Decimal("0.001"))


@dataclass(frozen=True, slots=True)
class ConsumptionBlocks:
    """Blocks whose limits are allowances per ``basis``, scaled to the days billed; their rates
    may incline or decline from block to block; with a ``cap``, the volume above it is not
    charged. Kind ``block``; lines are numbered by tier from 1."""

    charge_type: ChargeType
    blocks: Sequence[Block]
    season: Season | None = None
    basis: Basis = PER_30_DAYS
    cap: VolumeCap | None = None
    category: str | None = None  # a charge type the version defines, printed on its own
    kind: ClassVar[str] = "block"
    component: ComponentKind = field(default=ComponentKind.BLOCKS, init=False)

    def __post_init__(self) -> None:
        _charge_type(self, CONSUMPTION_TYPES)
        object.__setattr__(self, "blocks", _check_blocks(self.blocks))
        _check_basis(self.basis)
        _check_cap(self.cap)


@dataclass(frozen=True, slots=True)
class VolumetricRate:
    """A rate per m3; with more than one block, the limits are thresholds on the calendar year's
    cumulative volume (the year's first 250 m3 at one rate, the rest at another). Kind
    ``volumetric``."""

    charge_type: ChargeType
    blocks: Sequence[Block]
    season: Season | None = None
    cap: VolumeCap | None = None
    category: str | None = None  # a charge type the version defines, printed on its own
    kind: ClassVar[str] = "volumetric"
    component: ComponentKind = field(default=ComponentKind.VOLUMETRIC, init=False)

    def __post_init__(self) -> None:
        _charge_type(self, CONSUMPTION_TYPES)
        object.__setattr__(self, "blocks", _check_blocks(self.blocks))
        _check_cap(self.cap)
        if self.cap is not None and self.annual_thresholds:
            raise InvalidInput("a cap applies to a single rate, not to annual thresholds", "cap")

    @property
    def annual_thresholds(self) -> bool:
        return len(self.blocks) > 1


@dataclass(frozen=True, slots=True)
class SewerCharge:
    """Sewer billed on water consumption: ``percent`` of the water consumption charges (kind
    ``sewer-percent``), or ``rate`` per m3 of water (kind ``sewer-volumetric``).

    With ``winter_cap``, the per-m3 charge bills at most the account's winter average daily
    volume times the days billed (summer watering does not reach the sewer); an account without
    a winter average is billed on its whole volume. With ``cap``, it bills at most the cap's
    volume (scaled to the days billed), and at most the winter volume too when both apply.

    With ``volume_percent`` (or ``volume_percent_by_class``, by property type, the customer
    class), the per-m3 charge bills that percent of the water volume (kind
    ``sewer-volume-percent``: volume x percent x rate, rounded once): the caps limit the water
    volume first, the percent is taken of what is left. A class not listed is billed on
    ``volume_percent``, or on its whole volume when that is not given.
    """

    percent: Decimal | None = None
    rate: Decimal | None = None
    late_rate: Decimal | None = None
    winter_cap: bool = False
    season: Season | None = None
    cap: VolumeCap | None = None
    category: str | None = None  # a charge type the version defines, printed on its own
    volume_percent: Decimal | None = None
    volume_percent_by_class: Mapping[PropertyType, Decimal] | None = None
    charge_type: ClassVar[ChargeType] = ChargeType.SEWER
    component: ComponentKind = field(default=ComponentKind.SEWER, init=False)

    def __post_init__(self) -> None:
        if (self.percent is None) == (self.rate is None):
            raise InvalidInput("give either a percent or a rate per m3", "rate")
        _check_cap(self.cap)
        if self.percent is not None:
            check_price(self.percent, "percent", PERCENT_PLACES)
            for name in (
                "late_rate",
                "winter_cap",
                "season",
                "cap",
                "volume_percent",
                "volume_percent_by_class",
            ):
                if getattr(self, name):
                    raise InvalidInput(f"{name} applies only to a rate per m3", name)
            return
        assert self.rate is not None
        check_price(self.rate, "rate")
        if self.late_rate is not None:
            check_price(self.late_rate, "late_rate")
            if self.late_rate < self.rate:
                raise InvalidInput("late_rate is at least the rate", "late_rate")
        if self.volume_percent is not None:
            _check_percent(self.volume_percent, "volume_percent")
        if self.volume_percent_by_class is not None:
            by_class = _price_table(
                self.volume_percent_by_class, PropertyType, "volume_percent_by_class"
            )
            for key, percent in by_class.items():
                _check_percent(percent, f"volume_percent_by_class.{key}")
            object.__setattr__(self, "volume_percent_by_class", by_class)

    @property
    def kind(self) -> str:
        if self.percent is not None:
            return "sewer-percent"
        if self.volume_percent is not None or self.volume_percent_by_class:
            return "sewer-volume-percent"
        return "sewer-volumetric"

    def volume_percent_of(self, property_type: PropertyType) -> Decimal | None:
        """The percent of the water volume a per-m3 charge bills ``property_type`` (None: all
        of it)."""
        by_class = self.volume_percent_by_class or {}
        percent = by_class.get(property_type, self.volume_percent)
        if percent is None and by_class:
            return HUNDRED
        return percent


@dataclass(frozen=True, slots=True)
class StormwaterCharge:
    """A stormwater charge by property type, per ``basis``, prorated. Kind ``stormwater``."""

    prices: Mapping[PropertyType, Decimal]
    season: Season | None = None
    basis: Basis = PER_YEAR_BASIS
    category: str | None = None  # a charge type the version defines, printed on its own
    charge_type: ClassVar[ChargeType] = ChargeType.STORMWATER
    kind: ClassVar[str] = "stormwater"
    priced_by: ClassVar[str] = "property_type"
    described: ClassVar[str] = "stormwater"
    component: ComponentKind = field(default=ComponentKind.STORMWATER, init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "prices", _price_table(self.prices, PropertyType, "prices"))
        _check_basis(self.basis)


@dataclass(frozen=True, slots=True)
class WasteCharge:
    """A waste charge by cart size, per ``basis``, prorated. Kind ``waste``."""

    prices: Mapping[CartSize, Decimal]
    season: Season | None = None
    basis: Basis = PER_YEAR_BASIS
    category: str | None = None  # a charge type the version defines, printed on its own
    charge_type: ClassVar[ChargeType] = ChargeType.WASTE
    kind: ClassVar[str] = "waste"
    priced_by: ClassVar[str] = "cart_size"
    described: ClassVar[str] = "waste charge"
    component: ComponentKind = field(default=ComponentKind.WASTE, init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "prices", _price_table(self.prices, CartSize, "prices"))
        _check_basis(self.basis)


class Metering(StrEnum):
    """Which accounts a property charge applies to: all, those with a meter, or those without
    one (a flat charge for unmetered properties)."""

    ANY = "any"
    METERED = "metered"
    UNMETERED = "unmetered"


PROPERTY_TYPE = "property_type"  # a property charge priced by the property's type


@dataclass(frozen=True, slots=True)
class PropertyCharge:
    """A charge by one property attribute, per ``basis``, prorated. Kind ``property``.

    ``by`` is ``property_type`` or the name of one of the property's ``attributes`` (``zone``,
    ``sewer-connection``); ``prices`` are by its value, ``default`` for a value not listed (or
    an attribute the property lacks). With ``per_dwelling_unit``, the price is per dwelling unit
    billed (a multi-unit building's flat rate). ``metering`` limits it to accounts with a meter,
    or to those without one (a flat charge for unmetered properties).
    """

    charge_type: ChargeType
    by: str
    prices: Mapping[str, Decimal]
    default: Decimal | None = None
    per_dwelling_unit: bool = False
    metering: Metering = Metering.ANY
    season: Season | None = None
    basis: Basis = PER_YEAR_BASIS
    category: str | None = None  # a charge type the version defines, printed on its own
    kind: ClassVar[str] = "property"
    described: ClassVar[str] = "property charge"
    component: ComponentKind = field(default=ComponentKind.PROPERTY, init=False)

    def __post_init__(self) -> None:
        _charge_type(self, tuple(SERVICE_OF))
        if self.by != PROPERTY_TYPE and not SLUG.fullmatch(self.by):
            raise InvalidInput(
                "by is property_type or an attribute's name (lower-case letters, digits, dashes)",
                "by",
            )
        if not self.prices and self.default is None:
            raise InvalidInput("give prices, a default price, or both", "prices")
        by_type = self.by == PROPERTY_TYPE
        types = ", ".join(t.value for t in PropertyType)
        for value, price in self.prices.items():
            if by_type and value not in tuple(PropertyType):
                raise InvalidInput(f"{value!r} is not one of {types}", f"prices.{value}")
            if not by_type and not SLUG.fullmatch(value):
                raise InvalidInput(
                    "a value is lower-case letters, digits and dashes", f"prices.{value}"
                )
            check_price(price, f"prices.{value}")
        object.__setattr__(
            self, "prices", MappingProxyType({str(k): v for k, v in self.prices.items()})
        )
        if self.default is not None:
            check_price(self.default, "default")
        try:
            object.__setattr__(self, "metering", Metering(self.metering))
        except ValueError as exc:
            allowed = ", ".join(m.value for m in Metering)
            raise InvalidInput(f"metering is one of {allowed}", "metering") from exc
        _check_basis(self.basis)

    @property
    def priced_by(self) -> str:
        """What an account lacks when the charge has no price for it."""
        return PROPERTY_TYPE if self.by == PROPERTY_TYPE else "attributes"

    def applies(self, metered: bool) -> bool:
        """Whether it charges an account with (``metered``) or without a meter."""
        if self.metering is Metering.ANY:
            return True
        return metered is (self.metering is Metering.METERED)


class UnitRounding(StrEnum):
    """How an area is rounded to billing units."""

    UP = "up"
    NEAREST = "nearest"  # half up
    DOWN = "down"


UNIT_ROUNDING: Mapping[UnitRounding, str] = MappingProxyType(
    {
        UnitRounding.UP: ROUND_CEILING,
        UnitRounding.NEAREST: ROUND_HALF_UP,
        UnitRounding.DOWN: ROUND_FLOOR,
    }
)
AREA_PLACES = Decimal("0.01")  # square metres


@dataclass(frozen=True, slots=True)
class StormwaterUnits:
    """Stormwater in billing units of impervious area (roof and hard surface): the property's
    area over ``unit_area`` m2, rounded (``unit_rounding``) to ``unit_places`` decimals, at least
    ``minimum_units`` and at most ``maximum_units``, at ``price`` per unit per ``basis``,
    prorated. Kind ``stormwater-units``."""

    unit_area: Decimal
    price: Decimal
    unit_rounding: UnitRounding = UnitRounding.NEAREST
    unit_places: int = 0
    minimum_units: Decimal | None = None
    maximum_units: Decimal | None = None
    season: Season | None = None
    basis: Basis = PER_YEAR_BASIS
    category: str | None = None  # a charge type the version defines, printed on its own
    charge_type: ClassVar[ChargeType] = ChargeType.STORMWATER
    kind: ClassVar[str] = "stormwater-units"
    priced_by: ClassVar[str] = "impervious_area"
    described: ClassVar[str] = "stormwater charge by impervious area"
    component: ComponentKind = field(default=ComponentKind.STORMWATER_UNITS, init=False)

    def __post_init__(self) -> None:
        check_price(self.unit_area, "unit_area", AREA_PLACES)
        if self.unit_area == 0:
            raise InvalidInput("a billing unit's area is above zero", "unit_area")
        check_price(self.price, "price")
        try:
            object.__setattr__(self, "unit_rounding", UnitRounding(self.unit_rounding))
        except ValueError as exc:
            allowed = ", ".join(r.value for r in UnitRounding)
            raise InvalidInput(f"unit_rounding is one of {allowed}", "unit_rounding") from exc
        if self.unit_places not in (0, 1):
            raise InvalidInput("billing units have 0 or 1 decimal places", "unit_places")
        for name in ("minimum_units", "maximum_units"):
            units = getattr(self, name)
            if units is not None:
                check_price(units, name, self.places)
        if (
            self.minimum_units is not None
            and self.maximum_units is not None
            and self.maximum_units < self.minimum_units
        ):
            raise InvalidInput("maximum_units is at least minimum_units", "maximum_units")
        _check_basis(self.basis)

    @property
    def places(self) -> Decimal:
        return Decimal(1).scaleb(-self.unit_places)

    def units(self, area: Decimal) -> Decimal:
        """The billing units of ``area`` m2."""
        units = (area / self.unit_area).quantize(self.places, UNIT_ROUNDING[self.unit_rounding])
        if self.minimum_units is not None:
            units = max(units, self.minimum_units)
        if self.maximum_units is not None:
            units = min(units, self.maximum_units)
        return units


@dataclass(frozen=True, slots=True)
class AreaTier:
    """Up to ``limit`` m2 of impervious area (cumulative; None for the last, unlimited tier),
    ``price`` per the component's basis."""

    limit: Decimal | None
    price: Decimal

    def __post_init__(self) -> None:
        if self.limit is not None:
            check_price(self.limit, "limit", AREA_PLACES)
            if self.limit == 0:
                raise InvalidInput("a tier's limit is above zero", "limit")
        check_price(self.price, "price")


@dataclass(frozen=True, slots=True)
class StormwaterTiers:
    """Stormwater by tiers of impervious area: the price of the first tier whose limit the
    property's area does not exceed, per ``basis``, prorated. Kind ``stormwater-tiers``; its
    line is numbered by tier from 1."""

    tiers: Sequence[AreaTier]
    season: Season | None = None
    basis: Basis = PER_YEAR_BASIS
    category: str | None = None  # a charge type the version defines, printed on its own
    charge_type: ClassVar[ChargeType] = ChargeType.STORMWATER
    kind: ClassVar[str] = "stormwater-tiers"
    priced_by: ClassVar[str] = "impervious_area"
    described: ClassVar[str] = "stormwater charge by impervious area"
    component: ComponentKind = field(default=ComponentKind.STORMWATER_TIERS, init=False)

    def __post_init__(self) -> None:
        tiers = tuple(self.tiers)
        if not tiers:
            raise InvalidInput("at least one tier is required", "tiers")
        last = len(tiers) - 1
        previous = Decimal(0)
        for index, tier in enumerate(tiers):
            where = f"tiers.{index}.limit"
            if (tier.limit is None) != (index == last):
                raise InvalidInput("only the last tier is unlimited, and it has no limit", where)
            if tier.limit is not None:
                if tier.limit <= previous:
                    raise InvalidInput("tier limits are in ascending order", where)
                previous = tier.limit
        object.__setattr__(self, "tiers", tiers)
        _check_basis(self.basis)

    def tier_of(self, area: Decimal) -> int:
        """The index of the tier ``area`` m2 falls in."""
        for index, tier in enumerate(self.tiers):
            if tier.limit is None or area <= tier.limit:
                return index
        raise AssertionError("the last tier is unlimited")


@dataclass(frozen=True, slots=True)
class MinimumCharge:
    """The least a charge type costs, ``amount`` per ``basis`` scaled to the days billed: when
    its lines add up to less, a line of kind ``minimum`` tops them up. With a ``category``, the
    least that defined charge type's lines cost; without, all the charge type's lines count."""

    charge_type: ChargeType
    amount: Decimal
    basis: Basis = PER_30_DAYS
    category: str | None = None  # a charge type the version defines, printed on its own
    kind: ClassVar[str] = "minimum"
    component: ComponentKind = field(default=ComponentKind.MINIMUM, init=False)

    def __post_init__(self) -> None:
        _charge_type(self, tuple(SERVICE_OF))
        check_price(self.amount, "amount")
        _check_basis(self.basis)


@dataclass(frozen=True, slots=True)
class MinimumBill:
    """The least a bill costs, ``amount`` per ``basis`` scaled to the days billed: when the
    service charges of a version's days (every charge type, after the per-type minimums, before
    tax; not one-off miscellaneous charges) add up to less, a line of kind ``minimum-bill`` tops
    them up. The line is a ``charge_type`` line (water unless given), taxed as that type's lines;
    an account not billed that charge type has no minimum bill."""

    amount: Decimal
    basis: Basis = PER_30_DAYS
    charge_type: ChargeType = ChargeType.WATER
    category: str | None = None  # a charge type the version defines, printed on its own
    kind: ClassVar[str] = "minimum-bill"
    component: ComponentKind = field(default=ComponentKind.MINIMUM_BILL, init=False)

    def __post_init__(self) -> None:
        _charge_type(self, tuple(SERVICE_OF))
        check_price(self.amount, "amount")
        _check_basis(self.basis)


@dataclass(frozen=True, slots=True)
class Tax:
    """A tax on one charge type's lines: ``rate`` is a fraction (HST: 0.13)."""

    charge_type: ChargeType
    name: str
    rate: Decimal

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidInput("a tax needs a name", "name")
        check_price(self.rate, "rate")
        if self.rate > 1:
            raise InvalidInput("a tax rate is a fraction, at most 1", "rate")


CHARGE_TYPE_CODE = re.compile(r"[a-z][a-z0-9-]{0,39}")


@dataclass(frozen=True, slots=True)
class DefinedChargeType:
    """A charge type a version defines within a built-in ``service`` (which service an account
    needs for it; miscellaneous: every account). Its lines are taxed by its own ``tax`` when it
    has one (a rate of 0 exempts them), else as its service's."""

    code: str
    name_en: str
    name_fr: str
    service: ChargeType
    gl_code: str | None = None
    tax: Tax | None = None
    pass_through: bool = False

    def __post_init__(self) -> None:
        if not CHARGE_TYPE_CODE.fullmatch(self.code) or self.code in tuple(ChargeType):
            raise InvalidInput(
                "a code is lower-case letters, digits and dashes, not a built-in charge type",
                "code",
            )
        for name in ("name_en", "name_fr"):
            if not getattr(self, name).strip():
                raise InvalidInput("a charge type needs a name in each language", name)
        try:
            object.__setattr__(self, "service", ChargeType(self.service))
        except ValueError as exc:
            allowed = ", ".join(t.value for t in ChargeType)
            raise InvalidInput(f"service is one of {allowed}", "service") from exc
        if self.tax is not None and self.tax.charge_type is not self.service:
            raise InvalidInput("the tax is on the charge type's service", "tax")

    @property
    def category(self) -> ChargeCategory:
        return ChargeCategory(
            self.code, self.name_en, self.name_fr, self.gl_code, self.pass_through
        )


Charge: TypeAlias = (
    FixedCharge
    | ConsumptionBlocks
    | VolumetricRate
    | SewerCharge
    | StormwaterCharge
    | WasteCharge
    | PropertyCharge
    | StormwaterUnits
    | StormwaterTiers
)
Component: TypeAlias = Charge | MinimumCharge | MinimumBill
COMPONENT_TYPES = (
    FixedCharge,
    ConsumptionBlocks,
    VolumetricRate,
    SewerCharge,
    StormwaterCharge,
    WasteCharge,
    PropertyCharge,
    StormwaterUnits,
    StormwaterTiers,
    MinimumCharge,
    MinimumBill,
)


@dataclass(frozen=True)
class RateVersion:
    """The rates in effect from ``effective_from`` to ``effective_to`` (inclusive; None: until a
    later version starts).

    What rating needs is worked out once per version object (cached properties): the months
    whose first day splits a period (``cut_months``: season boundaries, and January when annual
    thresholds restart the year's count), the taxes by charge type, the minimums, and whether
    any price differs after the due date.

    ``day_count`` is how its yearly, quarterly, monthly and per-period figures are prorated;
    with a fixed period length, ``periods_per_year`` says how many bills a year has, and every
    figure is per period, month, quarter or year (a figure per N days needs actual days).
    """

    effective_from: date
    effective_to: date | None
    components: Sequence[Component]
    taxes: Sequence[Tax] = ()
    day_count: DayCount = DayCount.ACTUAL_365
    periods_per_year: int | None = None
    charge_types: Sequence[DefinedChargeType] = ()
    rounding: Rounding = Rounding.LINE

    def __post_init__(self) -> None:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise InvalidInput("effective_to is before effective_from", "effective_to")
        components = tuple(self.components)
        if not components:
            raise InvalidInput("a version needs at least one component", "components")
        self._check_day_count(components)
        minimums: set[tuple[ChargeType, str | None]] = set()
        for index, component in enumerate(components):
            if not isinstance(component, COMPONENT_TYPES):
                raise InvalidInput("not a rate component", f"components.{index}")
            if isinstance(component, MinimumCharge):
                of = (component.charge_type, component.category)
                if of in minimums:
                    raise InvalidInput(
                        f"a second minimum for {component.category or component.charge_type}",
                        f"components.{index}.charge_type",
                    )
                minimums.add(of)
            if isinstance(component, MinimumBill) and any(
                isinstance(c, MinimumBill) for c in components[:index]
            ):
                raise InvalidInput("a second minimum bill", f"components.{index}.component")
        if not any(_is_water_consumption(c) for c in components):
            for index, component in enumerate(components):
                if isinstance(component, SewerCharge) and component.percent is not None:
                    raise InvalidInput(
                        "a percentage sewer charge needs a water consumption rate",
                        f"components.{index}.percent",
                    )
        taxed: set[ChargeType] = set()
        for index, tax in enumerate(self.taxes):
            if tax.charge_type in taxed:
                raise InvalidInput(
                    f"a second tax on {tax.charge_type}", f"taxes.{index}.charge_type"
                )
            taxed.add(tax.charge_type)
        self._check_charge_types(components)
        object.__setattr__(self, "components", components)
        object.__setattr__(self, "taxes", tuple(self.taxes))

    def _check_charge_types(self, components: tuple[Component, ...]) -> None:
        """Each defined code once; each component's category one of them, of its type."""
        try:
            object.__setattr__(self, "rounding", Rounding(self.rounding))
        except ValueError as exc:
            allowed = ", ".join(policy.value for policy in Rounding)
            raise InvalidInput(f"rounding is one of {allowed}", "rounding") from exc
        defined: dict[str, DefinedChargeType] = {}
        for index, definition in enumerate(self.charge_types):
            if not isinstance(definition, DefinedChargeType):
                raise InvalidInput("not a charge type", f"charge_types.{index}")
            if definition.code in defined:
                raise InvalidInput(
                    f"{definition.code} is defined twice", f"charge_types.{index}.code"
                )
            defined[definition.code] = definition
        for index, component in enumerate(components):
            code = component.category
            if code is None:
                continue
            where = f"components.{index}.charge_type"
            if code not in defined:
                raise InvalidInput(f"{code} is not a charge type this version defines", where)
            if defined[code].service is not component.charge_type:
                raise InvalidInput(
                    f"{code} is a {defined[code].service} charge type; this component charges "
                    f"{component.charge_type}",
                    where,
                )
        object.__setattr__(self, "charge_types", tuple(self.charge_types))

    def _check_day_count(self, components: tuple[Component, ...]) -> None:
        try:
            object.__setattr__(self, "day_count", DayCount(self.day_count))
        except ValueError as exc:
            allowed = ", ".join(count.value for count in DayCount)
            raise InvalidInput(f"day_count is one of {allowed}", "day_count") from exc
        fixed = self.day_count is DayCount.FIXED_PERIOD
        if not fixed:
            if self.periods_per_year is not None:
                raise InvalidInput(
                    "periods_per_year applies only to a fixed period length", "periods_per_year"
                )
            return
        if self.periods_per_year not in PERIODS_PER_YEAR:
            allowed = ", ".join(str(n) for n in PERIODS_PER_YEAR)
            raise InvalidInput(
                f"a fixed period length needs periods_per_year, one of {allowed}",
                "periods_per_year",
            )
        for index, component in enumerate(components):
            for where, basis in _bases(component):
                if basis.in_days:
                    raise InvalidInput(
                        "a figure per days needs an actual day count, not a fixed period length",
                        f"components.{index}.{where}.per",
                    )

    def covers(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    def closed_on(self, last_day: date) -> RateVersion:
        """This version ending on ``last_day`` (a later version starts the day after)."""
        return replace(self, effective_to=last_day)

    @cached_property
    def charges(self) -> tuple[Charge, ...]:
        """The components that charge (all but minimums), in order."""
        return tuple(c for c in self.components if not isinstance(c, (MinimumCharge, MinimumBill)))

    @cached_property
    def minimums(self) -> tuple[MinimumCharge, ...]:
        return tuple(c for c in self.components if isinstance(c, MinimumCharge))

    @cached_property
    def minimum_bill(self) -> MinimumBill | None:
        return next((c for c in self.components if isinstance(c, MinimumBill)), None)

    @cached_property
    def tax_of(self) -> Mapping[ChargeType, Tax]:
        return MappingProxyType({tax.charge_type: tax for tax in self.taxes})

    @cached_property
    def categories(self) -> Mapping[str, ChargeCategory]:
        """The charge types it defines, as lines carry them, by code."""
        return MappingProxyType({d.code: d.category for d in self.charge_types})

    @cached_property
    def category_taxes(self) -> Mapping[str, Tax | None]:
        """The tax on each defined charge type's lines (None: exempt)."""
        return MappingProxyType(
            {
                d.code: self.tax_of.get(d.service) if d.tax is None else d.tax
                for d in self.charge_types
            }
        )

    def tax_on(self, charge_type: ChargeType, category: str | None) -> Tax | None:
        """The tax on lines of ``charge_type`` (of its defined ``category``, when given)."""
        tax = self.tax_of.get(charge_type) if category is None else self.category_taxes[category]
        return None if tax is None or tax.rate == 0 else tax

    @cached_property
    def cut_months(self) -> frozenset[int]:
        months: set[int] = set()
        if self.day_count is DayCount.ACTUAL_ACTUAL:
            months.add(1)  # each calendar year's days are prorated over that year's length
        for component in self.charges:
            if component.season is not None:
                months |= component.season.boundaries
            if isinstance(component, VolumetricRate) and component.annual_thresholds:
                months.add(1)
        return frozenset(months)

    @cached_property
    def has_late_rates(self) -> bool:
        return any(_has_late_rate(c) for c in self.charges)

    @cached_property
    def sewer_on_water_charges(self) -> bool:
        return any(isinstance(c, SewerCharge) and c.percent is not None for c in self.charges)

    @cached_property
    def bills_unmetered(self) -> bool:
        """Whether it has a flat charge for unmetered accounts: then its fixed charges by meter
        size charge only accounts with a meter (else an account without one lacks a size)."""
        return any(
            isinstance(c, PropertyCharge) and c.metering is Metering.UNMETERED for c in self.charges
        )


def _is_water_consumption(component: Component) -> bool:
    return (
        isinstance(component, (ConsumptionBlocks, VolumetricRate))
        and component.charge_type is ChargeType.WATER
    )


def _bases(component: Component) -> list[tuple[str, Basis]]:
    """Each basis ``component`` publishes a figure in, with where it is given."""
    found = []
    basis = getattr(component, "basis", None)
    if isinstance(basis, Basis):
        found.append(("basis", basis))
    cap = getattr(component, "cap", None)
    if isinstance(cap, VolumeCap):
        found.append(("cap.basis", cap.basis))
    return found


def _has_late_rate(component: Component) -> bool:
    if isinstance(component, (ConsumptionBlocks, VolumetricRate)):
        return any(block.late_rate is not None for block in component.blocks)
    if isinstance(component, SewerCharge):
        return component.late_rate is not None
    return False


def _check_versions(versions: Sequence[RateVersion]) -> None:
    if not versions:
        raise InvalidInput("a schedule needs at least one version", "versions")
    for index in range(1, len(versions)):
        before, version = versions[index - 1], versions[index]
        if before.effective_to is None or version.effective_from <= before.effective_to:
            runs_to = "with no end" if before.effective_to is None else f"to {before.effective_to}"
            raise InvalidInput(
                f"overlaps the version from {before.effective_from} {runs_to}; versions are in "
                "date order and do not overlap",
                f"versions.{index}.effective_from",
            )


@dataclass(frozen=True)
class RateSchedule:
    """A named rate schedule and its versions in date order, none overlapping (gaps are
    allowed: rating a period that falls in one fails).

    ``version`` is the record's version for optimistic locking (as on accounts), not one of
    the rate ``versions``.
    """

    schedule_id: str
    name: str
    versions: Sequence[RateVersion]
    version: int = 1

    def __post_init__(self) -> None:
        if not self.schedule_id.strip():
            raise InvalidInput("schedule_id is required", "schedule_id")
        if not self.name.strip():
            raise InvalidInput("a schedule needs a name", "name")
        versions = tuple(self.versions)
        _check_versions(versions)
        object.__setattr__(self, "versions", versions)

    @cached_property
    def starts(self) -> tuple[date, ...]:
        return tuple(v.effective_from for v in self.versions)

    def current_version(self, day: date) -> RateVersion:
        """The version in effect on ``day``: the latest to have started by then (the first when
        none has yet)."""
        return self.versions[max(bisect.bisect_right(self.starts, day) - 1, 0)]

    def version_index_on(self, day: date) -> int | None:
        """Index of the version in effect on ``day``, None when none is."""
        index = bisect.bisect_right(self.starts, day) - 1
        if index < 0 or not self.versions[index].covers(day):
            return None
        return index

    def with_version(self, version: RateVersion) -> RateSchedule:
        """This schedule with ``version`` added, as its next record version.

        A version starting after an open-ended last version closes that one the day before;
        any other overlap is a Conflict naming ``effective_from``.
        """
        versions = list(self.versions)
        last = versions[-1]
        if last.effective_to is None and version.effective_from > last.effective_from:
            versions[-1] = last.closed_on(version.effective_from - timedelta(days=1))
        for existing in versions:
            ends_after = (
                version.effective_to is None or version.effective_to >= existing.effective_from
            )
            starts_before = (
                existing.effective_to is None or version.effective_from <= existing.effective_to
            )
            if ends_after and starts_before:
                runs_to = existing.effective_to or "with no end"
                raise Conflict(
                    f"overlaps the version from {existing.effective_from} to {runs_to}",
                    "effective_from",
                )
        versions.append(version)
        versions.sort(key=lambda v: v.effective_from)
        return RateSchedule(self.schedule_id, self.name, versions, self.version + 1)
