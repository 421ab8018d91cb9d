"""Account API payloads. Unknown fields are refused; types are not coerced."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Self

from pydantic import Field, model_validator
from pydantic.json_schema import JsonDict

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
from civiq.accounts.domain.search import MAX_QUERY_WORDS, MIN_QUERY
from civiq.accounts.ports import AccountSummary
from civiq.accounts.schemas.customers import (
    EMAIL_PATTERN,
    PHONE_PATTERN,
    AccountLinkOut,
    Email,
    NewCustomerIn,
    Phone,
)
from civiq.accounts.schemas.properties import PropertyIn
from civiq.accounts.services.open_account import OpenAccountCommand
from civiq.core.edits import KEEP, Keep
from civiq.core.errors import InvalidInput, Problems, field_prefix
from civiq.core.language import Language
from civiq.core.schemas import (
    ACCOUNT_NUMBER,
    AddressOut,
    Name,
    Omissible,
    PageQuery,
    Payload,
    Request,
    Versioned,
    exactly_one,
    leave_out,
    not_before,
    rules,
    when,
)

Id = Annotated[str, Field(min_length=1, max_length=40)]


class ServiceIn(Request):
    model_config = rules(
        when({"status": {"const": ServiceStatus.CLOSED.value}}, {"required": ["end_date"]})
    )

    service_type: ServiceType
    start_date: date
    status: ServiceStatus = ServiceStatus.ACTIVE
    end_date: date | None = Field(
        default=None,
        description="Required once closed",
        json_schema_extra=leave_out(**not_before("start_date")),
    )


# Each service at most once (JSON Schema's uniqueItems compares whole items, not one field).
ONCE_EACH: JsonDict = {
    "allOf": [
        {
            "contains": {"properties": {"service_type": {"const": kind.value}}},
            "minContains": 0,
            "maxContains": 1,
        }
        for kind in ServiceType
    ]
}


def services_of(services: list[ServiceIn]) -> tuple[Service, ...]:
    problems = Problems()
    built = []
    for index, service in enumerate(services):
        with problems.collect(f"services.{index}"):
            built.append(Service(**service.model_dump()))
    problems.check()
    return check_services(built)


class OpenAccountRequest(Request):
    """Open an account for a new or existing customer at a new or existing property."""

    model_config = rules(
        exactly_one("customer", "customer_id"),
        exactly_one("property", "property_id"),
        # a tenant rents a property that has an owner of record: not one registered with it
        when({"holder_role": {"const": HolderRole.TENANT.value}}, {"required": ["property_id"]}),
    )

    customer: Omissible[NewCustomerIn] = None
    customer_id: Omissible[Id] = None
    property: Omissible[PropertyIn] = None
    property_id: Omissible[Id] = None
    unit: str | None = Field(
        default=None,
        max_length=20,
        description="One of the property's units",
        json_schema_extra={"x-in": "property.units"},
    )
    holder_role: HolderRole = HolderRole.OWNER
    services: list[ServiceIn] | None = Field(
        default=None,
        min_length=1,
        json_schema_extra=leave_out(**ONCE_EACH),
        description="Omit for the unit's previous occupant's services (else the property's other "
        "accounts'; else all four), from today",
    )
    autopay: bool = False
    landlord_copies: bool = Field(default=False, description="Copy the owner on tenant notices")
    cart_size: CartSize | None = Field(
        default=None,
        description="Waste cart (waste charges); omit for the previous occupant's. Required when "
        "the rates charge waste by cart size and no account at the property has one",
    )
    account_number: str | None = Field(
        default=None,
        max_length=24,
        description="Assign by hand (its check digit must match); generated when omitted",
        json_schema_extra=leave_out(**ACCOUNT_NUMBER),
    )

    @model_validator(mode="after")
    def _one_of_each(self) -> Self:
        for new, existing in (("customer", "customer_id"), ("property", "property_id")):
            if (getattr(self, new) is None) == (getattr(self, existing) is None):
                raise InvalidInput(f"give either {new} or {existing}", new)
        return self

    def to_command(self) -> OpenAccountCommand:
        """Domain objects validate what types cannot (postal code, roll number, dates); every
        problem of the customer, the property and the services is refused at once."""
        problems = Problems()
        with problems.collect():
            customer = self.customer.to_new("customer") if self.customer else self.customer_id
        with problems.collect():
            prop = self.property.to_new("property") if self.property else self.property_id
        with problems.collect():
            services = services_of(self.services) if self.services else None
        problems.check()
        assert customer is not None and prop is not None  # checked by _one_of_each
        return OpenAccountCommand(
            customer=customer,
            property=prop,
            holder_role=self.holder_role,
            unit=self.unit or None,
            services=services,
            autopay=self.autopay,
            landlord_copies=self.landlord_copies,
            cart_size=self.cart_size,
            account_number=self.account_number,
        )


class CartSizeEdit(Versioned):
    """A change that may set the waste cart: left out, it is kept."""

    cart_size: CartSize | None = Field(
        default=None, description="The waste cart: omit to keep it; null removes it"
    )

    def cart_size_edit(self) -> CartSize | Keep | None:
        return self.cart_size if "cart_size" in self.model_fields_set else KEEP


class ServicesUpdate(CartSizeEdit):
    """The services, and the waste cart with them (needed to add waste when the rates charge
    it by cart size)."""

    services: list[ServiceIn] = Field(min_length=1, json_schema_extra=ONCE_EACH)


class SettingsUpdate(CartSizeEdit):
    """Only the settings named change; one left out keeps its value (cart_size: null removes it)."""

    autopay: bool | None = Field(default=None, description="Omit (or null) to keep it")
    landlord_copies: bool | None = Field(default=None, description="Omit (or null) to keep it")


class AgentIn(Request):
    name: Name = Field(min_length=1, max_length=200)
    scope: AgentScope
    valid_from: date
    valid_to: date | None = Field(default=None, json_schema_extra=not_before("valid_from"))
    email: Email | None = Field(default=None, max_length=254, json_schema_extra=EMAIL_PATTERN)
    phone: Phone | None = Field(default=None, max_length=32, json_schema_extra=PHONE_PATTERN)

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
        f"prefix and accent-insensitive; up to {MAX_QUERY_WORDS} words, one of at least "
        f"{MIN_QUERY} characters",
        json_schema_extra={
            "pattern": f"^[A-Za-z0-9]{{{MIN_QUERY},}}( [A-Za-z0-9]+){{0,{MAX_QUERY_WORDS - 1}}}$"
        },
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
    forwarding_address: AddressOut | None = Field(
        description="Where the final bill of a move-out or sale is mailed, when one was given"
    )
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
            forwarding_address=AddressOut.of(account.forwarding_address)
            if account.forwarding_address
            else None,
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
