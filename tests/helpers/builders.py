"""Plain builders of valid domain inputs and request bodies, overridable field by field.

Plain functions (not fixtures) so hypothesis tests and parametrized cases can call them freely.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from civiq.accounts.domain.accounts import Account, Holder, HolderRole, Service, ServiceType
from civiq.accounts.domain.customers import ContactDetails, ContactMethod, CustomerKind, Preferences
from civiq.accounts.domain.properties import MeterArrangement, MeterConfiguration, PropertyType
from civiq.accounts.services.customers import NewCustomer
from civiq.accounts.services.open_account import OpenAccountCommand
from civiq.accounts.services.properties import NewProperty, PropertyEdits
from civiq.core.addresses import Address, GeoPoint
from civiq.core.events import Actor
from civiq.core.language import Language

CLERK = Actor(subject="clerk-1", role="clerk")
SUPERVISOR = Actor(subject="super-1", role="supervisor")
NOW = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)  # FixedClock's default
TODAY = NOW.date()
ROLL = "0614-000-123-45678"  # a valid 15-digit Ontario roll number (normalised: + "0000")
ROLL_19 = "0614000123456780000"


def address(**overrides: Any) -> Address:
    fields: dict[str, Any] = {
        "street": "100 Main St",
        "city": "Ottawa",
        "province": "ON",
        "postal_code": "k1p1j1",
    }
    fields.update(overrides)
    return Address(**fields)


def new_customer(
    name: str = "Élise Tremblay",
    *,
    kind: CustomerKind = CustomerKind.PERSON,
    language: Language = Language.FR,
    email: str | None = "elise@example.ca",
    phone: str | None = "613-555-0100",
    mailing_address: Address | None = None,
    contact_method: ContactMethod = ContactMethod.MAIL,
    ebilling: bool = False,
) -> NewCustomer:
    return NewCustomer(
        kind=kind,
        name=name,
        preferences=Preferences(language, contact_method, ebilling),
        contact=ContactDetails(email, phone, mailing_address),
    )


def shared_meters(**shares: str) -> MeterConfiguration:
    return MeterConfiguration(
        MeterArrangement.SHARED, {unit: Decimal(share) for unit, share in shares.items()}
    )


def new_property(
    *,
    address_: Address | None = None,
    property_type: PropertyType = PropertyType.SINGLE_FAMILY,
    roll_number: str | None = None,
    units: tuple[str, ...] = (),
    meters: MeterConfiguration | None = None,
    location: GeoPoint | None = None,
    owner_customer_id: str | None = None,
) -> NewProperty:
    return NewProperty(
        address=address_ or address(),
        property_type=property_type,
        roll_number=roll_number,
        units=units,
        meters=meters or MeterConfiguration(),
        location=location,
        owner_customer_id=owner_customer_id,
    )


def edits_of(new: NewProperty, **overrides: Any) -> PropertyEdits:
    fields: dict[str, Any] = {
        "address": new.address,
        "property_type": new.property_type,
        "roll_number": new.roll_number,
        "units": new.units,
        "meters": new.meters,
        "location": new.location,
    }
    fields.update(overrides)
    return PropertyEdits(**fields)


def command(
    customer: str | NewCustomer | None = None,
    property_: str | NewProperty | None = None,
    **overrides: Any,
) -> OpenAccountCommand:
    return OpenAccountCommand(
        customer=customer if customer is not None else new_customer(),
        property=property_ if property_ is not None else new_property(),
        **overrides,
    )


def services(*kinds: ServiceType, start: date = TODAY) -> tuple[Service, ...]:
    return tuple(Service(kind, start) for kind in kinds)


def holder(
    customer_id: str = "C1", name: str = "Élise Tremblay", language: Language = Language.FR
) -> Holder:
    return Holder(customer_id, CustomerKind.PERSON, name, language, "elise@example.ca")


def account(**overrides: Any) -> Account:
    """An account built directly (no service): an owner at 100 Main St with water and sewer."""
    fields: dict[str, Any] = {
        "account_id": "A1",
        "account_number": "UB00000018",
        "property_id": "P1",
        "service_address": address(),
        "roll_number": ROLL_19,
        "holder": holder(),
        "holder_role": HolderRole.OWNER,
        "opened_at": NOW,
        "opened_by": "clerk-1",
        "services": services(ServiceType.WATER, ServiceType.SEWER),
    }
    fields.update(overrides)
    return Account(**fields)


OPEN_BODY: dict[str, Any] = {
    "customer": {
        "kind": "person",
        "name": "Élise Tremblay",
        "contact": {"email": "elise@example.ca", "phone": "613-555-0100"},
        "preferences": {"language": "fr", "contact_method": "email", "ebilling": True},
    },
    "property": {
        "address": {
            "street": "100 Main St",
            "city": "Ottawa",
            "province": "ON",
            "postal_code": "k1p1j1",
        },
        "property_type": "semi-detached",
        "roll_number": ROLL,
        "units": ["1", "2"],
        "meters": {"arrangement": "shared", "shares": {"1": 0.6, "2": 0.4}},
        "location": {"latitude": 45.4215, "longitude": -75.6972},
    },
    "unit": "1",
    "holder_role": "owner",
    "autopay": True,
}


def open_body(**overrides: Any) -> dict[str, Any]:
    """A valid open-account JSON body (new customer, new two-unit property); a deep copy."""
    body = copy.deepcopy(OPEN_BODY)
    body.update(copy.deepcopy(overrides))
    return body


def with_path(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``body`` with the dotted ``path`` set to ``value`` (``...`` deletes it)."""
    result = copy.deepcopy(body)
    *parents, last = path.split(".")
    node: Any = result
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return result
