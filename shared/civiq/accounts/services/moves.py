"""Move-out and move-in of an occupant, alone or combined (one request for one unit).

The API checks a move synchronously with :class:`CheckMove` (nothing is written on bad input),
then starts the move workflow (infra/statemachines/move.asl.json). Its tasks call:

- :class:`RecordMoveOut`: services end on the move-out date, FinalBillRequested and
  MoveOutCompleted are published (one atomic change), and the final bill to produce is returned;
- the final-bill function (billing) records the final reading and issues the final bill; the
  workflow goes on only once it is issued;
- :class:`~civiq.accounts.services.settle_account.SettleAccount`: close, roll arrears or wait for
  payment, on the balance the final bill left;
- :class:`RecordMoveIn`: the new occupant's account is opened (OpenAccount, so AccountOpened and
  the welcome letter follow) and MoveInCompleted is published.

Each task is idempotent; see :mod:`civiq.accounts.services.workflow_steps`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import TypeVar
from zoneinfo import ZoneInfo

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.accounts import Account, CartSize, HolderRole, Service, check_services
from civiq.accounts.domain.moves import FinalBillReason, FinalReading
from civiq.accounts.domain.properties import Property
from civiq.accounts.ports import (
    AccountRepository,
    BillingRequirements,
    Changes,
    CustomerRepository,
    PropertyRepository,
)
from civiq.accounts.services.billability import request_fields
from civiq.accounts.services.customers import NewCustomer
from civiq.accounts.services.open_account import (
    OpenAccount,
    OpenAccountCommand,
    require_billable_later,
)
from civiq.accounts.services.recording import Recorder
from civiq.accounts.services.workflow_steps import OPEN, FinalBill, FinalBilled, new_event
from civiq.core.addresses import Address
from civiq.core.dates import MUNICIPAL_TIME_ZONE, local_today
from civiq.core.errors import Conflict, DomainError, InvalidInput, NotFound, field_prefix
from civiq.core.events import Actor
from civiq.core.history import subject_of
from civiq.core.ids import DeterministicIds
from civiq.core.ports import Clock, Milestones
from civiq.core.publishing import PublishEvents

T = TypeVar("T")
READING_WINDOW_DAYS = 31


@dataclass(frozen=True)
class MoveOutCommand:
    account_id: str
    move_out_date: date
    final_reading: FinalReading
    forwarding_address: Address | None = None  # None: the holder's mailing address


@dataclass(frozen=True)
class MoveInCommand:
    property_id: str
    customer: str | NewCustomer  # an existing customer's id, or a new customer
    holder_role: HolderRole
    move_in_date: date
    unit: str | None = None
    services: tuple[Service, ...] | None = None  # None: the previous occupant's, from move-in
    autopay: bool = False
    landlord_copies: bool = False
    cart_size: CartSize | None = None  # None: the previous occupant's, when it has waste

    def open_command(self) -> OpenAccountCommand:
        return OpenAccountCommand(
            customer=self.customer,
            property=self.property_id,
            holder_role=self.holder_role,
            unit=self.unit,
            services=self.services,
            services_start=self.move_in_date,
            autopay=self.autopay,
            landlord_copies=self.landlord_copies,
            cart_size=self.cart_size,
        )


@dataclass(frozen=True)
class MoveCommand:
    move_out: MoveOutCommand | None = None
    move_in: MoveInCommand | None = None


def found(lookup: Callable[[], T], field: str) -> T:
    """``lookup()``, with a NotFound renamed to the request's field."""
    try:
        return lookup()
    except NotFound as missing:
        raise NotFound(missing.message, field) from None


def renamed(error: DomainError, field: str) -> DomainError:
    error.field = field
    return error


