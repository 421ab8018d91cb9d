"""Rate schedule API payloads: a bylaw's rates as data, and quotes.

Unknown fields are refused and types are not coerced. Prices, rates, percentages and volumes are
decimal strings (``"2.3400"``), never JSON numbers. A schedule reads back in the shape it was
posted in (:class:`RateVersionSpec`), and it is stored in that shape too.

Components share one shape, told apart by ``component``; the fields a kind does not use are
refused, so errors name the field as sent (``versions.0.components.1.blocks.2.limit``).

Every figure is typed as the bylaw publishes it, with its ``basis`` (``{"per": "days", "days":
60}``, ``{"per": "quarter"}``...): prices and minimums with ``prices``/``amount`` and a basis,
block allowances with a basis. Two older names say their basis themselves and stay accepted:
``annual`` (prices per year) and ``per_30_days`` (a minimum per 30 days).

A version may define its own charge types (``charge_types``: a code, its names, the built-in
``service`` it belongs to, a GL code, a tax, whether it is a pass-through); a component's
``charge_type`` is then a built-in one or a code the same version defines.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field

from civiq.accounts.domain.accounts import CartSize, ServiceType
from civiq.accounts.domain.properties import SLUG, PropertyType
from civiq.core.errors import InvalidInput, field_prefix
from civiq.core.history import as_record
from civiq.core.schemas import (
    WHOLE,
    Name,
    Omissible,
    Payload,
    Request,
    WholeNumber,
    after,
    at_least,
    leave_out,
    not_before,
    rules,
    when,
)
from civiq.metering.domain.meters import MeterSize
from civiq.rates.domain.charges import (
    ChargeCategory,
    ChargeLine,
    ChargeType,
    RatedBill,
    Rounding,
    TaxLine,
    Unit,
)
from civiq.rates.domain.rates import (
    CONSUMPTION_TYPES,
    MAX_BASIS_DAYS,
    PER_30_DAYS,
    PER_YEAR_BASIS,
    PERIODS_PER_YEAR,
    PROPERTY_TYPE,
    SERVICE_OF,
    AreaTier,
    Basis,
    Block,
    Component,
    ComponentKind,
    ConsumptionBlocks,
    DayCount,
    DefinedChargeType,
    FixedCharge,
    Metering,
    MinimumBill,
    MinimumCharge,
    Per,
    PropertyCharge,
    RateSchedule,
    RateVersion,
    Season,
    SewerCharge,
    StormwaterCharge,
    StormwaterTiers,
    StormwaterUnits,
    Tax,
    UnitRounding,
    VolumeCap,
    VolumetricRate,
    WasteCharge,
)
from civiq.rates.domain.rating import MiscellaneousCharge, RatingInput

# Decimal numbers as strings (``"2.3400"``): zero or more, under a billion, and each kind with
# the decimals the domain keeps.
Price = Annotated[
    str, Field(pattern=r"^[0-9]{1,9}(\.[0-9]{1,4})?$", description="Up to 4 decimals")
]
Volume = Annotated[
    str, Field(pattern=r"^[0-9]{1,9}(\.[0-9]{1,3})?$", description="Up to 3 decimals")
]
Percent = Annotated[
    str, Field(pattern=r"^[0-9]{1,9}(\.[0-9]{1,2})?$", description="Up to 2 decimals")
]
Dollars = Percent
PercentOfAll = Annotated[
    str,
    Field(
        pattern=r"^0*(?:100(?:\.0{1,2})?|[0-9]{1,2}(?:\.[0-9]{1,2})?)$",
        description="0 to 100, up to 2 decimals",
    ),
]
Area = Annotated[
    str,
    Field(pattern=r"^[0-9]{1,9}(\.[0-9]{1,2})?$", description="Square metres, up to 2 decimals"),
]
Units = Annotated[
    str, Field(pattern=r"^[0-9]{1,9}(\.[0-9])?$", description="Billing units, up to 1 decimal")
]
PricedBy = Annotated[
    str,
    Field(
        pattern=f"^(?:{PROPERTY_TYPE}|{SLUG.pattern})$",
        description="property_type, or a property attribute's name",
    ),
]
ScheduleId = Annotated[
    str,
    Field(
        pattern=r"^[a-z0-9][a-z0-9-]{0,39}$",
        description="Lower-case letters, digits and dashes, e.g. residential-water",
    ),
]

_PRICED = frozenset({"annual", "prices", "basis", "season"})
_FIELDS: Mapping[ComponentKind, frozenset[str]] = {
    ComponentKind.FIXED: _PRICED | {"charge_type", "customer_owned_prices", "included_volume"},
    ComponentKind.BLOCKS: frozenset({"charge_type", "blocks", "basis", "cap", "season"}),
    ComponentKind.VOLUMETRIC: frozenset({"charge_type", "blocks", "cap", "season"}),
    ComponentKind.SEWER: frozenset(
        {
            "charge_type",
            "percent",
            "rate",
            "late_rate",
            "winter_cap",
            "cap",
            "season",
            "volume_percent",
            "volume_percent_by_class",
        }
    ),
    ComponentKind.STORMWATER: _PRICED | {"charge_type"},
    ComponentKind.WASTE: _PRICED | {"charge_type"},
    ComponentKind.MINIMUM: frozenset({"charge_type", "per_30_days", "amount", "basis"}),
    ComponentKind.PROPERTY: frozenset(
        {
            "charge_type",
            "by",
            "prices",
            "default",
            "per_dwelling_unit",
            "metering",
            "basis",
            "season",
        }
    ),
    ComponentKind.STORMWATER_UNITS: frozenset(
        {
            "charge_type",
            "unit_area",
            "unit_rounding",
            "unit_places",
            "minimum_units",
            "maximum_units",
            "price",
            "basis",
            "season",
        }
    ),
    ComponentKind.STORMWATER_TIERS: frozenset({"charge_type", "tiers", "basis", "season"}),
    ComponentKind.MINIMUM_BILL: frozenset({"charge_type", "amount", "basis"}),
}
_REQUIRED: Mapping[ComponentKind, frozenset[str]] = {
    ComponentKind.FIXED: frozenset({"charge_type"}),
    ComponentKind.BLOCKS: frozenset({"charge_type", "blocks", "basis"}),
    ComponentKind.VOLUMETRIC: frozenset({"charge_type", "blocks"}),
    ComponentKind.SEWER: frozenset(),
    ComponentKind.STORMWATER: frozenset(),
    ComponentKind.WASTE: frozenset(),
    ComponentKind.MINIMUM: frozenset({"charge_type"}),
    ComponentKind.PROPERTY: frozenset({"charge_type", "by", "basis"}),
    ComponentKind.STORMWATER_UNITS: frozenset(
        {"unit_area", "unit_rounding", "unit_places", "price", "basis"}
    ),
    ComponentKind.STORMWATER_TIERS: frozenset({"tiers", "basis"}),
    ComponentKind.MINIMUM_BILL: frozenset({"amount", "basis"}),
}
# A figure with its basis, or under the older name that says its basis: (new, old).
_FIGURES: Mapping[ComponentKind, tuple[str, str]] = {
    ComponentKind.FIXED: ("prices", "annual"),
    ComponentKind.STORMWATER: ("prices", "annual"),
    ComponentKind.WASTE: ("prices", "annual"),
    ComponentKind.MINIMUM: ("amount", "per_30_days"),
}


_OPTIONAL = frozenset().union(*_FIELDS.values())
_BY_PROPERTY = (
    ComponentKind.PROPERTY,
    ComponentKind.STORMWATER_UNITS,
    ComponentKind.STORMWATER_TIERS,
)
# The keys of each kind's prices.
_ANNUAL_KEYS: Mapping[ComponentKind, type[StrEnum]] = {
    ComponentKind.FIXED: MeterSize,
    ComponentKind.STORMWATER: PropertyType,
    ComponentKind.WASTE: CartSize,
}


def unused(**field: Any) -> Any:
    """A field some kinds of component do not use: absent from the request (not null), and
    left out of the response when unused, so a schedule reads back as it was posted."""
    return Field(default=None, exclude_if=lambda value: value is None, **field)


# The charge types each kind takes (the others take none).
_CHARGE_TYPES: Mapping[ComponentKind, tuple[ChargeType, ...]] = {
    ComponentKind.FIXED: CONSUMPTION_TYPES,
    ComponentKind.BLOCKS: CONSUMPTION_TYPES,
    ComponentKind.VOLUMETRIC: CONSUMPTION_TYPES,
    ComponentKind.MINIMUM: tuple(SERVICE_OF),
    ComponentKind.SEWER: (ChargeType.SEWER,),
    ComponentKind.STORMWATER: (ChargeType.STORMWATER,),
    ComponentKind.WASTE: (ChargeType.WASTE,),
    ComponentKind.PROPERTY: tuple(SERVICE_OF),
    ComponentKind.STORMWATER_UNITS: (ChargeType.STORMWATER,),
    ComponentKind.STORMWATER_TIERS: (ChargeType.STORMWATER,),
    ComponentKind.MINIMUM_BILL: tuple(SERVICE_OF),
}
# A property charge's prices by the property's type, or by an attribute's value (a slug).
_PROPERTY_PRICES = {
    "if": {"properties": {"by": {"const": PROPERTY_TYPE}}, "required": ["by"]},
    "then": {
        "properties": {"prices": {"propertyNames": {"enum": [t.value for t in PropertyType]}}}
    },
    "else": {"properties": {"prices": {"propertyNames": {"pattern": f"^{SLUG.pattern}$"}}}},
    "anyOf": [
        {"required": ["prices"], "properties": {"prices": {"minProperties": 1}}},
        {"required": ["default"]},
    ],
}
# A component's charge type: a built-in one, or a code its version defines.
ChargeTypeCode = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9-]{0,39}$",
        description="A built-in charge type, or a code the version's charge_types define",
    ),
]
_BUILT_IN: list[Any] = [charge.value for charge in ChargeType]
# A sewer charge is a percent of the water charges, or a rate per m3 (with its late rate).
_SEWER = {
    "oneOf": [
        {
            "required": ["percent"],
            "properties": {
                "rate": False,
                "late_rate": False,
                "season": False,
                "cap": False,
                "winter_cap": {"const": False},
                "volume_percent": False,
                "volume_percent_by_class": False,
            },
        },
        {"required": ["rate"], "properties": {"percent": False}},
    ]
}


_ABOVE_ZERO = {"not": {"pattern": r"^0*(\.0*)?$"}}
# Billing units rounded to whole units have whole minimum and maximum units.
_WHOLE_UNITS = when(
    {"unit_places": {"const": 0}},
    {
        "properties": {
            name: {"pattern": r"^[0-9]{1,9}$"} for name in ("minimum_units", "maximum_units")
        }
    },
)
_VOLUMETRIC = {
    "anyOf": [{"not": {"required": ["cap"]}}, {"properties": {"blocks": {"maxItems": 1}}}]
}


def _figure_rule(new: str, old: str) -> dict[str, Any]:
    """The figure with its basis, or under its older name (which says its basis) without one."""
    return {
        "oneOf": [
            {"required": [new, "basis"], "properties": {old: False}},
            {"required": [old], "properties": {new: False, "basis": False}},
        ]
    }


def _kind_rule(kind: ComponentKind) -> dict[str, Any]:
    """What ``kind`` requires and refuses, its charge types and its prices' keys."""
    fields: dict[str, Any] = {name: False for name in sorted(_OPTIONAL - _FIELDS[kind])}
    if kind in _ANNUAL_KEYS:
        keys = [key.value for key in _ANNUAL_KEYS[kind]]
        for name in ("annual", "prices"):
            fields[name] = {"minProperties": 1, "propertyNames": {"enum": keys}}
        if kind is ComponentKind.FIXED:
            fields["customer_owned_prices"] = fields["prices"]
    if kind in _CHARGE_TYPES:
        fields["charge_type"] = {
            "anyOf": [
                {"enum": [charge.value for charge in _CHARGE_TYPES[kind]]},
                {"not": {"enum": _BUILT_IN}},
            ]
        }
    then: dict[str, Any] = {"required": sorted(_REQUIRED[kind]), "properties": fields}
    if kind in _FIGURES:
        then |= _figure_rule(*_FIGURES[kind])
    elif kind is ComponentKind.SEWER:
        then |= _SEWER
    elif kind is ComponentKind.VOLUMETRIC:
        then |= _VOLUMETRIC
    elif kind is ComponentKind.PROPERTY:
        then |= _PROPERTY_PRICES
    elif kind is ComponentKind.STORMWATER_UNITS:
        fields["unit_area"] = _ABOVE_ZERO
        then |= _WHOLE_UNITS
    return when({"component": {"const": kind.value}}, then)


