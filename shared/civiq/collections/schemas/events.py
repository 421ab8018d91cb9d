"""Versioned payloads of collections' events, registered in
:data:`civiq.event_catalog.EVENT_SCHEMAS` (samples in ``events/eventbridge/``)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from civiq.billing.schemas.events import AMOUNT


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CollectionStageAdvancedV1(_Strict):
    """A collection case reached a stage of its ladder: by ``rule``, on ``reached_on``, from
    the oldest unpaid statement (``statement_id``, due ``oldest_due_on``). Its notices follow as
    NotificationRequested events; ``staff_task``: a task for staff was opened."""

    case_id: str
    account_id: str
    stage: str
    rule: str
    reached_on: date
    statement_id: str
    oldest_due_on: date
    days_past_due: int = Field(ge=1)
    past_due: str = Field(pattern=AMOUNT)
    shutoff_on: date | None  # a shutoff warning: the first day of a possible disconnection
    staff_task: bool


COLLECTION_EVENT_SCHEMAS: dict[tuple[str, int], type[BaseModel]] = {
    ("CollectionStageAdvanced", 1): CollectionStageAdvancedV1,
}