@dataclass(frozen=True)
class CheckMove:
    """Everything the workflow would refuse, refused up front with the field at fault."""

    accounts: AccountRepository
    properties: PropertyRepository
    customers: CustomerRepository
    clock: Clock
    billing: BillingRequirements
    time_zone: ZoneInfo = MUNICIPAL_TIME_ZONE

    def __call__(self, move: MoveCommand) -> None:
        if move.move_out is None and move.move_in is None:
            raise InvalidInput("give move_out, move_in or both", "move_out")
        leaving = self._move_out(move.move_out) if move.move_out else None
        if move.move_in is not None:
            self._move_in(move.move_in, leaving, move.move_out)

    def _move_out(self, command: MoveOutCommand) -> Account:
        account = found(lambda: self.accounts.get(command.account_id), "move_out.account_id")
        if command.move_out_date > local_today(self.clock, self.time_zone):
            raise InvalidInput(
                "the move-out date is in the future: record a move-out once it happened",
                "move_out.move_out_date",
            )
        try:
            account.moved_out(command.move_out_date)
        except Conflict as closed:
            raise renamed(closed, "move_out.account_id") from None
        except InvalidInput as early:
            raise renamed(early, "move_out.move_out_date") from None
        if abs((command.final_reading.read_on - command.move_out_date).days) > READING_WINDOW_DAYS:
            raise InvalidInput(
                f"the final reading must be read within {READING_WINDOW_DAYS} days of the move-out",
                "move_out.final_reading.read_on",
            )
        return account

    def _move_in(
        self, command: MoveInCommand, leaving: Account | None, out: MoveOutCommand | None
    ) -> None:
        prop = found(lambda: self.properties.get(command.property_id), "move_in.property_id")
        if isinstance(command.customer, str):
            customer_id = command.customer
            found(lambda: self.customers.get(customer_id), "move_in.customer_id")
        else:
            new = command.customer
            with field_prefix("move_in.customer"):
                customer_id = new.build("NEW", self.clock.now()).customer_id
        with field_prefix("move_in"):
            prop.check_unit(command.unit)
        self._holder_role(command, prop.owner_customer_id, customer_id)
        self._services(command)
        if leaving is not None and out is not None:
            if leaving.property_id != command.property_id:
                raise InvalidInput(
                    "a combined move is for one property: the account moving out is elsewhere",
                    "move_in.property_id",
                )
            if leaving.service_address.unit != command.unit:
                raise InvalidInput(
                    "a combined move is for one unit: the account moving out is for unit "
                    f"{leaving.service_address.unit or '(none)'}",
                    "move_in.unit",
                )
            if command.move_in_date < out.move_out_date:
                raise InvalidInput(
                    "the move-in date is before the move-out date", "move_in.move_in_date"
                )
        self._vacant(command, leaving)
        self._billable(command, prop)

    @staticmethod
    def _holder_role(command: MoveInCommand, owner: str | None, customer_id: str) -> None:
        if command.holder_role is HolderRole.OWNER and owner not in (None, customer_id):
            raise InvalidInput(
                "the customer is not the property's owner of record (a sale is a transfer)",
                "move_in.holder_role",
            )
        if command.holder_role is HolderRole.TENANT and owner is None:
            raise InvalidInput(
                "the property has no owner of record; register the owner first",
                "move_in.holder_role",
            )
        if command.holder_role is HolderRole.TENANT and owner == customer_id:
            raise InvalidInput(
                "the owner of record cannot be a tenant of their property", "move_in.holder_role"
            )

    @staticmethod
    def _services(command: MoveInCommand) -> None:
        for index, service in enumerate(command.services or ()):
            if service.start_date < command.move_in_date:
                raise InvalidInput(
                    "a service cannot start before the move-in date",
                    f"move_in.services.{index}.start_date",
                )
        with field_prefix("move_in.services"):
            check_services(command.services or ())

    def _vacant(self, command: MoveInCommand, leaving: Account | None) -> None:
        """One open account per unit: the current occupant moves out in the same request."""
        for summary in self.accounts.of_property(command.property_id):
            if summary.status not in OPEN or (leaving and summary.account_id == leaving.account_id):
                continue
            if summary.unit == command.unit:
                raise Conflict(
                    f"account {summary.account_number} is open for this unit: move it out in the "
                    "same request (move_out)",
                    "move_in.unit",
                )

    def _billable(self, command: MoveInCommand, prop: Property) -> None:
        """The account the move-in opens, with what it takes from the previous occupant, is one
        billing could bill."""
        require_billable_later(
            self.billing,
            self.accounts,
            prop,
            command.open_command(),
            local_today(self.clock, self.time_zone),
            request_fields("move_in.property_id", "move_in.cart_size"),
        )