def _at_most_one(**fields: str) -> dict[str, Any]:
    """An array holding at most one item whose ``fields`` have these values."""
    match = {"properties": {name: {"const": value} for name, value in fields.items()}}
    return {"contains": match | {"required": list(fields)}, "minContains": 0, "maxContains": 1}


def _season_months() -> dict[str, Any]:
    """A season is shorter than the year: it does not end the month before it starts."""
    return {
        "anyOf": [
            {
                "properties": {
                    "first_month": {"const": first},
                    "last_month": {"enum": [m for m in range(1, 13) if m != (first - 2) % 12 + 1]},
                }
            }
            for first in range(1, 13)
        ]
    }


_PERCENT_SEWER = {"properties": {"component": {"const": "sewer"}}, "required": ["percent"]}
_WATER_CONSUMPTION = {
    "properties": {
        "component": {"enum": [ComponentKind.BLOCKS.value, ComponentKind.VOLUMETRIC.value]},
        "charge_type": {"const": ChargeType.WATER.value},
    },
    "required": ["component", "charge_type"],
}
_NOT_PER_DAYS = {"properties": {"per": {"not": {"const": Per.DAYS.value}}}}
_FIXED_PERIOD = when(
    {"day_count": {"const": DayCount.FIXED_PERIOD.value}},
    {
        "required": ["periods_per_year"],
        "properties": {
            "components": {
                "items": {
                    "properties": {
                        "basis": _NOT_PER_DAYS,
                        "cap": {"properties": {"basis": _NOT_PER_DAYS}},
                        "per_30_days": False,
                    }
                }
            }
        },
    },
    {"properties": {"periods_per_year": False}},
)
_VERSION_RULES = (
    _FIXED_PERIOD,
    # at most one minimum per charge type, one tax per charge type
    {
        "properties": {
            "components": {
                "allOf": [
                    *(_at_most_one(component="minimum", charge_type=t.value) for t in SERVICE_OF),
                    _at_most_one(component=ComponentKind.MINIMUM_BILL.value),
                ]
            },
            "taxes": {"allOf": [_at_most_one(charge_type=t.value) for t in ChargeType]},
        }
    },
    # a percentage sewer charge is a percent of a water consumption rate
    {
        "if": {
            "properties": {"components": {"contains": _PERCENT_SEWER}},
            "required": ["components"],
        },
        "then": {"properties": {"components": {"contains": _WATER_CONSUMPTION}}},
    },
)


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


