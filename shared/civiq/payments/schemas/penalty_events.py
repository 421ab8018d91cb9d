"""Versioned payload of LatePenaltyApplied: a late-payment penalty was posted on a statement
(registered in :data:`civiq.event_catalog.EVENT_SCHEMAS` through
:data:`LATE_PENALTY_EVENT_SCHEMAS`, with a sample in ``events/eventbridge/``).

Published once per statement, by the scheduled penalty job, with the account id as the event's
subject. Amounts are strings of dollars and cents, never JSON numbers.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from civiq.billing.schemas.events import AMOUNT
from civiq.payments.domain.penalties import PenaltyKind


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LatePenaltyAppliedV1(_Strict):
    statement_id: str = Field(min_length=1)
    account_id: str = Field(min_length=1)
    account_number: str = Field(min_length=1)
    entry_id: str = Field(min_length=1)  # the penalty's ledger entry
    kind: PenaltyKind  # the municipality's rule that priced it
    due_on: date
    assessed_on: date  # the municipal date of the job's run
    overdue: str = Field(pattern=AMOUNT)  # what the statement still owed then
    penalty: str = Field(pattern=AMOUNT)
    statement_owed: str = Field(pattern=AMOUNT)  # the statement owes the penalty too: paid with it
    balance_after: str = Field(pattern=AMOUNT)


LATE_PENALTY_EVENT_SCHEMAS: dict[tuple[str, int], type[BaseModel]] = {
    ("LatePenaltyApplied", 1): LatePenaltyAppliedV1,
}
