"""Utility accounts: who holds them, where, which services, and their lifecycle.

Lifecycle: ``pending`` (opened before its services start) -> ``active`` -> ``final-billed``
(move-out or sale: services ended, final bill requested) -> ``closed`` (settled). Under the
bylaw the property owner stays responsible for charges, so every tenant account names its owner
of record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, tzinfo
from enum import StrEnum

from civiq.accounts.domain.customers import Customer, CustomerKind, check_email, normalize_phone
from civiq.accounts.domain.properties import DEFAULT_ROUTE
from civiq.core.addresses import Address
from civiq.core.errors import Conflict, InvalidInput
from civiq.core.language import Language
from civiq.core.text import check_name


class AccountStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    FINAL_BILLED = "final-billed"
    CLOSED = "closed"


class HolderRole(StrEnum):
    OWNER = "owner"
    TENANT = "tenant"


class ServiceType(StrEnum):
    WATER = "water"
    SEWER = "sewer"
    STORMWATER = "stormwater"
    WASTE = "waste"


class CartSize(StrEnum):
    """Waste cart sizes: flat waste charges are published by cart size."""

    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


class ServiceStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    DISCONNECTED = "disconnected"
    CLOSED = "closed"


class AgentScope(StrEnum):
    INQUIRE = "inquire"  # may ask about balances and bills
    PAY = "pay"  # may also make payments and arrangements
    FULL = "full"  # may also change services and contact details


@dataclass(frozen=True, slots=True)
class Service:
    service_type: ServiceType
    start_date: date
    status: ServiceStatus = ServiceStatus.ACTIVE
    end_date: date | None = None

    def __post_init__(self) -> None:
        if self.end_date is not None and self.end_date < self.start_date:
            raise InvalidInput("end date is before the start date", "end_date")
        if self.status is ServiceStatus.CLOSED and self.end_date is None:
            raise InvalidInput("a closed service needs an end date", "end_date")

    def ended(self, on: date) -> Service:
        if self.status is ServiceStatus.CLOSED:
            return self
        return Service(
            self.service_type, self.start_date, ServiceStatus.CLOSED, max(on, self.start_date)
        )


@dataclass(frozen=True, slots=True)
class Agent:
    """Someone the holder authorized to act for them, within ``scope``, from/to a date."""

    agent_id: str
    name: str
    scope: AgentScope
    valid_from: date
    valid_to: date | None = None
    email: str | None = None
    phone: str | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidInput("agent name is required", "name")
        check_name(self.name, "name")
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise InvalidInput("valid_to is before valid_from", "valid_to")
        if self.email is not None:
            check_email(self.email)
        if self.phone is not None:
            object.__setattr__(self, "phone", normalize_phone(self.phone))

    def may(self, scope: AgentScope, on: date) -> bool:
        order = list(AgentScope)
        in_force = self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)
        return in_force and order.index(self.scope) >= order.index(scope)


@dataclass(frozen=True, slots=True)
class Holder:
    """The account holder as of the last change: kept on the account so one read shows it."""

    customer_id: str
    kind: CustomerKind
    name: str
    language: Language
    email: str | None = None
    phone: str | None = None
    mailing_address: Address | None = None  # None: mail goes to the service address

    @classmethod
    def of(cls, customer: Customer) -> Holder:
        return cls(
            customer.customer_id,
            customer.kind,
            customer.name,
            customer.language,
            customer.contact.email,
            customer.contact.phone,
            customer.contact.mailing_address,
        )


def check_services(services: Sequence[Service]) -> tuple[Service, ...]:
    seen: set[ServiceType] = set()
    for index, service in enumerate(services):
        if service.service_type in seen:
            raise InvalidInput(
                f"service {service.service_type} is listed twice", f"services.{index}.service_type"
            )
        seen.add(service.service_type)
    return tuple(sorted(services, key=lambda s: list(ServiceType).index(s.service_type)))


@dataclass(frozen=True, slots=True)
class Account:
    account_id: str
    account_number: str
    property_id: str
    service_address: Address  # the property's address and this account's unit
    roll_number: str | None  # the property's tax roll number: accounts are found by it
    holder: Holder
    holder_role: HolderRole
    opened_at: datetime
    opened_by: str
    owner_customer_id: str | None = None  # owner of record; the holder when the holder owns
    landlord_copies: bool = False  # the owner gets a copy of notices on a tenant account
    services: tuple[Service, ...] = ()
    agents: tuple[Agent, ...] = ()
    autopay: bool = False
    status: AccountStatus = AccountStatus.ACTIVE
    closed_at: datetime | None = None
    cart_size: CartSize | None = None  # the waste cart, for accounts with waste service
    route: str = DEFAULT_ROUTE  # the property's meter-reading route: cycles bill by route
    # Where the final bill goes after a move-out or a sale, when the holder asked for it
    forwarding_address: Address | None = None
    version: int = 1
    welcome_letter_key: str | None = field(default=None)

    def __post_init__(self) -> None:
        object.__setattr__(self, "services", check_services(self.services))
        if self.holder_role is HolderRole.OWNER:
            object.__setattr__(self, "owner_customer_id", self.holder.customer_id)
            object.__setattr__(self, "landlord_copies", False)
        elif self.owner_customer_id is None:
            raise InvalidInput("a tenant account needs the property's owner of record", "owner")
        elif self.owner_customer_id == self.holder.customer_id:
            raise InvalidInput("a tenant cannot be the owner of record", "owner")

    @property
    def language(self) -> Language:
        return self.holder.language

    def opened_on(self, time_zone: tzinfo) -> date:
        """The first day the account takes money: the municipal day it was opened or, when its
        services were backdated (a conversion, a move-in or a sale entered later), the day the
        first of them started."""
        opened = self.opened_at.astimezone(time_zone).date()
        return min([opened, *(s.start_date for s in self.services)])

    def active_services(self) -> tuple[ServiceType, ...]:
        return tuple(s.service_type for s in self.services if s.status is ServiceStatus.ACTIVE)

    def _require_open(self, action: str) -> None:
        if self.status in (AccountStatus.FINAL_BILLED, AccountStatus.CLOSED):
            raise Conflict(f"cannot {action}: the account is {self.status}", "status")

    def revised(self, **changes: object) -> Account:
        """A new version with ``changes``; validation runs again."""
        return replace(self, version=self.version + 1, **changes)  # type: ignore[arg-type]

    def with_services(self, services: Sequence[Service]) -> Account:
        self._require_open("change services")
        return self.revised(services=check_services(services))

    def activated(self, today: date) -> Account:
        """A pending account becomes active once its first service has started (same version:
        part of whichever change notices it)."""
        started = any(s.start_date <= today for s in self.services)
        if self.status is AccountStatus.PENDING and started:
            return replace(self, status=AccountStatus.ACTIVE)
        if self.status is AccountStatus.ACTIVE and self.services and not started:
            return replace(self, status=AccountStatus.PENDING)
        return self

    def with_settings(
        self, autopay: bool, landlord_copies: bool, cart_size: CartSize | None = None
    ) -> Account:
        self._require_open("change settings")
        return self.revised(autopay=autopay, landlord_copies=landlord_copies, cart_size=cart_size)

    def with_agents(self, agents: Sequence[Agent]) -> Account:
        self._require_open("change agents")
        return self.revised(agents=tuple(agents))

    def with_holder(self, holder: Holder) -> Account:
        """A refreshed snapshot after the customer's details changed (allowed when closed)."""
        return self.revised(holder=holder)

    def moved_out(self, on: date, forwarding_address: Address | None = None) -> Account:
        """Services end on ``on``; the account waits for its final bill to be settled, which
        is mailed to ``forwarding_address`` when one is given."""
        self._require_open("move out")
        if on < min((s.start_date for s in self.services), default=on):
            raise InvalidInput("move-out date is before the services started", "move_out_date")
        return self.revised(
            services=tuple(s.ended(on) for s in self.services),
            status=AccountStatus.FINAL_BILLED,
            forwarding_address=forwarding_address or self.forwarding_address,
        )

    def closed(self, at: datetime) -> Account:
        if self.status is not AccountStatus.FINAL_BILLED:
            raise Conflict(f"only a final-billed account can close; it is {self.status}", "status")
        return self.revised(status=AccountStatus.CLOSED, closed_at=at)
