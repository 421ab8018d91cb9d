"""Property API payloads."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field
from pydantic.json_schema import JsonDict

from civiq.accounts.domain.properties import (
    DEFAULT_ROUTE,
    MAX_ATTRIBUTES,
    MAX_DWELLING_UNITS,
    ROUTE,
    SLUG,
    UNIT,
    MeterArrangement,
    MeterConfiguration,
    Property,
    PropertyType,
    check_route,
    check_unit,
    display_roll_number,
    normalize_roll_number,
)
from civiq.accounts.ports import AccountSummary
from civiq.accounts.schemas.customers import AccountLinkOut
from civiq.accounts.services.properties import NewProperty, PropertyEdits
from civiq.core.errors import Problems, field_prefix
from civiq.core.schemas import (
    WHOLE,
    AddressIn,
    AddressOut,
    LocationIn,
    LocationOut,
    Payload,
    Request,
    Versioned,
    checked,
    rules,
    when,
)

# A roll number as written (separators optional), 15 or 19 digits, with a municipality code.
ROLL_NUMBER: JsonDict = {
    "pattern": r"^(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"
    r"[-.]?[0-9]{3}[-.]?[0-9]{3}[-.]?[0-9]{5}(?:[-.]?[0-9]{4})?$"
}
Share = Annotated[Decimal, Field(strict=False, description="Fraction of the meter, e.g. 0.25")]


# A unit as the property lists it, each once; a route as billing cycles select it (capitals).
Unit = Annotated[
    str,
    checked(check_unit),
    Field(max_length=20, json_schema_extra={"pattern": f"^{UNIT.pattern}$"}),
]
RollNumber = Annotated[str, checked(normalize_roll_number)]
Route = Annotated[str, checked(check_route)]
UNITS: JsonDict = {"uniqueItems": True}
ROUTE_PATTERN: JsonDict = {"pattern": f"^{ROUTE.pattern}$"}
# What rates may price a property by besides its type: {"zone": "rural"}, lower-case slugs.
Slug = Annotated[str, Field(pattern=f"^{SLUG.pattern}$", max_length=40)]
Attributes = Annotated[
    dict[Slug, Slug],
    Field(
        max_length=MAX_ATTRIBUTES,
        description="What rates may price the property by besides its type, e.g. "
        '{"zone": "rural", "sewer-connection": "not-connected"}',
        # pydantic states the keys' pattern only for the values' schema: every key is a slug
        json_schema_extra={
            "additionalProperties": False,
            "propertyNames": {"pattern": f"^{SLUG.pattern}$", "maxLength": 40},
        },
    ),
]
Area = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{1,9}(\.[0-9]{1,2})?$",
        description="Roof and hard surface in square metres, up to 2 decimals",
    ),
]
DwellingUnits = Annotated[
    int,
    Field(
        ge=1,
        le=MAX_DWELLING_UNITS,
        description="Dwelling units rates count (default: the units listed, or 1)",
    ),
    WHOLE,
]
# A property's meters: shared, they name each of its units (units) once, and their shares add
# up to 1 (rules no JSON Schema states: x-shares-of).
SHARES_OF_UNITS: JsonDict = {"x-shares-of": "units"}


class MetersIn(Request):
    model_config = rules(
        when(
            {"arrangement": {"const": MeterArrangement.SHARED.value}},
            {"required": ["shares"], "properties": {"shares": {"minProperties": 2}}},
            otherwise={"properties": {"shares": {"maxProperties": 0}}},
        )
    )

    arrangement: MeterArrangement = MeterArrangement.INDIVIDUAL
    shares: dict[str, Share] = Field(
        default_factory=dict, description="Unit -> share of a shared meter; shares add up to 1"
    )

    def to_domain(self) -> MeterConfiguration:
        with field_prefix("meters"):
            return MeterConfiguration(self.arrangement, dict(self.shares))


class PropertyIn(Request):
    address: AddressIn = Field(
        description="Civic address, without a unit (list units instead)",
        json_schema_extra={"properties": {"unit": False}},
    )
    property_type: PropertyType = PropertyType.SINGLE_FAMILY
    roll_number: RollNumber | None = Field(
        default=None,
        max_length=32,
        description="Ontario assessment roll number (15/19 digits)",
        json_schema_extra=ROLL_NUMBER,
    )
    units: list[Unit] = Field(default_factory=list, max_length=500, json_schema_extra=UNITS)
    meters: MetersIn = Field(default=MetersIn(), json_schema_extra=SHARES_OF_UNITS)
    location: LocationIn | None = Field(default=None, description="Map pin inside Canada")
    route: Route = Field(
        default=DEFAULT_ROUTE,
        max_length=12,
        description="Meter-reading route (billing cycles)",
        json_schema_extra=ROUTE_PATTERN,
    )
    attributes: Attributes = Field(default_factory=dict)
    impervious_area: Area | None = None
    dwelling_units: DwellingUnits | None = None

    def edits(self, field: str = "") -> PropertyEdits:
        """``field``: where this property sits in the request, for error names. Every problem
        of the address, the meters, the pin and the route is refused at once."""
        problems = Problems()
        with field_prefix(field) if field else nullcontext():
            with problems.collect():
                address = self.address.to_domain("address")
            with problems.collect():
                meters = self.meters.to_domain()
            with problems.collect():
                location = self.location.to_domain() if self.location else None
            with problems.collect():
                route = check_route(self.route)
            problems.check()
        return PropertyEdits(
            address=address,
            property_type=self.property_type,
            roll_number=self.roll_number,
            units=tuple(self.units),
            meters=meters,
            location=location,
            route=route,
            attributes=dict(self.attributes),
            impervious_area=_area(self.impervious_area),
            dwelling_units=self.dwelling_units,
        )

    def to_new(self, field: str = "", owner_customer_id: str | None = None) -> NewProperty:
        edits = self.edits(field)
        return NewProperty(owner_customer_id=owner_customer_id, **edits.__dict__)


class RegisterPropertyRequest(PropertyIn):
    owner_customer_id: str | None = Field(default=None, max_length=40)


class PropertyUpdate(Versioned):
    """Only what is named changes: a field left out keeps its value; ``roll_number``,
    ``location``, ``impervious_area`` and ``dwelling_units`` named null are removed (null
    elsewhere keeps the value); ``attributes`` named replace them all."""

    address: AddressIn | None = Field(default=None, description="Civic address, without a unit")
    property_type: PropertyType | None = None
    roll_number: RollNumber | None = Field(
        default=None,
        max_length=32,
        description="Ontario assessment roll number (15/19 digits)",
        json_schema_extra=ROLL_NUMBER,
    )
    units: list[Unit] | None = Field(default=None, max_length=500, json_schema_extra=UNITS)
    meters: MetersIn | None = Field(default=None, json_schema_extra=SHARES_OF_UNITS)
    location: LocationIn | None = Field(default=None, description="Map pin inside Canada")
    route: Route | None = Field(
        default=None,
        max_length=12,
        description="Meter-reading route",
        json_schema_extra=ROUTE_PATTERN,
    )
    attributes: Attributes | None = None
    impervious_area: Area | None = None
    dwelling_units: DwellingUnits | None = None

    def over(self, current: Property) -> PropertyEdits:
        named = self.model_fields_set
        return PropertyEdits(
            address=self.address.to_domain("address") if self.address else current.address,
            property_type=self.property_type or current.property_type,
            roll_number=self.roll_number if "roll_number" in named else current.roll_number,
            units=tuple(self.units) if self.units is not None else current.units,
            meters=self.meters.to_domain() if self.meters else current.meters,
            location=(
                (self.location.to_domain() if self.location else None)
                if "location" in named
                else current.location
            ),
            route=check_route(self.route) if self.route is not None else current.route,
            attributes=(
                dict(self.attributes) if self.attributes is not None else current.attributes
            ),
            impervious_area=(
                _area(self.impervious_area)
                if "impervious_area" in named
                else current.impervious_area
            ),
            dwelling_units=(
                self.dwelling_units if "dwelling_units" in named else current.dwelling_units
            ),
        )


def _area(text: str | None) -> Decimal | None:
    return Decimal(text) if text is not None else None


class RollNumberQuery(Request):
    roll_number: RollNumber = Field(
        max_length=32,
        description="Find the property by its roll number",
        json_schema_extra=ROLL_NUMBER,
    )


class MetersOut(Payload):
    arrangement: MeterArrangement
    shares: dict[str, str]


class PropertyResponse(Payload):
    id: str
    address: AddressOut
    roll_number: str | None
    roll_number_display: str | None
    property_type: PropertyType
    units: list[str]
    meters: MetersOut
    location: LocationOut | None
    owner_customer_id: str | None
    route: str
    attributes: dict[str, str]
    impervious_area: str | None
    dwelling_units: int | None = Field(description="As given; none: the units listed, or 1")
    created_at: datetime
    version: int
    accounts: list[AccountLinkOut] | None = None

    @classmethod
    def of(cls, prop: Property, accounts: list[AccountSummary] | None = None) -> PropertyResponse:
        roll = prop.roll_number
        pin = prop.location
        return cls(
            id=prop.property_id,
            address=AddressOut.of(prop.address),
            roll_number=roll,
            roll_number_display=display_roll_number(roll) if roll else None,
            property_type=prop.property_type,
            units=list(prop.units),
            meters=MetersOut(
                arrangement=prop.meters.arrangement,
                shares={u: str(s) for u, s in prop.meters.shares.items()},
            ),
            location=LocationOut(latitude=str(pin.latitude), longitude=str(pin.longitude))
            if pin
            else None,
            owner_customer_id=prop.owner_customer_id,
            route=prop.route,
            attributes=dict(prop.attributes),
            impervious_area=(
                str(prop.impervious_area) if prop.impervious_area is not None else None
            ),
            dwelling_units=prop.dwelling_units,
            created_at=prop.created_at,
            version=prop.version,
            accounts=[AccountLinkOut.of(a) for a in accounts] if accounts is not None else None,
        )
