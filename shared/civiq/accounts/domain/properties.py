"""Properties: the serviced parcel, its tax roll number, its units and how they are metered."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

from civiq.core.addresses import Address, GeoPoint
from civiq.core.errors import InvalidInput

UNIT = re.compile(r"[A-Za-z0-9][A-Za-z0-9 \-]{0,19}")
SHARE_PLACES = Decimal("0.0001")
CONSUMPTION_PLACES = Decimal("0.001")  # cubic metres: litre precision
ROUTE = re.compile(r"[A-Z0-9-]{1,12}")
DEFAULT_ROUTE = "1"  # a town with one meter-reading route
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")  # an attribute's name or value: zone, rural
MAX_ATTRIBUTES = 20
AREA_PLACES = Decimal("0.01")  # square metres
MAX_AREA = Decimal(10) ** 9
MAX_DWELLING_UNITS = 10_000


class PropertyType(StrEnum):
    """Drives stormwater charges and the demo data mix."""

    SINGLE_FAMILY = "single-family"
    SEMI_DETACHED = "semi-detached"
    TOWNHOUSE = "townhouse"
    MULTI_RESIDENTIAL = "multi-residential"
    MIXED_USE = "mixed-use"
    COMMERCIAL = "commercial"
    INDUSTRIAL = "industrial"
    INSTITUTIONAL = "institutional"
    VACANT_LAND = "vacant-land"


class MeterArrangement(StrEnum):
    INDIVIDUAL = "individual"  # one meter per unit (or per property when it has no units)
    SHARED = "shared"  # one meter for the building, consumption allocated by share


def normalize_roll_number(typed: str, field: str = "roll_number") -> str:
    """Ontario assessment roll number (MPAC) as 19 digits.

    A roll number is 15 digits (county/municipality 4, map area 3, map division 3, parcel 5)
    followed by 4 digits for a sub-parcel, ``0000`` for most properties. Either length is
    accepted, with spaces, dashes or dots as people write them; a 15-digit number gets ``0000``.
    The municipality code (first 4 digits) cannot be ``0000``.
    """
    compact = re.sub(r"[\s.\-]", "", typed)
    if not re.fullmatch(r"[0-9]{15}(?:[0-9]{4})?", compact):  # ASCII digits only
        raise InvalidInput(
            "roll number must be 15 or 19 digits, like 1234-567-890-12345-0000", field
        )
    if compact.startswith("0000"):
        raise InvalidInput("roll number has no municipality code (it starts with 0000)", field)
    return compact if len(compact) == 19 else compact + "0000"


def check_route(route: str, field: str = "route") -> str:
    """A meter-reading route: billing cycles select accounts by route."""
    route = route.strip().upper()
    if not ROUTE.fullmatch(route):
        raise InvalidInput("a route is 1 to 12 letters, digits or dashes", field)
    return route


def display_roll_number(roll: str) -> str:
    return f"{roll[:4]}-{roll[4:7]}-{roll[7:10]}-{roll[10:15]}-{roll[15:]}"


def check_unit(value: str, field: str = "unit") -> str:
    if not UNIT.fullmatch(value):
        raise InvalidInput("unit must be 1 to 20 letters, digits, spaces or dashes", field)
    return value.strip()


def check_attributes(attributes: Mapping[str, str]) -> Mapping[str, str]:
    """What rates may price a property by besides its type (``{"zone": "rural",
    "sewer-connection": "not-connected"}``): lower-case slugs, names and values."""
    if len(attributes) > MAX_ATTRIBUTES:
        raise InvalidInput(f"a property has at most {MAX_ATTRIBUTES} attributes", "attributes")
    for name, value in attributes.items():
        if not isinstance(name, str) or not SLUG.fullmatch(name):
            raise InvalidInput(
                "an attribute's name is 1 to 40 lower-case letters, digits or dashes",
                f"attributes.{name}",
            )
        if not isinstance(value, str) or not SLUG.fullmatch(value):
            raise InvalidInput(
                "an attribute's value is 1 to 40 lower-case letters, digits or dashes",
                f"attributes.{name}",
            )
    return dict(attributes)


def check_impervious_area(area: Decimal | None, field: str = "impervious_area") -> None:
    """Roof and hard surface, square metres to 2 decimals (stormwater may be priced by it)."""
    if area is None:
        return
    if (
        not isinstance(area, Decimal)
        or not area.is_finite()
        or area < 0
        or area >= MAX_AREA
        or area != area.quantize(AREA_PLACES)
    ):
        raise InvalidInput(
            "impervious area is square metres, zero or more, with up to 2 decimals", field
        )


def check_dwelling_units(count: int | None, field: str = "dwelling_units") -> None:
    if count is None:
        return
    if (
        isinstance(count, bool)
        or not isinstance(count, int)
        or not 1 <= count <= MAX_DWELLING_UNITS
    ):
        raise InvalidInput(f"dwelling units are 1 to {MAX_DWELLING_UNITS:,}", field)


@dataclass(frozen=True, slots=True)
class MeterConfiguration:
    """How a property is metered. ``shares`` (unit -> fraction, summing to 1) only when shared."""

    arrangement: MeterArrangement = MeterArrangement.INDIVIDUAL
    shares: Mapping[str, Decimal] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.arrangement is MeterArrangement.INDIVIDUAL:
            if self.shares:
                raise InvalidInput("shares apply only to a shared meter", "shares")
            return
        if len(self.shares) < 2:
            raise InvalidInput("a shared meter needs shares for at least two units", "shares")
        for unit, share in self.shares.items():
            if not Decimal(0) < share <= Decimal(1) or share != share.quantize(SHARE_PLACES):
                raise InvalidInput(
                    f"share of unit {unit} must be above 0, at most 1, with up to 4 decimals",
                    f"shares.{unit}",
                )
        if sum(self.shares.values(), Decimal(0)) != Decimal(1):
            raise InvalidInput("shares must add up to exactly 1", "shares")

    def allocate(self, consumption: Decimal) -> dict[str, Decimal]:
        """Split a shared meter's consumption by share, to the litre, summing exactly.

        Each unit gets its share rounded down; the litres left over go one by one to the units
        with the largest remainders (ties: unit order), so no litre is lost or invented.
        """
        if self.arrangement is not MeterArrangement.SHARED:
            raise ValueError("only a shared meter's consumption is allocated")
        if consumption < 0 or consumption != consumption.quantize(CONSUMPTION_PLACES):
            raise ValueError("consumption must be zero or more, in whole litres")
        exact = {unit: consumption * share for unit, share in self.shares.items()}
        allocated = {u: v.quantize(CONSUMPTION_PLACES, ROUND_DOWN) for u, v in exact.items()}
        left = int((consumption - sum(allocated.values())) / CONSUMPTION_PLACES)
        by_remainder = sorted(exact, key=lambda u: (-(exact[u] - allocated[u]), u))
        for unit in by_remainder[:left]:
            allocated[unit] += CONSUMPTION_PLACES
        return allocated


@dataclass(frozen=True, slots=True)
class Property:
    """A serviced parcel. Accounts reference it by ``property_id``; units are its dwellings."""

    property_id: str
    address: Address
    roll_number: str | None  # None until MPAC assigns one (new construction)
    property_type: PropertyType
    created_at: datetime
    units: tuple[str, ...] = ()
    meters: MeterConfiguration = field(default_factory=MeterConfiguration)
    location: GeoPoint | None = None
    owner_customer_id: str | None = None
    route: str = DEFAULT_ROUTE
    attributes: Mapping[str, str] = field(default_factory=dict)
    impervious_area: Decimal | None = None
    dwelling_units: int | None = None
    version: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "route", check_route(self.route))
        object.__setattr__(self, "attributes", check_attributes(self.attributes))
        check_impervious_area(self.impervious_area)
        check_dwelling_units(self.dwelling_units)
        if self.roll_number is not None:
            object.__setattr__(self, "roll_number", normalize_roll_number(self.roll_number))
        if self.address.unit is not None:
            raise InvalidInput(
                "a property's address has no unit; list units instead", "address.unit"
            )
        units = tuple(check_unit(u, f"units.{i}") for i, u in enumerate(self.units))
        if len(set(units)) != len(units):
            raise InvalidInput("each unit may be listed once", "units")
        object.__setattr__(self, "units", units)
        shared = set(self.meters.shares)
        if shared and shared != set(units):
            raise InvalidInput("a shared meter needs one share for every unit", "meters.shares")

    @property
    def dwellings(self) -> int:
        """How many dwelling units rates count: as given, else the units listed, else 1."""
        return self.dwelling_units or len(self.units) or 1

    def check_unit(self, unit: str | None, field: str = "unit") -> None:
        """An account's unit must be one of the property's units (or none when it has none)."""
        if self.units and unit not in self.units:
            raise InvalidInput(f"unit must be one of {', '.join(self.units)}", field)
        if not self.units and unit is not None:
            raise InvalidInput("this property has no units", field)

    def revised(self, **changes: object) -> Property:
        """A new version with ``changes``; validation runs again."""
        return replace(self, version=self.version + 1, **changes)  # type: ignore[arg-type]