class SeasonSpec(Request):
    model_config = rules(_season_months())

    name: Name = Field(min_length=1, max_length=40, description="e.g. summer")
    first_month: WholeNumber = Field(ge=1, le=12)
    last_month: WholeNumber = Field(
        ge=1, le=12, description="Before first_month: wraps the year end"
    )

    def to_domain(self) -> Season:
        with field_prefix("season"):
            return Season(self.name, self.first_month, self.last_month)


BasisDays = Annotated[int, Field(ge=1, le=MAX_BASIS_DAYS), WHOLE]


class BasisSpec(Request):
    """What a figure is per: ``days`` (with how many: 1 is per day, 60 per 60 days), the billing
    ``period``, a ``month``, a ``quarter`` or a ``year``."""

    model_config = rules(
        when(
            {"per": {"const": Per.DAYS.value}},
            {"required": ["days"]},
            {"properties": {"days": False}},
        ),
        {"properties": {"days": {"minimum": 1, "maximum": MAX_BASIS_DAYS}}},
    )

    per: Per
    days: Omissible[BasisDays] = unused(description="With per days: how many")

    def to_domain(self) -> Basis:
        return Basis(self.per, self.days)


class CapSpec(Request):
    """No charge on the volume above ``volume`` m3 per ``basis`` (scaled to the days billed)."""

    volume: Volume = Field(
        description="Cubic metres, up to 3 decimals, above zero",
        json_schema_extra={"not": {"pattern": r"^0*(\.0*)?$"}},
    )
    basis: BasisSpec

    def to_domain(self) -> VolumeCap:
        with field_prefix("basis"):
            basis = self.basis.to_domain()
        return VolumeCap(Decimal(self.volume), basis)


