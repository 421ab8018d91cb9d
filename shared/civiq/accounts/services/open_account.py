"""Open a utility account: its holder and property (new or existing), number, services.

Everything is one atomic change: a new customer, a new property (with its roll number claim),
the account with its number claim, the property's owner of record when the holder is the first
owner, their history entries and AccountOpened.

What the request leaves out of the services and their attributes (the waste cart) comes from the
accounts before it at the property (:mod:`civiq.accounts.domain.occupancy`), and an account
billing could not bill is refused, naming every field at fault, before anything is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.accounts import (
    Account,
    AccountStatus,
    CartSize,
    Holder,
    HolderRole,
    Service,
    ServiceType,
)
from civiq.accounts.domain.billability import BillingAttribute, BillingProfile
from civiq.accounts.domain.customers import Customer
from civiq.accounts.domain.occupancy import ALL_SERVICES, inherited
from civiq.accounts.domain.properties import Property
from civiq.accounts.ports import (
    AccountRepository,
    BillingRequirements,
    Changes,
    CustomerRepository,
    PropertyRepository,
)
from civiq.accounts.services.billability import (
    RequestFields,
    predecessors,
    request_fields,
    require_billable,
)
from civiq.accounts.services.customers import NewCustomer
from civiq.accounts.services.properties import NewProperty, check_roll_number_free
from civiq.accounts.services.recording import Recorder, Step
from civiq.core.errors import Conflict, InvalidInput, field_prefix
from civiq.core.events import Actor
from civiq.core.publishing import PublishEvents

MAX_GENERATED_ATTEMPTS = 5


@dataclass(frozen=True)
class OpenAccountCommand:
    customer: str | NewCustomer  # an existing customer's id, or a new customer
    property: str | NewProperty  # an existing property's id, or a new property
    holder_role: HolderRole = HolderRole.OWNER
    unit: str | None = None
    services: tuple[Service, ...] | None = None  # None: the previous occupant's (see occupancy)
    services_start: date | None = None  # when services taken from others start (None: today)
    autopay: bool = False
    landlord_copies: bool = False
    cart_size: CartSize | None = None  # None: the previous occupant's, when it has waste
    account_number: str | None = None  # manual assignment; generated when None
    account_id: str | None = None  # given by a workflow so that a retried step finds its account


@dataclass(frozen=True)
class OpenAccount:
    accounts: AccountRepository
    properties: PropertyRepository
    customers: CustomerRepository
    changes: Changes
    events: PublishEvents
    recorder: Recorder
    numbering: AccountNumberScheme
    billing: BillingRequirements
    default_services: tuple[ServiceType, ...] = ALL_SERVICES

    def __call__(self, command: OpenAccountCommand, actor: Actor, correlation_id: str) -> Account:
        manual = command.account_number
        number = self.numbering.normalize(manual) if manual is not None else None
        steps, account = self._prepare(command, actor)  # every rule checked before a number
        if number is not None:
            return self._commit(
                steps, replace(account, account_number=number), actor, correlation_id
            )
        # A generated number may have been assigned by hand before: skip it and take the next.
        for attempt in range(MAX_GENERATED_ATTEMPTS):
            number = self.numbering.number_for(self.accounts.next_sequence())
            try:
                numbered = replace(account, account_number=number)
                return self._commit(steps, numbered, actor, correlation_id)
            except Conflict as conflict:
                if conflict.field != "account_number" or attempt == MAX_GENERATED_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _prepare(self, command: OpenAccountCommand, actor: Actor) -> tuple[list[Step], Account]:
        """The customer and property steps, and the account without its number yet."""
        now = self.recorder.clock.now()
        steps: list[Step] = []
        customer = self._customer(command, steps)
        prop = self._property(command, steps)
        prop.check_unit(command.unit)
        owner = prop.owner_customer_id
        if command.holder_role is HolderRole.OWNER:
            if owner is not None and owner != customer.customer_id:
                raise InvalidInput(
                    "the holder is not the property's owner of record (use a transfer)",
                    "holder_role",
                )
            if owner is None:
                prop = self._with_owner(prop, customer.customer_id, steps)
        elif owner is None:
            raise InvalidInput(
                "the property has no owner of record; register the owner first", "holder_role"
            )
        today = self.recorder.today()
        services, cart_size = taken_over(command, self.accounts, today, self.default_services)
        account = Account(
            account_id=command.account_id or self.recorder.ids.new_id(),
            account_number="",
            property_id=prop.property_id,
            service_address=prop.address.with_unit(command.unit),
            roll_number=prop.roll_number,
            route=prop.route,
            holder=Holder.of(customer),
            holder_role=command.holder_role,
            opened_at=now,
            opened_by=actor.subject,
            owner_customer_id=owner,
            landlord_copies=command.landlord_copies,
            cart_size=cart_size,
            services=services,
            autopay=command.autopay,
            status=AccountStatus.PENDING,
        ).activated(today)
        profile = BillingProfile.of(account, prop, today)
        require_billable(self.billing, profile, _fields(command))
        return steps, account

    def _commit(
        self, steps: list[Step], account: Account, actor: Actor, correlation_id: str
    ) -> Account:
        opened = Step(
            account,
            "AccountOpened",
            event=(
                "AccountOpened",
                {
                    "account_id": account.account_id,
                    "account_number": account.account_number,
                    "property_id": account.property_id,
                    "customer_id": account.holder.customer_id,
                    "customer_name": account.holder.name,
                    "holder_role": account.holder_role.value,
                    "language": account.language.value,
                    "service_address": account.service_address.one_line(),
                    "services": [s.service_type.value for s in account.services],
                },
            ),
        )
        change = self.recorder.change([*steps, opened], actor, correlation_id)
        self.changes.commit(change)
        self.events.after_commit(change.events)
        return account

    def _customer(self, command: OpenAccountCommand, steps: list[Step]) -> Customer:
        if isinstance(command.customer, str):
            with field_prefix("customer_id", replace=True):
                return self.customers.get(command.customer)
        with field_prefix("customer"):
            customer = command.customer.build(self.recorder.ids.new_id(), self.recorder.clock.now())
        steps.append(Step(customer, "CustomerRegistered"))
        return customer

    def _property(self, command: OpenAccountCommand, steps: list[Step]) -> Property:
        if isinstance(command.property, str):
            with field_prefix("property_id", replace=True):
                return self.properties.get(command.property)
        with field_prefix("property"):
            prop = command.property.build(self.recorder.ids.new_id(), self.recorder.clock.now())
            check_roll_number_free(self.properties, prop)
        steps.append(Step(prop, "PropertyRegistered"))
        return prop

    @staticmethod
    def _with_owner(prop: Property, owner_id: str, steps: list[Step]) -> Property:
        """The first owner's account makes its holder the property's owner of record."""
        created = next((s for s in steps if s.after is prop), None)
        if created is None:
            owned = prop.revised(owner_customer_id=owner_id)
            steps.append(Step(owned, "PropertyOwnerRecorded", before=prop))
        else:  # registered in this same change: register it with its owner
            owned = replace(prop, owner_customer_id=owner_id)
            steps[steps.index(created)] = Step(owned, created.action)
        return owned


def taken_over(
    command: OpenAccountCommand,
    accounts: AccountRepository,
    today: date,
    fallback: Sequence[ServiceType] = ALL_SERVICES,
) -> tuple[tuple[Service, ...], CartSize | None]:
    """The services and cart size of the account ``command`` opens: what it names, the rest
    taken from the accounts before it at the property (none at a new property)."""
    before = (
        ()
        if isinstance(command.property, NewProperty)
        else predecessors(accounts, command.property, command.unit)
    )
    start = command.services_start or today
    return inherited(command.services, command.cart_size, start, before, fallback)


def require_billable_later(
    billing: BillingRequirements,
    accounts: AccountRepository,
    prop: Property,
    command: OpenAccountCommand,
    today: date,
    fields: RequestFields,
    what: str = "the account",
) -> None:
    """Refuse now what opening ``command``'s account would refuse for billing, when a workflow
    step opens it later (a move-in, a buyer's account at closing)."""
    services, cart_size = taken_over(command, accounts, today)
    kinds = frozenset(s.service_type for s in services)
    profile = BillingProfile(prop, command.unit, prop.route, kinds, cart_size, today)
    require_billable(billing, profile, fields, what)


def _fields(command: OpenAccountCommand) -> RequestFields:
    """The request's fields naming what billing lacks: the new property's own fields, or the
    existing property's id."""
    if isinstance(command.property, str):
        return request_fields("property_id", "cart_size")
    return {
        **request_fields("property", "cart_size"),
        BillingAttribute.ROUTE: "property.route",
        BillingAttribute.PROPERTY_TYPE: "property.property_type",
        BillingAttribute.ATTRIBUTES: "property.attributes",
        BillingAttribute.IMPERVIOUS_AREA: "property.impervious_area",
    }
