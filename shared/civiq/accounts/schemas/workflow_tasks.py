"""What the move and transfer state machines send their task function (one per task).

The ``task`` field says which step it is; ``execution`` (the execution's name) seeds the ids the
step generates, so a retried step regenerates the same ids (see DeterministicIds).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from civiq.accounts.schemas.moves import MoveInIn, MoveOutIn
from civiq.core.events import Actor


class _Task(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    execution: str = Field(min_length=1, max_length=80)
    correlation_id: str


class ActorIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    subject: str
    role: str

    def to_domain(self) -> Actor:
        return Actor(self.subject, self.role)


class MoveOutTask(_Task):
    task: Literal["move_out"]
    move_id: str
    actor: ActorIn
    move_out: MoveOutIn


class SettleAccountTask(_Task):
    task: Literal["settle_account"]
    account_id: str
    actor: ActorIn


class MoveInTask(_Task):
    task: Literal["move_in"]
    move_id: str
    actor: ActorIn
    move_in: MoveInIn


class RequestApprovalTask(_Task):
    task: Literal["request_approval"]
    transfer_id: str
    task_token: str


class EscalateTask(_Task):
    task: Literal["escalate"]
    transfer_id: str
    escalation: int = Field(ge=1)


class ClosingTask(_Task):
    task: Literal[
        "final_bill_seller", "settle_seller_accounts", "record_new_owner", "open_buyer_accounts"
    ]
    transfer_id: str


class CompleteTransferTask(_Task):
    task: Literal["complete_transfer"]
    transfer_id: str
    buyer_account_ids: list[str]


WorkflowTask = Annotated[
    MoveOutTask
    | SettleAccountTask
    | MoveInTask
    | RequestApprovalTask
    | EscalateTask
    | ClosingTask
    | CompleteTransferTask,
    Field(discriminator="task"),
]


class TaskEnvelope(BaseModel):
    """Parses any task by its ``task`` field."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    task: WorkflowTask
