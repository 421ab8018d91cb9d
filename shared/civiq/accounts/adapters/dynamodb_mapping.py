"""Domain objects to and from items: the only place that knows both shapes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from civiq.accounts.domain.accounts import (
    Account,
    AccountStatus,
    Agent,
    AgentScope,
    CartSize,
    Holder,
    HolderRole,
    Service,
    ServiceStatus,
    ServiceType,
)
from civiq.accounts.domain.customers import (
    Consent,
    ConsentSource,
    ContactDetails,
    ContactMethod,
    Customer,
    CustomerKind,
    Preferences,
    Undeliverable,
)
from civiq.accounts.domain.properties import (
    MeterArrangement,
    MeterConfiguration,
    Property,
    PropertyType,
)
from civiq.accounts.ports import AccountSummary
from civiq.core.addresses import Address, GeoPoint
from civiq.core.history import as_record
from civiq.core.language import Language
from civiq.platform.dynamodb import keys
from civiq.platform.dynamodb.table import AccountItem, CustomerItem, PropertyItem


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _address(record: dict[str, Any] | None) -> Address | None:
    return Address(**record) if record else None


# accounts
def account_item(account: Account) -> AccountItem:
    return AccountItem(
        pk=keys.account_pk(account.account_id),
        sk=keys.ACCOUNT_SK,
        gsi1pk=keys.account_number_key(account.account_number),
        gsi1sk=keys.ACCOUNT_SK,
        gsi2pk=keys.accounts_with_status(account.status.value),
        gsi2sk=account.account_number,
        account_id=account.account_id,
        account_number=account.account_number,
        property_id=account.property_id,
        service_address=as_record(account.service_address),
        roll_number=account.roll_number,
        holder=as_record(account.holder),
        holder_role=account.holder_role.value,
        owner_customer_id=account.owner_customer_id,
        landlord_copies=account.landlord_copies,
        services=[as_record(s) for s in account.services],
        active_services=[s.value for s in account.active_services()],
        agents=[as_record(a) for a in account.agents],
        autopay=account.autopay,
        status=account.status.value,
        opened_at=account.opened_at,
        opened_by=account.opened_by,
        closed_at=account.closed_at,
        welcome_letter_key=account.welcome_letter_key,
        route=account.route,
        cart_size=account.cart_size.value if account.cart_size else None,
        forwarding_address=as_record(account.forwarding_address)
        if account.forwarding_address
        else None,
    )


def account_of(item: AccountItem) -> Account:
    holder = dict(item.holder)
    return Account(
        account_id=item.account_id,
        account_number=item.account_number,
        property_id=item.property_id,
        service_address=Address(**item.service_address),
        roll_number=item.roll_number,
        holder=Holder(
            customer_id=holder["customer_id"],
            kind=CustomerKind(holder["kind"]),
            name=holder["name"],
            language=Language(holder["language"]),
            email=holder.get("email"),
            phone=holder.get("phone"),
            mailing_address=_address(holder.get("mailing_address")),
        ),
        holder_role=HolderRole(item.holder_role),
        opened_at=item.opened_at,
        opened_by=item.opened_by,
        owner_customer_id=item.owner_customer_id,
        landlord_copies=bool(item.landlord_copies),
        services=tuple(
            Service(
                ServiceType(s["service_type"]),
                date.fromisoformat(s["start_date"]),
                ServiceStatus(s["status"]),
                _date(s.get("end_date")),
            )
            for s in item.services
        ),
        agents=tuple(
            Agent(
                agent_id=a["agent_id"],
                name=a["name"],
                scope=AgentScope(a["scope"]),
                valid_from=date.fromisoformat(a["valid_from"]),
                valid_to=_date(a.get("valid_to")),
                email=a.get("email"),
                phone=a.get("phone"),
            )
            for a in item.agents
        ),
        autopay=bool(item.autopay),
        status=AccountStatus(item.status),
        closed_at=item.closed_at,
        version=int(item.version or 1),
        welcome_letter_key=item.welcome_letter_key,
        route=item.route,
        cart_size=CartSize(item.cart_size) if item.cart_size else None,
        forwarding_address=_address(item.forwarding_address),
    )


def summary_record(summary: AccountSummary) -> dict[str, Any]:
    return as_record(summary)


def summary_of(record: dict[str, Any]) -> AccountSummary:
    return AccountSummary(
        account_id=record["account_id"],
        account_number=record["account_number"],
        property_id=record["property_id"],
        unit=record["unit"],
        holder_customer_id=record["holder_customer_id"],
        holder_name=record["holder_name"],
        holder_role=HolderRole(record["holder_role"]),
        service_address=record["service_address"],
        status=AccountStatus(record["status"]),
        services=tuple(ServiceType(s) for s in record["services"]),
        autopay=bool(record["autopay"]),
    )


# properties
def property_item(prop: Property) -> PropertyItem:
    roll = prop.roll_number
    return PropertyItem(
        pk=keys.property_pk(prop.property_id),
        sk=keys.PROPERTY_SK,
        gsi1pk=keys.roll_number_key(roll) if roll else None,
        gsi1sk=keys.PROPERTY_SK if roll else None,
        property_id=prop.property_id,
        address=as_record(prop.address),
        roll_number=roll,
        property_type=prop.property_type.value,
        units=list(prop.units),
        meters=as_record(prop.meters),
        location=as_record(prop.location) if prop.location else None,
        owner_customer_id=prop.owner_customer_id,
        route=prop.route,
        created_at=prop.created_at,
        attributes=dict(prop.attributes) or None,
        impervious_area=str(prop.impervious_area) if prop.impervious_area is not None else None,
        dwelling_units=prop.dwelling_units,
    )


def property_of(item: PropertyItem) -> Property:
    meters = item.meters
    location = item.location
    return Property(
        property_id=item.property_id,
        address=Address(**item.address),
        roll_number=item.roll_number,
        property_type=PropertyType(item.property_type),
        created_at=item.created_at,
        units=tuple(str(unit) for unit in item.units or ()),
        meters=MeterConfiguration(
            MeterArrangement(meters["arrangement"]),
            {unit: Decimal(share) for unit, share in meters["shares"].items()},
        ),
        location=(
            GeoPoint(Decimal(location["latitude"]), Decimal(location["longitude"]))
            if location
            else None
        ),
        owner_customer_id=item.owner_customer_id,
        route=item.route,
        attributes=dict(item.attributes or {}),
        impervious_area=(
            Decimal(item.impervious_area) if item.impervious_area is not None else None
        ),
        dwelling_units=int(item.dwelling_units) if item.dwelling_units is not None else None,
        version=int(item.version or 1),
    )


# customers
def customer_item(customer: Customer) -> CustomerItem:
    return CustomerItem(
        pk=keys.customer_pk(customer.customer_id),
        sk=keys.CUSTOMER_SK,
        customer_id=customer.customer_id,
        kind=customer.kind.value,
        name=customer.name,
        contact=as_record(customer.contact),
        preferences=as_record(customer.preferences),
        created_at=customer.created_at,
    )


def customer_of(item: CustomerItem) -> Customer:
    return Customer(
        customer_id=item.customer_id,
        kind=CustomerKind(item.kind),
        name=item.name,
        preferences=preferences_of(item.preferences),
        created_at=item.created_at,
        contact=contact_of(item.contact),
        version=int(item.version or 1),
    )


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _consent(record: dict[str, Any] | None) -> Consent | None:
    """Absent on customers stored before consents were recorded: none given."""
    if not record:
        return None
    withdrawn_via = record.get("withdrawn_via")
    return Consent(
        datetime.fromisoformat(record["given_at"]),
        ConsentSource(record["source"]),
        _time(record.get("withdrawn_at")),
        ConsentSource(withdrawn_via) if withdrawn_via else None,
    )


def preferences_of(record: dict[str, Any]) -> Preferences:
    """The preferences of a customer record (``as_record`` of :class:`Preferences`)."""
    return Preferences(
        Language(record["language"]),
        ContactMethod(record["contact_method"]),
        bool(record["ebilling"]),
        _consent(record.get("email_consent")),
        _consent(record.get("sms_consent")),
    )


def contact_of(record: dict[str, Any]) -> ContactDetails:
    """The contact details of a customer record (``as_record`` of :class:`ContactDetails`)."""
    undeliverable = record.get("email_undeliverable")
    return ContactDetails(
        record.get("email"),
        record.get("phone"),
        _address(record.get("mailing_address")),
        Undeliverable(datetime.fromisoformat(undeliverable["since"]), undeliverable["reason"])
        if undeliverable
        else None,
    )
