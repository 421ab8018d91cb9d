"""Ownership transfers (property sales): submitted, approved by a supervisor, completed at closing.

Lifecycle: ``submitted`` -> ``awaiting-approval`` (the workflow is waiting on a supervisor) ->
``approved`` -> ``completed`` (closing date reached: seller final-billed, buyer's accounts
opened, the buyer is the owner of record), or ``rejected``. A property has at most one open
(not rejected, not completed) transfer. An escalation (no decision within the approval window)
is recorded on the transfer and the wait goes on. Four eyes: the supervisor who submitted a
transfer cannot approve it (they may reject it: withdrawing grants nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from civiq.accounts.domain.customers import Customer
from civiq.accounts.domain.moves import FinalReading
from civiq.core.addresses import Address
from civiq.core.errors import Conflict, Forbidden, InvalidInput
from civiq.core.events import Actor


class TransferStatus(StrEnum):
    SUBMITTED = "submitted"
    AWAITING_APPROVAL = "awaiting-approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    COMPLETED = "completed"


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


PENDING = (TransferStatus.SUBMITTED, TransferStatus.AWAITING_APPROVAL)
CLOSED = (TransferStatus.REJECTED, TransferStatus.COMPLETED)


@dataclass(frozen=True, slots=True)
class Transfer:
    transfer_id: str
    property_id: str
    seller_customer_id: str  # the owner of record when the transfer was submitted
    buyer_customer_id: str
    closing_date: date
    final_reading: FinalReading  # on the closing date; an estimate when none was given
    seller_account_ids: tuple[str, ...]  # the seller's open accounts on the property
    submitted_at: datetime
    submitted_by: Actor
    new_buyer: Customer | None = None  # registered at closing when the buyer is new
    status: TransferStatus = TransferStatus.SUBMITTED
    task_token: str | None = None  # the workflow's approval callback; never leaves the API
    escalations: int = 0
    escalated_at: datetime | None = None
    decision: Decision | None = None
    decided_by: Actor | None = None
    decided_at: datetime | None = None
    reason: str | None = None
    buyer_account_ids: tuple[str, ...] = ()
    completed_at: datetime | None = None
    forwarding_address: Address | None = None  # the seller's final bill goes there
    version: int = 1

    def __post_init__(self) -> None:
        if self.buyer_customer_id == self.seller_customer_id:
            raise InvalidInput("the buyer is already the owner of record", "buyer.customer_id")
        if self.new_buyer is not None and self.new_buyer.customer_id != self.buyer_customer_id:
            raise ValueError("new_buyer must carry buyer_customer_id")

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED

    @property
    def is_pending(self) -> bool:
        """Waiting for a supervisor's decision."""
        return self.status in PENDING

    def revised(self, **changes: object) -> Transfer:
        return replace(self, version=self.version + 1, **changes)  # type: ignore[arg-type]

    def awaiting(self, task_token: str) -> Transfer:
        """The workflow is waiting on ``task_token`` for the decision."""
        self._require_pending("wait for approval")
        return self.revised(status=TransferStatus.AWAITING_APPROVAL, task_token=task_token)

    def escalated(self, escalation: int, at: datetime) -> Transfer:
        self._require_pending("escalate")
        return self.revised(escalations=escalation, escalated_at=at)

    def decided(
        self, decision: Decision, by: Actor, at: datetime, reason: str | None = None
    ) -> Transfer:
        if not self.is_pending:
            raise Conflict(f"the transfer is {self.status}, not awaiting approval", "decision")
        if decision is Decision.APPROVE and by.subject == self.submitted_by.subject:
            raise Forbidden(
                "four eyes: the supervisor who submitted a transfer cannot approve it; "
                "another supervisor approves",
                "decision",
            )
        if decision is Decision.REJECT and not (reason and reason.strip()):
            raise InvalidInput("a rejection needs a reason", "reason")
        status = (
            TransferStatus.APPROVED if decision is Decision.APPROVE else TransferStatus.REJECTED
        )
        return self.revised(
            status=status, decision=decision, decided_by=by, decided_at=at, reason=reason
        )

    def completed(self, buyer_account_ids: tuple[str, ...], at: datetime) -> Transfer:
        if self.status is not TransferStatus.APPROVED:
            raise Conflict(f"only an approved transfer completes; it is {self.status}", "status")
        return self.revised(
            status=TransferStatus.COMPLETED, buyer_account_ids=buyer_account_ids, completed_at=at
        )

    def _require_pending(self, action: str) -> None:
        if not self.is_pending:
            raise Conflict(f"cannot {action}: the transfer is {self.status}", "status")