class BlockSpec(Request):
    limit: Volume | None = Field(
        default=None,
        description="Up to this many m3 (per the component's basis for blocks, per calendar "
        "year for volumetric thresholds); none for the last block",
    )
    rate: Price = Field(description="Dollars per m3, up to 4 decimals")
    late_rate: Price | None = Field(
        default=None,
        description="Dollars per m3 when paid after the due date (at least the rate)",
        json_schema_extra=at_least("rate"),
    )

    def to_domain(self) -> Block:
        return Block(_decimal(self.limit), Decimal(self.rate), _decimal(self.late_rate))


class AreaTierSpec(Request):
    limit: Area | None = unused(
        description="Up to this many m2 of impervious area; none for the last tier"
    )
    price: Price = Field(description="Dollars per the component's basis")

    def to_domain(self) -> AreaTier:
        return AreaTier(_decimal(self.limit), Decimal(self.price))


class ComponentSpec(Request):
    """One rate component. Which fields apply depends on ``component``:

    fixed: charge_type (water or sewer), prices by meter size (customer_owned_prices for a
    customer's own meter); blocks: charge_type, blocks
    (limits per the basis), cap; volumetric: charge_type, blocks (one block: a single rate, which
    may have a cap; more: thresholds on the year's volume); sewer: percent of the water
    consumption charges or rate per m3, late_rate, winter_cap, cap; stormwater: prices by
    property type; waste: prices by cart size; minimum: charge_type, amount; property:
    charge_type, prices by the value of the property attribute named ``by`` (or its
    property_type), default, per_dwelling_unit, metering; stormwater-units: unit_area,
    unit_rounding, unit_places, minimum_units, maximum_units, price per unit; stormwater-tiers:
    tiers of impervious area, each with its price. Prices, amounts and
    block limits are per their ``basis`` (prices may be sent as ``annual``, per year, and an
    amount as ``per_30_days``). Every kind but minimum may have a season.
    """

    model_config = rules(*(_kind_rule(kind) for kind in ComponentKind))

    component: ComponentKind
    charge_type: Omissible[ChargeTypeCode] = unused()
    annual: Omissible[dict[str, Price]] = unused(
        description="Dollars a year by meter size, property type or cart size (prices per year)"
    )
    prices: Omissible[dict[str, Price]] = unused(
        description="Dollars per the basis by meter size, property type or cart size"
    )
    basis: Omissible[BasisSpec] = unused()
    blocks: Omissible[list[BlockSpec]] = unused(
        min_length=1,
        max_length=20,
        description="In ascending order of limit; only the last is unlimited",
        json_schema_extra=leave_out(**{"x-tiers": "limit"}),
    )
    percent: Omissible[Percent] = unused(description="e.g. 80 (up to 2 decimals)")
    volume_percent: Omissible[PercentOfAll] = unused(
        description="Sewer per m3: bill this percent of the water volume (e.g. 90), at most 100"
    )
    volume_percent_by_class: Omissible[dict[str, PercentOfAll]] = unused(
        description="Sewer per m3: the percent of the water volume by property type (customer "
        "class); others are billed on volume_percent, or on all of it",
        json_schema_extra=leave_out(
            minProperties=1, propertyNames={"enum": [t.value for t in PropertyType]}
        ),
    )
    included_volume: Omissible[Volume] = unused(
        description="Fixed: m3 per the basis the charge includes; the same charge type's "
        "consumption charges bill only the volume above it"
    )
    rate: Omissible[Price] = unused(description="Dollars per m3")
    late_rate: Price | None = unused(json_schema_extra=leave_out(**at_least("rate")))
    winter_cap: Omissible[bool] = unused(
        description="Bill sewer on at most the winter average daily volume"
    )
    cap: Omissible[CapSpec] = unused()
    season: Omissible[SeasonSpec] = unused()
    amount: Omissible[Price] = unused(description="Minimum dollars per the basis")
    per_30_days: Omissible[Price] = unused(description="Minimum dollars per 30 days")
    customer_owned_prices: Omissible[dict[str, Price]] = unused(
        description="Fixed: dollars per the basis by meter size when the customer owns the "
        "meter (a size it does not list costs the same as in prices)"
    )
    by: Omissible[PricedBy] = unused(
        description="Property: property_type, or the name of a property attribute (zone)"
    )
    default: Omissible[Price] = unused(
        description="Property: dollars per the basis for a value prices do not list"
    )
    # Left out when false or any, their defaults, so a schedule reads back as posted.
    per_dwelling_unit: Omissible[bool] = Field(
        default=None,
        description="Property: the price is per dwelling unit billed",
        exclude_if=lambda value: not value,
    )
    metering: Omissible[Metering] = Field(
        default=None,
        description="Property: any (default), metered or unmetered accounts only",
        exclude_if=lambda value: value in (None, Metering.ANY),
    )
    unit_area: Omissible[Area] = unused(description="Square metres of impervious area a unit")
    unit_rounding: Omissible[UnitRounding] = unused(
        description="How the area's billing units are rounded: up, nearest or down"
    )
    unit_places: Omissible[WholeNumber] = unused(
        json_schema_extra=leave_out(enum=[0, 1]), description="Billing units' decimals: 0 or 1"
    )
    minimum_units: Omissible[Units] = unused(description="The fewest billing units charged")
    maximum_units: Units | None = unused(
        description="The most billing units charged (at least minimum_units)",
        json_schema_extra=leave_out(**at_least("minimum_units")),
    )
    price: Omissible[Price] = unused(description="Dollars per billing unit per the basis")
    tiers: Omissible[list[AreaTierSpec]] = unused(
        min_length=1,
        max_length=20,
        description="In ascending order of limit (m2 of impervious area); the last is unlimited",
        json_schema_extra=leave_out(**{"x-tiers": "limit"}),
    )

    def to_domain(self, defined: Mapping[str, ChargeType] | None = None) -> Component:
        """The component; ``defined`` maps the codes of its version's own charge types to
        their services."""
        kind = self.component
        given = {name for name in type(self).model_fields if getattr(self, name) is not None}
        given.discard("component")
        for name in sorted(given - _FIELDS[kind]):
            raise InvalidInput(f"{name} does not apply to a {kind} component", name)
        for name in sorted(_REQUIRED[kind] - given):
            raise InvalidInput(f"{name} is required for a {kind} component", name)
        if kind in _FIGURES:
            _check_figure(given, *_FIGURES[kind])
        charge_type, category = self._charge_type(defined or {})
        season = self.season.to_domain() if self.season is not None else None
        basis = None
        if self.basis is not None:
            with field_prefix("basis"):
                basis = self.basis.to_domain()
        cap = None
        if self.cap is not None:
            with field_prefix("cap"):
                cap = self.cap.to_domain()
        if kind is ComponentKind.MINIMUM:
            assert charge_type is not None
            if self.per_30_days is not None:
                return MinimumCharge(
                    charge_type, Decimal(self.per_30_days), PER_30_DAYS, category=category
                )
            assert self.amount is not None and basis is not None
            return MinimumCharge(charge_type, Decimal(self.amount), basis, category=category)
        if kind is ComponentKind.MINIMUM_BILL:
            assert self.amount is not None and basis is not None
            return MinimumBill(
                Decimal(self.amount), basis, charge_type or ChargeType.WATER, category=category
            )
        if kind is ComponentKind.SEWER:
            by_class: Any = self.volume_percent_by_class
            return SewerCharge(
                _decimal(self.percent),
                _decimal(self.rate),
                _decimal(self.late_rate),
                bool(self.winter_cap),
                season,
                cap,
                category=category,
                volume_percent=_decimal(self.volume_percent),
                volume_percent_by_class=(
                    None if by_class is None else {k: Decimal(v) for k, v in by_class.items()}
                ),
            )
        if kind in (ComponentKind.BLOCKS, ComponentKind.VOLUMETRIC):
            assert charge_type is not None and self.blocks is not None
            blocks = []
            for index, block in enumerate(self.blocks):
                with field_prefix(f"blocks.{index}"):
                    blocks.append(block.to_domain())
            if kind is ComponentKind.BLOCKS:
                assert basis is not None
                return ConsumptionBlocks(charge_type, blocks, season, basis, cap, category=category)
            return VolumetricRate(charge_type, blocks, season, cap, category=category)
        if kind in _BY_PROPERTY:
            return self._by_property(charge_type, category, season, basis)
        sent = self.prices if self.prices is not None else self.annual
        assert sent is not None
        if basis is None:
            basis = PER_YEAR_BASIS
        # Keys as sent: the domain turns them into sizes, types or carts, naming a bad one.
        prices: Any = {key: Decimal(price) for key, price in sent.items()}
        with _sent_as("prices" if self.prices is not None else "annual"):
            if kind is ComponentKind.FIXED:
                assert charge_type is not None
                sent_owned = self.customer_owned_prices
                owned: Any = (
                    None
                    if sent_owned is None
                    else {key: Decimal(price) for key, price in sent_owned.items()}
                )
                return FixedCharge(
                    charge_type,
                    prices,
                    season,
                    basis,
                    category=category,
                    customer_owned_prices=owned,
                    included_volume=_decimal(self.included_volume),
                )
            if kind is ComponentKind.STORMWATER:
                return StormwaterCharge(prices, season, basis, category=category)
            return WasteCharge(prices, season, basis, category=category)

    def _by_property(
        self,
        charge_type: ChargeType | None,
        category: str | None,
        season: Season | None,
        basis: Basis | None,
    ) -> Component:
        """A property charge, or stormwater by impervious area (billing units or tiers)."""
        assert basis is not None
        if self.component is ComponentKind.PROPERTY:
            assert charge_type is not None and self.by is not None
            return PropertyCharge(
                charge_type,
                self.by,
                {value: Decimal(price) for value, price in (self.prices or {}).items()},
                _decimal(self.default),
                bool(self.per_dwelling_unit),
                self.metering or Metering.ANY,
                season,
                basis,
                category=category,
            )
        if self.component is ComponentKind.STORMWATER_UNITS:
            assert self.unit_area is not None and self.price is not None
            assert self.unit_rounding is not None and self.unit_places is not None
            return StormwaterUnits(
                Decimal(self.unit_area),
                Decimal(self.price),
                self.unit_rounding,
                self.unit_places,
                _decimal(self.minimum_units),
                _decimal(self.maximum_units),
                season,
                basis,
                category=category,
            )
        assert self.tiers is not None
        tiers = []
        for index, tier in enumerate(self.tiers):
            with field_prefix(f"tiers.{index}"):
                tiers.append(tier.to_domain())
        return StormwaterTiers(tiers, season, basis, category=category)

    def _charge_type(
        self, defined: Mapping[str, ChargeType]
    ) -> tuple[ChargeType | None, str | None]:
        """The built-in charge type the component charges, and the version's own charge type
        it is printed under (None for a built-in one)."""
        sent = self.charge_type
        if sent is None:
            return None, None
        if sent in _BUILT_IN:
            built_in = ChargeType(sent)
            allowed = _CHARGE_TYPES[self.component]
            if built_in not in allowed:
                names = ", ".join(allowed)
                raise InvalidInput(f"charge_type must be one of {names}", "charge_type")
            return built_in, None
        if sent not in defined:
            raise InvalidInput(
                f"{sent} is neither a built-in charge type nor one of this version's charge_types",
                "charge_type",
            )
        return defined[sent], sent


