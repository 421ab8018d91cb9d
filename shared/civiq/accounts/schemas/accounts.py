"""Account API payloads. Unknown fields are refused; types are not coerced."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Self

from pydantic import Field, model_validator

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.accounts import (
    Account,
    AccountStatus,
    Agent,
    AgentScope,
    CartSize,
    HolderRole,
    Service,
    ServiceStatus,
    ServiceType,
    check_services,
)
from civiq.accounts.domain.customers import CustomerKind
from civiq.accounts.ports import AccountSummary
from civiq.accounts.schemas.customers import AccountLinkOut, NewCustomerIn
from civiq.accounts.schemas.properties import PropertyIn
from civiq.accounts.services.open_account import OpenAccountCommand
from civiq.core.edits import KEEP, Keep
from civiq.core.errors import InvalidInput, field_prefix
from civiq.core.language import Language
from civiq.core.schemas import AddressOut, PageQuery, Payload, Request, Versioned

Id = Annotated[str, Field(min_length=1, max_length=40)]


class ServiceIn(Request):
    service_type: ServiceType
    start_date: date
    status: ServiceStatus = ServiceStatus.ACTIVE
    end_date: date | None = None


def services_of(services: list[ServiceIn]) -> tuple[Service, ...]:
    built = []
    for index, service in enumerate(services):
        with field_prefix(f"services.{index}"):
            built.append(Service(**service.model_dump()))
    return check_services(built)


class OpenAccountRequest(Request):
    """Open an account for a new or existing customer at a new or existing property."""

    customer: NewCustomerIn | None = None
    customer_id: Id | None = None
    property: PropertyIn | None = None
    property_id: Id | None = None
    unit: str | None = Field(default=None, max_length=20, description="One of the property's units")
    holder_role: HolderRole = HolderRole.OWNER
    services: list[ServiceIn] | None = Field(
        default=None, min_length=1, description="Omit for all four services from today"
    )
    autopay: bool = False
    landlord_copies: bool = Field(default=False, description="Copy the owner on tenant notices")
    cart_size: CartSize | None = Field(default=None, description="Waste cart (waste charges)")
    account_number: str | None = Field(
        default=None, max_length=24, description="Assign by hand; generated when omitted"
    )

    @model_validator(mode="after")
    def _one_of_each(self) -> Self:
        for new, existing in (("customer", "customer_id"), ("property", "property_id")):
            if (getattr(self, new) is None) == (getattr(self, existing) is None):
                raise InvalidInput(f"give either {new} or {existing}", new)
        return self

    def to_command(self) -> OpenAccountCommand:
        """Domain objects validate what types cannot (postal code, roll number, dates)."""
        customer = self.customer.to_new("customer") if self.customer else self.customer_id
        prop = self.property.to_new("property") if self.property else self.property_id
        assert customer is not None and prop is not None  # checked by _one_of_each
        return OpenAccountCommand(
            customer=customer,
            property=prop,
            holder_role=self.holder_role,
            unit=self.unit or None,
            services=services_of(self.services) if self.services else None,
            autopay=self.autopay,
            landlord_copies=self.landlord_copies,
            cart_size=self.cart_size,
            account_number=self.account_number,
        )


class ServicesUpdate(Versioned):
    services: list[ServiceIn] = Field(min_length=1)


class SettingsUpdate(Versioned):
    """Only the settings named change; one left out keeps its value (cart_size: null removes it)."""

    autopay: bool | None = Field(default=None, description="Omit (or null) to keep it")
    landlord_copies: bool | None = Field(default=None, description="Omit (or null) to keep it")
    cart_size: CartSize | None = Field(
        default=None, description="Omit to keep it; null removes it (no waste cart)"
    )

    def cart_size_edit(self) -> CartSize | Keep | None:
        return self.cart_size if "cart_size" in self.model_fields_set else KEEP


class AgentIn(Request):
    name: str = Field(min_length=1, max_length=200)
    scope: AgentScope
    valid_from: date
    valid_to: date | None = None
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)

    def to_domain(self, agent_id: str) -> Agent:
        with field_prefix("agent"):
            return Agent(agent_id, **self.model_dump())


class AgentRequest(Versioned):
    agent: AgentIn


class ClosureRequest(Versioned):
    pass


class AccountSearchQuery(PageQuery):
    q: str | None = Field(
        default=None,
        max_length=120,
        description="Account number, customer name, address, postal code or roll number; "
        "prefix and accent-insensitive",
    )
    status: AccountStatus | None = Field(default=None, description="Default: active, unless q")
    service: ServiceType | None = None


class VersionQuery(Request):
    version: Annotated[int, Field(strict=False, ge=1)]


class ServiceOut(Payload):
    service_type: ServiceType
    start_date: date
    status: ServiceStatus
    end_date: date | None


class AgentOut(Payload):
    id: str
    name: str
    scope: AgentScope
    valid_from: date
    valid_to: date | None
    email: str | None
    phone: str | None


class HolderOut(Payload):
    customer_id: str
    kind: CustomerKind
    name: str
    language: Language
    email: str | None
    phone: str | None


class AccountResponse(Payload):
    id: str
    account_number: str
    account_number_display: str
    status: AccountStatus
    property_id: str
    service_address: AddressOut
    roll_number: str | None
    route: str
    holder: HolderOut
    holder_role: HolderRole
    owner_customer_id: str | None
    landlord_copies: bool
    cart_size: CartSize | None
    language: Language
    services: list[ServiceOut]
    agents: list[AgentOut]
    autopay: bool
    opened_at: datetime
    closed_at: datetime | None
    version: int
    welcome_letter_key: str | None

    @classmethod
    def of(cls, account: Account, numbering: AccountNumberScheme) -> AccountResponse:
        holder = account.holder
        return cls(
            id=account.account_id,
            account_number=account.account_number,
            account_number_display=numbering.display(account.account_number),
            status=account.status,
            property_id=account.property_id,
            service_address=AddressOut.of(account.service_address),
            roll_number=account.roll_number,
            route=account.route,
            holder=HolderOut(
                customer_id=holder.customer_id,
                kind=holder.kind,
                name=holder.name,
                language=holder.language,
                email=holder.email,
                phone=holder.phone,
            ),
            holder_role=account.holder_role,
            owner_customer_id=account.owner_customer_id,
            landlord_copies=account.landlord_copies,
            cart_size=account.cart_size,
            language=account.language,
            services=[
                ServiceOut(
                    service_type=s.service_type,
                    start_date=s.start_date,
                    status=s.status,
                    end_date=s.end_date,
                )
                for s in account.services
            ],
            agents=[
                AgentOut(
                    id=a.agent_id,
                    name=a.name,
                    scope=a.scope,
                    valid_from=a.valid_from,
                    valid_to=a.valid_to,
                    email=a.email,
                    phone=a.phone,
                )
                for a in account.agents
            ],
            autopay=account.autopay,
            opened_at=account.opened_at,
            closed_at=account.closed_at,
            version=account.version,
            welcome_letter_key=account.welcome_letter_key,
        )


class AccountPage(Payload):
    items: list[AccountLinkOut]
    next_cursor: str | None

    @classmethod
    def of(cls, items: list[AccountSummary], next_cursor: str | None) -> AccountPage:
        return cls(items=[AccountLinkOut.of(s) for s in items], next_cursor=next_cursor)
