"""Property API payloads."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from civiq.accounts.domain.properties import (
    DEFAULT_ROUTE,
    MeterArrangement,
    MeterConfiguration,
    Property,
    PropertyType,
    check_route,
    display_roll_number,
)
from civiq.accounts.ports import AccountSummary
from civiq.accounts.schemas.customers import AccountLinkOut
from civiq.accounts.services.properties import NewProperty, PropertyEdits
from civiq.core.errors import field_prefix
from civiq.core.schemas import (
    AddressIn,
    AddressOut,
    LocationIn,
    LocationOut,
    Payload,
    Request,
    Versioned,
)

Share = Annotated[Decimal, Field(strict=False, description="Fraction of the meter, e.g. 0.25")]


class MetersIn(Request):
    arrangement: MeterArrangement = MeterArrangement.INDIVIDUAL
    shares: dict[str, Share] = Field(
        default_factory=dict, description="Unit -> share of a shared meter; shares add up to 1"
    )

    def to_domain(self) -> MeterConfiguration:
        with field_prefix("meters"):
            return MeterConfiguration(self.arrangement, dict(self.shares))


class PropertyIn(Request):
    address: AddressIn = Field(description="Civic address, without a unit")
    property_type: PropertyType = PropertyType.SINGLE_FAMILY
    roll_number: str | None = Field(
        default=None, max_length=32, description="Ontario assessment roll number (15/19 digits)"
    )
    units: list[Annotated[str, Field(max_length=20)]] = Field(default_factory=list, max_length=500)
    meters: MetersIn = MetersIn()
    location: LocationIn | None = Field(default=None, description="Map pin inside Canada")
    route: str = Field(
        default=DEFAULT_ROUTE, max_length=12, description="Meter-reading route (billing cycles)"
    )

    def edits(self, field: str = "") -> PropertyEdits:
        """``field``: where this property sits in the request, for error names."""
        with field_prefix(field) if field else nullcontext():
            return PropertyEdits(
                address=self.address.to_domain("address"),
                property_type=self.property_type,
                roll_number=self.roll_number,
                units=tuple(self.units),
                meters=self.meters.to_domain(),
                location=self.location.to_domain() if self.location else None,
                route=check_route(self.route),
            )

    def to_new(self, field: str = "", owner_customer_id: str | None = None) -> NewProperty:
        edits = self.edits(field)
        return NewProperty(owner_customer_id=owner_customer_id, **edits.__dict__)


class RegisterPropertyRequest(PropertyIn):
    owner_customer_id: str | None = Field(default=None, max_length=40)


class PropertyUpdate(Versioned):
    """Only what is named changes: a field left out keeps its value; ``roll_number`` and
    ``location`` named null are removed (null elsewhere keeps the value)."""

    address: AddressIn | None = Field(default=None, description="Civic address, without a unit")
    property_type: PropertyType | None = None
    roll_number: str | None = Field(
        default=None, max_length=32, description="Ontario assessment roll number (15/19 digits)"
    )
    units: list[Annotated[str, Field(max_length=20)]] | None = Field(default=None, max_length=500)
    meters: MetersIn | None = None
    location: LocationIn | None = Field(default=None, description="Map pin inside Canada")
    route: str | None = Field(default=None, max_length=12, description="Meter-reading route")

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
        )


class RollNumberQuery(Request):
    roll_number: str = Field(max_length=32, description="Find the property by its roll number")


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
            created_at=prop.created_at,
            version=prop.version,
            accounts=[AccountLinkOut.of(a) for a in accounts] if accounts is not None else None,
        )