@contextmanager
def _sent_as(name: str) -> Iterator[None]:
    """Errors on the domain's ``prices`` named as the client sent them (``annual``)."""
    try:
        yield
    except InvalidInput as error:
        error.rename(
            lambda field: name + field[6:] if field and field.startswith("prices") else field
        )
        raise


def _check_figure(given: set[str], new: str, old: str) -> None:
    """The figure with its basis, or under its older name (which says its basis) without one."""
    if old in given:
        for name in (new, "basis"):
            if name in given:
                raise InvalidInput(f"{name} does not apply with {old}", name)
        return
    for name in (new, "basis"):
        if name not in given:
            raise InvalidInput(f"{name} is required (or {old})", name)


class TaxSpec(Request):
    charge_type: ChargeType
    name: Name = Field(min_length=1, max_length=40, description="e.g. HST")
    rate: str = Field(
        pattern=r"^(?:0(?:\.[0-9]{1,4})?|1(?:\.0{1,4})?)$", description="A fraction, e.g. 0.13"
    )

    def to_domain(self) -> Tax:
        return Tax(self.charge_type, self.name, Decimal(self.rate))


class ChargeTypeTaxSpec(Request):
    name: Name = Field(min_length=1, max_length=40, description="e.g. HST")
    rate: str = Field(
        pattern=r"^(?:0(?:\.[0-9]{1,4})?|1(?:\.0{1,4})?)$",
        description="A fraction, e.g. 0.13; 0 exempts the charge type",
    )


