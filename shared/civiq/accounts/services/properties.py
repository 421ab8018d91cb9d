"""Register and revise properties."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from civiq.accounts.domain.accounts import Account
from civiq.accounts.domain.properties import (
    DEFAULT_ROUTE,
    MeterConfiguration,
    Property,
    PropertyType,
)
from civiq.accounts.ports import AccountRepository, Changes, CustomerRepository, PropertyRepository
from civiq.accounts.services.recording import Recorder, Step
from civiq.accounts.services.refresh_accounts import RefreshAccounts
from civiq.core.addresses import Address, GeoPoint
from civiq.core.errors import Conflict, NotFound, check_version, field_prefix
from civiq.core.events import Actor


@dataclass(frozen=True)
class NewProperty:
    address: Address
    property_type: PropertyType
    roll_number: str | None = None
    units: tuple[str, ...] = ()
    meters: MeterConfiguration = field(default_factory=MeterConfiguration)
    location: GeoPoint | None = None
    owner_customer_id: str | None = None
    route: str = DEFAULT_ROUTE
    attributes: Mapping[str, str] = field(default_factory=dict)
    impervious_area: Decimal | None = None
    dwelling_units: int | None = None

    def build(self, property_id: str, now: datetime) -> Property:
        return Property(
            property_id=property_id,
            address=self.address,
            roll_number=self.roll_number,
            property_type=self.property_type,
            created_at=now,
            units=self.units,
            meters=self.meters,
            location=self.location,
            owner_customer_id=self.owner_customer_id,
            route=self.route,
            attributes=self.attributes,
            impervious_area=self.impervious_area,
            dwelling_units=self.dwelling_units,
        )


def check_roll_number_free(properties: PropertyRepository, prop: Property) -> None:
    """A clear error before writing (the commit's claim on the roll number still decides)."""
    if prop.roll_number is None:
        return
    try:
        holder = properties.get_by_roll_number(prop.roll_number)
    except NotFound:
        return
    if holder.property_id != prop.property_id:
        raise Conflict(f"roll number {prop.roll_number} belongs to another property", "roll_number")


@dataclass(frozen=True)
class RegisterProperty:
    properties: PropertyRepository
    customers: CustomerRepository
    changes: Changes
    recorder: Recorder

    def __call__(self, new: NewProperty, actor: Actor, correlation_id: str) -> Property:
        if new.owner_customer_id is not None:
            with field_prefix("owner_customer_id", replace=True):
                self.customers.get(new.owner_customer_id)
        prop = new.build(self.recorder.ids.new_id(), self.recorder.clock.now())
        check_roll_number_free(self.properties, prop)
        self.changes.commit(
            self.recorder.change([Step(prop, "PropertyRegistered")], actor, correlation_id)
        )
        return prop


@dataclass(frozen=True)
class PropertyEdits:
    """What a clerk may edit on a property. The owner changes only through a transfer."""

    address: Address
    property_type: PropertyType
    roll_number: str | None
    units: tuple[str, ...]
    meters: MeterConfiguration
    location: GeoPoint | None
    route: str = DEFAULT_ROUTE
    attributes: Mapping[str, str] = field(default_factory=dict)
    impervious_area: Decimal | None = None
    dwelling_units: int | None = None


@dataclass(frozen=True)
class ReviseProperty:
    """Correct a property; its accounts' service addresses and roll number follow."""

    properties: PropertyRepository
    accounts: AccountRepository
    changes: Changes
    recorder: Recorder
    refresh: RefreshAccounts

    def __call__(
        self, property_id: str, version: int, edits: PropertyEdits, actor: Actor, cid: str
    ) -> Property:
        before = self.properties.get(property_id)
        check_version(before.version, version, "the property")
        after = before.revised(**edits.__dict__)
        check_roll_number_free(self.properties, after)
        summaries = list(self.accounts.of_property(property_id))
        for summary in summaries:
            after.check_unit(summary.unit, "units")
        self.changes.commit(
            self.recorder.change([Step(after, "PropertyRevised", before)], actor, cid)
        )

        def refreshed(account: Account) -> Account | None:
            address = after.address.with_unit(account.service_address.unit)
            copied = (address, after.roll_number, after.route)
            if (account.service_address, account.roll_number, account.route) == copied:
                return None
            return account.revised(
                service_address=address, roll_number=after.roll_number, route=after.route
            )

        self.refresh(summaries, refreshed, "PropertyDetailsRefreshed", actor, cid)
        return after
