"""Versioned payloads of the move-in/move-out and ownership-transfer events.

Registered in :data:`civiq.event_catalog.EVENT_SCHEMAS`; a sample of each lives in
``events/eventbridge/`` and a test loads every sample through its schema. Amounts are decimal
strings (never floats); readings are cubic metres as decimal strings, up to 3 decimals.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from civiq.accounts.domain.accounts import AccountStatus, HolderRole, ServiceType
from civiq.accounts.domain.moves import FinalBillReason
from civiq.accounts.domain.transfers import Decision

DECIMAL = r"^-?[0-9]+(\.[0-9]+)?$"
READING = r"^[0-9]+(\.[0-9]{1,3})?$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FinalReadingV1(_Strict):
    value_m3: str | None = Field(pattern=READING)
    read_on: date
    estimate: bool


class ServiceStartV1(_Strict):
    service_type: ServiceType
    start_date: date


class FinalBillRequestedV1(_Strict):
    """Services ended: billing produces the final bill up to ``period_end`` from the reading."""

    account_id: str
    account_number: str
    property_id: str
    customer_id: str
    reason: FinalBillReason
    reference_id: str  # the move or transfer that asked for it
    period_end: date
    final_reading: FinalReadingV1
    services: list[ServiceType]


class MoveOutCompletedV1(_Strict):
    move_id: str
    account_id: str
    account_number: str
    property_id: str
    unit: str | None
    customer_id: str
    move_out_date: date
    final_reading: FinalReadingV1
    status: AccountStatus


class MoveInCompletedV1(_Strict):
    move_id: str
    account_id: str
    account_number: str
    property_id: str
    unit: str | None
    customer_id: str
    holder_role: HolderRole
    move_in_date: date
    services: list[ServiceStartV1]
    status: AccountStatus


class ArrearsTransferRequestedV1(_Strict):
    """A moved-out tenant's balance goes to the owner of record (policy roll-to-owner)."""

    account_id: str
    account_number: str
    property_id: str
    tenant_customer_id: str
    owner_customer_id: str
    owner_account_ids: list[str]  # the owner's open accounts (may be empty)
    amount: str = Field(pattern=DECIMAL)
    currency: str = Field(min_length=3, max_length=3)
    policy: Literal["roll-to-owner"]


class TransferDecidedV1(_Strict):
    transfer_id: str
    property_id: str
    decision: Decision
    reason: str | None
    decided_by: str


class TransferEscalatedV1(_Strict):
    """No decision within the approval window: supervisors are reminded; the wait goes on."""

    transfer_id: str
    property_id: str
    escalation: int = Field(ge=1)
    submitted_at: AwareDatetime
    escalated_at: AwareDatetime


class OwnershipTransferredV1(_Strict):
    transfer_id: str
    property_id: str
    seller_customer_id: str
    buyer_customer_id: str
    closing_date: date
    final_reading: FinalReadingV1
    seller_account_ids: list[str]
    buyer_account_ids: list[str]


WORKFLOW_EVENT_SCHEMAS: dict[tuple[str, int], type[BaseModel]] = {
    ("FinalBillRequested", 1): FinalBillRequestedV1,
    ("MoveOutCompleted", 1): MoveOutCompletedV1,
    ("MoveInCompleted", 1): MoveInCompletedV1,
    ("ArrearsTransferRequested", 1): ArrearsTransferRequestedV1,
    ("TransferDecided", 1): TransferDecidedV1,
    ("TransferEscalated", 1): TransferEscalatedV1,
    ("OwnershipTransferred", 1): OwnershipTransferredV1,
}
