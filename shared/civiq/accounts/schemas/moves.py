"""Move API payloads (POST/GET /api/v1/utility/moves). Unknown fields are refused; types are
not coerced. The validated request is also the move workflow's input, so a task parses exactly
what the API accepted."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Self

from pydantic import Field, model_validator

from civiq.accounts.domain.accounts import CartSize, HolderRole, Service, ServiceType
from civiq.accounts.domain.moves import FinalReading
from civiq.accounts.schemas.customers import NewCustomerIn
from civiq.accounts.services.moves import MoveCommand, MoveInCommand, MoveOutCommand
from civiq.core.errors import InvalidInput, field_prefix
from civiq.core.events import Actor
from civiq.core.ids import DeterministicIds
from civiq.core.ports import Execution
from civiq.core.schemas import (
    AddressIn,
    Omissible,
    Payload,
    Request,
    at_least_one,
    exactly_one,
    rules,
    when,
)

Id = Annotated[str, Field(min_length=1, max_length=40)]
READING = r"^[0-9]{1,8}(\.[0-9]{1,3})?$"


class FinalReadingIn(Request):
    """A meter reading in cubic metres, or ``{"estimate": true}`` when none could be read."""

    model_config = rules(
        when(
            {"estimate": {"const": True}},
            {"properties": {"value_m3": False}},
            otherwise={"required": ["value_m3"]},
        )
    )

    value_m3: Omissible[str] = Field(
        default=None, pattern=READING, description="Cubic metres, up to 3 decimals, e.g. 1234.567"
    )
    read_on: date | None = Field(default=None, description="Default: the move-out/closing date")
    estimate: bool = False

    def to_domain(self, default_day: date, field: str) -> FinalReading:
        with field_prefix(field):
            return FinalReading(
                read_on=self.read_on or default_day,
                value_m3=Decimal(self.value_m3) if self.value_m3 is not None else None,
                estimate=self.estimate,
            )


class MoveOutIn(Request):
    account_id: Id
    move_out_date: date = Field(description="Services end on this day (today or earlier)")
    final_reading: FinalReadingIn
    forwarding_address: AddressIn | None = Field(
        default=None,
        description="Where the final bill is mailed; omit for the holder's mailing address",
    )

    def to_command(self) -> MoveOutCommand:
        reading = self.final_reading.to_domain(self.move_out_date, "move_out.final_reading")
        forwarding = None
        if self.forwarding_address is not None:
            forwarding = self.forwarding_address.to_domain("move_out.forwarding_address")
        return MoveOutCommand(self.account_id, self.move_out_date, reading, forwarding)


class ServiceStartIn(Request):
    service_type: ServiceType
    start_date: date | None = Field(default=None, description="Default: the move-in date")


class MoveInIn(Request):
    property_id: Id
    unit: str | None = Field(default=None, max_length=20, description="One of the property's units")
    model_config = rules(exactly_one("customer", "customer_id"))

    customer: Omissible[NewCustomerIn] = None
    customer_id: Omissible[Id] = None
    holder_role: HolderRole
    move_in_date: date
    services: list[ServiceStartIn] | None = Field(
        default=None,
        min_length=1,
        description="Omit for the unit's previous occupant's services (else the property's "
        "other accounts'; else all four), from the move-in date",
    )
    autopay: bool = False
    landlord_copies: bool = False
    cart_size: CartSize | None = Field(
        default=None, description="Waste cart; omit for the previous occupant's"
    )

    @model_validator(mode="after")
    def _one_customer(self) -> Self:
        if (self.customer is None) == (self.customer_id is None):
            raise InvalidInput("give either customer or customer_id", "move_in.customer")
        return self

    def to_command(self) -> MoveInCommand:
        customer = self.customer.to_new("move_in.customer") if self.customer else self.customer_id
        assert customer is not None  # checked by _one_customer
        services = None
        if self.services:
            services = []
            for index, service in enumerate(self.services):
                with field_prefix(f"move_in.services.{index}"):
                    start = service.start_date or self.move_in_date
                    services.append(Service(service.service_type, start))
        return MoveInCommand(
            property_id=self.property_id,
            customer=customer,
            holder_role=self.holder_role,
            move_in_date=self.move_in_date,
            unit=self.unit or None,
            services=tuple(services) if services else None,
            autopay=self.autopay,
            landlord_copies=self.landlord_copies,
            cart_size=self.cart_size,
        )


class MoveRequest(Request):
    """A move-out, a move-in, or both for one unit (the occupant changes in one request)."""

    model_config = rules(at_least_one("move_out", "move_in"))

    move_out: Omissible[MoveOutIn] = None
    move_in: Omissible[MoveInIn] = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.move_out is None and self.move_in is None:
            raise InvalidInput("give move_out, move_in or both", "move_out")
        return self

    def move_id(self) -> str:
        """Derived from the request: the same request again is the same move (and execution);
        one without a forwarding address derives what it did before they existed."""
        unsent = None
        if self.move_out is not None and self.move_out.forwarding_address is None:
            unsent = {"move_out": {"forwarding_address"}}
        return DeterministicIds(f"move:{self.model_dump_json(exclude=unsent)}").peek(1)

    def to_command(self) -> MoveCommand:
        return MoveCommand(
            self.move_out.to_command() if self.move_out else None,
            self.move_in.to_command() if self.move_in else None,
        )

    def workflow_input(self, move_id: str, actor: Actor, correlation_id: str) -> dict[str, Any]:
        """The execution input: the request as accepted, and who asked."""
        parts = {
            name: part.model_dump(mode="json", exclude_none=True) if part else None
            for name, part in (("move_out", self.move_out), ("move_in", self.move_in))
        }
        return {
            "move_id": move_id,
            "actor": {"subject": actor.subject, "role": actor.role},
            "correlation_id": correlation_id,
            **parts,  # both keys, null when absent: the workflow's Choice states test IsNull
        }


class MoveOutResult(Payload):
    account_id: str
    account_number: str | None = None
    status: str | None = Field(default=None, description="final-billed or closed")
    settlement: str | None = Field(
        default=None, description="closed, arrears-rolled-to-owner or awaiting-payment"
    )
    balance: str | None = Field(default=None, description="What was owed at settlement (CAD)")


class MoveInResult(Payload):
    account_id: str | None = None
    account_number: str | None = None
    status: str | None = None


class MoveError(Payload):
    code: str
    message: str | None


class MoveResponse(Payload):
    id: str
    status: str = Field(description="RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED")
    started_at: datetime
    stopped_at: datetime | None
    move_out: MoveOutResult | None
    move_in: MoveInResult | None
    error: MoveError | None

    @classmethod
    def of(cls, execution: Execution) -> MoveResponse:
        asked = execution.input
        done = execution.output or {}
        move_out = None
        if asked.get("move_out"):
            out = done.get("move_out_result", {})
            settled = done.get("settlement", {})
            move_out = MoveOutResult(
                account_id=asked["move_out"]["account_id"],
                account_number=out.get("account_number"),
                status=settled.get("status") or out.get("status"),
                settlement=settled.get("settlement"),
                balance=settled.get("balance"),
            )
        move_in = None
        if asked.get("move_in"):
            opened = done.get("move_in_result", {})
            move_in = MoveInResult(
                account_id=opened.get("account_id"),
                account_number=opened.get("account_number"),
                status=opened.get("status"),
            )
        error = None
        if execution.error:
            error = MoveError(code=execution.error, message=execution.cause)
        return cls(
            id=execution.name,
            status=execution.status,
            started_at=execution.started_at,
            stopped_at=execution.stopped_at,
            move_out=move_out,
            move_in=move_in,
            error=error,
        )