@dataclass(frozen=True)
class RecordMoveOut:
    final_bill: FinalBill

    def __call__(
        self, move_id: str, command: MoveOutCommand, actor: Actor, correlation_id: str
    ) -> FinalBilled:
        account = self.final_bill.accounts.get(command.account_id)
        completed = {
            "move_id": move_id,
            "account_id": account.account_id,
            "account_number": account.account_number,
            "property_id": account.property_id,
            "unit": account.service_address.unit,
            "customer_id": account.holder.customer_id,
            "move_out_date": command.move_out_date.isoformat(),
            "final_reading": command.final_reading.as_payload(),
        }
        return self.final_bill(
            command.account_id,
            command.move_out_date,
            command.final_reading,
            FinalBillReason.MOVE_OUT,
            move_id,
            actor,
            correlation_id,
            also=[("MoveOutCompleted", completed)],
            forwarding_address=command.forwarding_address,
        )


@dataclass(frozen=True)
class RecordMoveIn:
    """Open the new occupant's account, then record MoveInCompleted once."""

    accounts: AccountRepository
    properties: PropertyRepository
    customers: CustomerRepository
    changes: Changes
    events: PublishEvents
    milestones: Milestones
    numbering: AccountNumberScheme
    clock: Clock
    billing: BillingRequirements

    def __call__(
        self,
        move_id: str,
        command: MoveInCommand,
        ids: DeterministicIds,
        actor: Actor,
        correlation_id: str,
    ) -> Account:
        account = opened_once(
            self._open_account(Recorder(self.clock, ids)),
            self.accounts,
            command.open_command(),
            ids,
            actor,
            correlation_id,
        )
        event = new_event(
            Recorder(self.clock, ids.child("completed")),
            actor,
            correlation_id,
            subject_of(account),
            "MoveInCompleted",
            {
                "move_id": move_id,
                "account_id": account.account_id,
                "account_number": account.account_number,
                "property_id": account.property_id,
                "unit": account.service_address.unit,
                "customer_id": account.holder.customer_id,
                "holder_role": account.holder_role.value,
                "move_in_date": command.move_in_date.isoformat(),
                "services": [
                    {"service_type": s.service_type.value, "start_date": s.start_date.isoformat()}
                    for s in account.services
                ],
                "status": account.status.value,
            },
        )
        if self.milestones.record(f"MOVE#{move_id}", "move-in", [event]):
            self.events.after_commit([event])
        return account

    def _open_account(self, recorder: Recorder) -> OpenAccount:
        return OpenAccount(
            accounts=self.accounts,
            properties=self.properties,
            customers=self.customers,
            changes=self.changes,
            events=self.events,
            recorder=recorder,
            numbering=self.numbering,
            billing=self.billing,
        )


def opened_once(
    open_account: OpenAccount,
    accounts: AccountRepository,
    command: OpenAccountCommand,
    ids: DeterministicIds,
    actor: Actor,
    correlation_id: str,
) -> Account:
    """Open the account unless an earlier attempt did: its id comes from ``ids``, so a retry
    asks for the same id and finds the account that attempt opened."""
    account_id = ids.child("account").peek(1)
    try:
        return accounts.get(account_id)
    except NotFound:
        pass
    opened = open_account(replace(command, account_id=account_id), actor, correlation_id)
    return accounts.get(opened.account_id)
