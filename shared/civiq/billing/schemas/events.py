"""Versioned payloads of billing events (registered in :data:`civiq.accounts.schemas.events.
EVENT_SCHEMAS`, with a sample of each in ``events/eventbridge/``). Amounts are decimal strings."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from civiq.billing.domain.statements import StatementKind
from civiq.core.language import Language

AMOUNT = r"^-?[0-9]+\.[0-9]{2}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StatementIssuedV1(_Strict):
    """A statement was issued and its PDF stored: notify the customer, charge autopay."""

    statement_id: str
    account_id: str
    account_number: str
    kind: StatementKind
    cycle_id: str | None
    run_id: str | None
    period_start: date = Field(description="The period's first day, as the statement shows it")
    period_end: date
    issued_on: date
    due_on: date
    new_charges: str = Field(pattern=AMOUNT)
    total_due: str = Field(pattern=AMOUNT)
    total_after_due: str | None = Field(pattern=AMOUNT)
    estimated: bool
    language: Language
    document_key: str
    replaces: str | None = None  # a rebill: the cancelled statement it replaces


BILLING_EVENT_SCHEMAS: dict[tuple[str, int], type[BaseModel]] = {
    ("StatementIssued", 1): StatementIssuedV1,
}
