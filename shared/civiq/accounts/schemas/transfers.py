"""Ownership transfer API payloads (/api/v1/utility/transfers). Unknown fields are refused;
types are not coerced."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Self

from pydantic import Field, model_validator

from civiq.accounts.domain.transfers import Decision, Transfer, TransferStatus
from civiq.accounts.schemas.customers import NewCustomerIn
from civiq.accounts.schemas.moves import FinalReadingIn
from civiq.accounts.services.customers import NewCustomer
from civiq.accounts.services.transfers import TransferCommand
from civiq.core.errors import InvalidInput
from civiq.core.ids import DeterministicIds
from civiq.core.schemas import (
    ActorOut,
    AddressIn,
    AddressOut,
    Omissible,
    PageQuery,
    Payload,
    Request,
    exactly_one,
    rules,
)

Id = Annotated[str, Field(min_length=1, max_length=40)]


class BuyerIn(Request):
    model_config = rules(exactly_one("customer_id", "customer"))

    customer_id: Omissible[Id] = Field(default=None, description="An existing customer")
    customer: Omissible[NewCustomerIn] = Field(default=None, description="A new customer")

    @model_validator(mode="after")
    def _one(self) -> Self:
        if (self.customer is None) == (self.customer_id is None):
            raise InvalidInput("give either customer or customer_id", "buyer")
        return self


class TransferRequest(Request):
    """A sale: the buyer becomes the owner of record on the closing date, once approved."""

    property_id: Id
    closing_date: date
    buyer: BuyerIn
    final_reading: FinalReadingIn | None = Field(
        default=None, description="Read on the closing date; omit for an estimate"
    )
    forwarding_address: AddressIn | None = Field(
        default=None,
        description="Where the seller's final bill is mailed; omit for their mailing address",
    )

    def transfer_id(self) -> str:
        """Derived from the request: the same request again is the same transfer (one without
        a forwarding address derives what it did before forwarding addresses existed)."""
        unsent = {"forwarding_address"} if self.forwarding_address is None else None
        return DeterministicIds(f"transfer:{self.model_dump_json(exclude=unsent)}").peek(1)

    def to_command(self) -> TransferCommand:
        buyer: str | NewCustomer
        if self.buyer.customer is not None:
            buyer = self.buyer.customer.to_new("buyer.customer")
        else:
            assert self.buyer.customer_id is not None  # checked by BuyerIn
            buyer = self.buyer.customer_id
        reading = None
        if self.final_reading is not None:
            reading = self.final_reading.to_domain(self.closing_date, "final_reading")
        forwarding = None
        if self.forwarding_address is not None:
            forwarding = self.forwarding_address.to_domain("forwarding_address")
        return TransferCommand(
            transfer_id=self.transfer_id(),
            property_id=self.property_id,
            closing_date=self.closing_date,
            buyer=buyer,
            final_reading=reading,
            forwarding_address=forwarding,
        )


class TransferQuery(PageQuery):
    status: TransferStatus = Field(
        default=TransferStatus.AWAITING_APPROVAL,
        description="The transfers of this status, oldest submitted first; by default those "
        "waiting for a supervisor's decision",
    )


class DecisionRequest(Request):
    decision: Decision
    reason: str | None = Field(default=None, max_length=500, description="Required to reject")


class FinalReadingOut(Payload):
    value_m3: str | None
    read_on: date
    estimate: bool


class TransferResponse(Payload):
    id: str
    status: TransferStatus
    property_id: str
    seller_customer_id: str
    buyer_customer_id: str
    buyer_is_new: bool = Field(description="The buyer is registered as a customer at closing")
    closing_date: date
    final_reading: FinalReadingOut
    seller_account_ids: list[str]
    buyer_account_ids: list[str]
    submitted_at: datetime
    submitted_by: ActorOut
    escalations: int = Field(description="Approval windows that passed without a decision")
    escalated_at: datetime | None
    decision: Decision | None
    reason: str | None
    decided_by: ActorOut | None
    decided_at: datetime | None
    completed_at: datetime | None
    forwarding_address: AddressOut | None = Field(
        description="Where the seller's final bill is mailed (null: their mailing address)"
    )
    version: int

    @classmethod
    def of(cls, transfer: Transfer) -> TransferResponse:
        reading = transfer.final_reading
        decided_by = transfer.decided_by
        return cls(
            id=transfer.transfer_id,
            status=transfer.status,
            property_id=transfer.property_id,
            seller_customer_id=transfer.seller_customer_id,
            buyer_customer_id=transfer.buyer_customer_id,
            buyer_is_new=transfer.new_buyer is not None,
            closing_date=transfer.closing_date,
            final_reading=FinalReadingOut(
                value_m3=str(reading.value_m3) if reading.value_m3 is not None else None,
                read_on=reading.read_on,
                estimate=reading.estimate,
            ),
            seller_account_ids=list(transfer.seller_account_ids),
            buyer_account_ids=list(transfer.buyer_account_ids),
            submitted_at=transfer.submitted_at,
            submitted_by=ActorOut(
                subject=transfer.submitted_by.subject, role=transfer.submitted_by.role
            ),
            escalations=transfer.escalations,
            escalated_at=transfer.escalated_at,
            decision=transfer.decision,
            reason=transfer.reason,
            decided_by=ActorOut(subject=decided_by.subject, role=decided_by.role)
            if decided_by
            else None,
            decided_at=transfer.decided_at,
            completed_at=transfer.completed_at,
            forwarding_address=AddressOut.of(transfer.forwarding_address)
            if transfer.forwarding_address
            else None,
            version=transfer.version,
        )


class TransferPage(Payload):
    items: list[TransferResponse]
    next_cursor: str | None