class ChargeTypeSpec(Request):
    """A charge type the version defines within a built-in ``service``: its lines print under
    its own heading and are totalled on their own."""

    code: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,39}$")] = Field(
        description="Lower-case letters, digits and dashes, e.g. fire-protection; not a "
        "built-in charge type",
        json_schema_extra={"not": {"enum": _BUILT_IN}},
    )
    name_en: Name = Field(min_length=1, max_length=60, description="e.g. Fire protection")
    name_fr: Name = Field(min_length=1, max_length=60, description="e.g. Protection incendie")
    service: ChargeType = Field(
        description="The built-in charge type it belongs to: the service an account needs "
        "(miscellaneous: every account)"
    )
    gl_code: Omissible[Annotated[str, Field(pattern=r"^[A-Za-z0-9.-]{1,30}$")]] = unused(
        description="The revenue (general ledger) account it posts to"
    )
    tax: Omissible[ChargeTypeTaxSpec] = unused(
        description="Its own tax; without one, its service's tax applies"
    )
    pass_through: Omissible[bool] = unused(
        description="Collected for another body (a right-of-way charge)"
    )

    def to_domain(self) -> DefinedChargeType:
        tax = None
        if self.tax is not None:
            with field_prefix("tax"):
                tax = Tax(self.service, self.tax.name, Decimal(self.tax.rate))
        return DefinedChargeType(
            self.code,
            self.name_en,
            self.name_fr,
            self.service,
            self.gl_code,
            tax,
            bool(self.pass_through),
        )


def version_record(version: RateVersion) -> dict[str, Any]:
    """``version`` in the API's (and the store's) shape: a component of a version's own charge
    type names its code as ``charge_type``; defaults not sent are left out."""
    record = as_record(version)
    for component in record["components"]:
        category = component.pop("category", None)
        if category is not None:
            component["charge_type"] = category
    for definition in record["charge_types"]:
        if definition["tax"] is not None:
            definition["tax"].pop("charge_type")
        if not definition["pass_through"]:
            definition["pass_through"] = None
    if not record["charge_types"]:
        record["charge_types"] = None
    if record["rounding"] == Rounding.LINE.value:
        record["rounding"] = None
    return record


class RateVersionSpec(Request):
    """The rates in effect from ``effective_from`` to ``effective_to`` (inclusive; none: until
    a later version starts)."""

    model_config = rules(*_VERSION_RULES)

    effective_from: date
    effective_to: date | None = Field(default=None, json_schema_extra=not_before("effective_from"))
    components: list[ComponentSpec] = Field(
        min_length=1,
        max_length=50,
        description="A charge_type not built in is a code of charge_types whose service the "
        "component's kind takes; at most one minimum per charge type (a built-in type's counts "
        "the lines of its service's defined types that have none of their own)",
        json_schema_extra={"x-charge-types": "charge_types"},
    )
    taxes: list[TaxSpec] = Field(
        default_factory=list, max_length=10, description="Charge types not listed are exempt"
    )
    day_count: DayCount = Field(
        default=DayCount.ACTUAL_365,
        description="How figures per year, quarter, month or period are prorated: actual/365, "
        "actual/actual (each calendar year over its own length) or fixed-period (each bill is "
        "one of periods_per_year, whatever its days)",
    )
    periods_per_year: Omissible[WholeNumber] = unused(
        json_schema_extra=leave_out(enum=list(PERIODS_PER_YEAR)),
        description="With a fixed-period day count: bills a year",
    )
    charge_types: list[ChargeTypeSpec] | None = unused(
        max_length=20,
        description="The version's own charge types (Ottawa's fire protection within water, a "
        "pass-through right-of-way charge), each code once: components name them as their "
        "charge_type",
        json_schema_extra={"x-unique": "code"},
    )
    rounding: Omissible[Rounding] = unused(
        description="Where amounts are rounded to the cent: line (each line, the default), "
        "charge-type (each charge type's total, with a rounding line for the difference from "
        "its lines) or bill (the bill's charges, likewise)"
    )

    def to_domain(self) -> RateVersion:
        definitions = []
        for index, definition in enumerate(self.charge_types or ()):
            with field_prefix(f"charge_types.{index}"):
                definitions.append(definition.to_domain())
        defined = {definition.code: definition.service for definition in definitions}
        components = []
        for index, component in enumerate(self.components):
            with field_prefix(f"components.{index}"):
                components.append(component.to_domain(defined))
        taxes = []
        for index, tax in enumerate(self.taxes):
            with field_prefix(f"taxes.{index}"):
                taxes.append(tax.to_domain())
        return RateVersion(
            self.effective_from,
            self.effective_to,
            components,
            taxes,
            self.day_count,
            self.periods_per_year,
            definitions,
            self.rounding or Rounding.LINE,
        )

    @classmethod
    def of(cls, version: RateVersion) -> RateVersionSpec:
        return cls.model_validate(version_record(version), strict=False)


class NewRateSchedule(Request):
    """A rate schedule with its first version (or several, in date order)."""

    schedule_id: ScheduleId
    name: Name = Field(min_length=1, max_length=120, description="e.g. Residential water")
    versions: list[RateVersionSpec] = Field(
        min_length=1,
        max_length=100,
        description="In date order, none overlapping (only the last may be open-ended)",
        json_schema_extra={"x-periods": ["effective_from", "effective_to"]},
    )

    def to_domain(self) -> RateSchedule:
        versions = []
        for index, version in enumerate(self.versions):
            with field_prefix(f"versions.{index}"):
                versions.append(version.to_domain())
        return RateSchedule(self.schedule_id, self.name, versions)


class NewRateVersion(RateVersionSpec):
    """A version to add; it closes an open-ended last version the day before it starts."""

    version: WholeNumber = Field(
        ge=1, description="The schedule's version you read; a stale one gets 409"
    )


class RateScheduleResponse(Payload):
    schedule_id: str
    name: str
    version: int = Field(description="Send it back with a new rate version")
    versions: list[RateVersionSpec]

    @classmethod
    def of(cls, schedule: RateSchedule) -> RateScheduleResponse:
        return cls(
            schedule_id=schedule.schedule_id,
            name=schedule.name,
            version=schedule.version,
            versions=[RateVersionSpec.of(v) for v in schedule.versions],
        )


class RateScheduleList(Payload):
    items: list[RateScheduleResponse]


class MiscellaneousSpec(Request):
    description: str = Field(min_length=1, max_length=120, description="e.g. Meter test")
    amount: Dollars = Field(description="Dollars, up to 2 decimals")

    def to_domain(self) -> MiscellaneousCharge:
        return MiscellaneousCharge(self.description, Decimal(self.amount))


class QuoteRequest(Request):
    """What one account would be charged for a period (``period_start`` exclusive,
    ``period_end`` inclusive, as between two reads)."""

    period_start: date
    period_end: date = Field(json_schema_extra=after("period_start"))
    volume: Volume = Field(description="Cubic metres used, up to 3 decimals")
    meter_size: MeterSize | None = None
    property_type: PropertyType
    services: list[ServiceType] = Field(max_length=4, description="The services to charge")
    cart_size: CartSize | None = None
    year_to_date_volume: Volume = Field(
        default="0", description="Cubic metres billed earlier this calendar year"
    )
    winter_daily_average: Volume | None = Field(
        default=None, description="Cubic metres a day over the winter (for a capped sewer rate)"
    )
    miscellaneous: list[MiscellaneousSpec] = Field(default_factory=list, max_length=20)

    def to_domain(self) -> RatingInput:
        charges = []
        for index, charge in enumerate(self.miscellaneous):
            with field_prefix(f"miscellaneous.{index}"):
                charges.append(charge.to_domain())
        return RatingInput(
            period_start=self.period_start,
            period_end=self.period_end,
            volume=Decimal(self.volume),
            meter_size=self.meter_size,
            property_type=self.property_type,
            services=frozenset(self.services),
            cart_size=self.cart_size,
            year_to_date_volume=Decimal(self.year_to_date_volume),
            winter_daily_average=_decimal(self.winter_daily_average),
            miscellaneous=charges,
        )


class ChargeCategoryOut(Payload):
    """The version's own charge type a line or tax is printed and totalled under."""

    code: str
    name_en: str
    name_fr: str
    gl_code: str | None
    pass_through: bool

    @classmethod
    def of(cls, category: ChargeCategory | None) -> ChargeCategoryOut | None:
        return None if category is None else cls.model_validate(category, from_attributes=True)


class ChargeLineOut(Payload):
    """``amount`` = ``quantity`` x ``unit_price`` (x ``days`` / ``basis_days`` when set, x
    ``percent`` / 100 when set), rounded half up to the cent; ``amount_after_due`` when paid
    after the due date, when it differs; ``included_volume``: the m3 a fixed charge includes."""

    charge_type: ChargeType
    kind: str
    quantity: Decimal
    unit: Unit
    unit_price: Decimal
    amount: Decimal
    rate_effective_from: date
    days: int | None
    basis_days: int | None
    tier: int | None
    season: str | None
    detail: str | None
    category: ChargeCategoryOut | None = unused(description="The version's own charge type")
    amount_after_due: Decimal | None = unused(description="When paid late, when it differs")
    percent: Decimal | None
    included_volume: Decimal | None

    @classmethod
    def of(cls, line: ChargeLine) -> ChargeLineOut:
        return cls.model_validate(line, from_attributes=True)


class TaxLineOut(Payload):
    charge_type: ChargeType
    name: str
    rate: Decimal
    base: Decimal
    amount: Decimal
    category: ChargeCategoryOut | None = unused(description="The version's own charge type")
    amount_after_due: Decimal | None = unused(description="When paid late, when it differs")

    @classmethod
    def of(cls, tax: TaxLine) -> TaxLineOut:
        return cls.model_validate(tax, from_attributes=True)


class QuoteResponse(Payload):
    schedule_id: str
    period_start: date
    period_end: date
    days: int
    lines: list[ChargeLineOut]
    taxes: list[TaxLineOut]
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    total_after_due: Decimal | None = Field(description="What the bill costs paid late")
    rounding: Rounding = Field(description="Where the amounts were rounded to the cent")

    @classmethod
    def of(cls, schedule_id: str, bill: RatedBill) -> QuoteResponse:
        return cls(
            schedule_id=schedule_id,
            period_start=bill.period_start,
            period_end=bill.period_end,
            days=bill.days,
            lines=[ChargeLineOut.of(line) for line in bill.lines],
            taxes=[TaxLineOut.of(tax) for tax in bill.taxes],
            subtotal=bill.subtotal,
            tax_total=bill.tax_total,
            total=bill.total,
            total_after_due=bill.total_after_due,
            rounding=bill.rounding,
        )
