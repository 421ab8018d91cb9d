"""Versioned payloads of collections' events, registered in
:data:`civiq.event_catalog.EVENT_SCHEMAS` (samples in ``events/eventbridge/``)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from civiq.billing.schemas.events import AMOUNT
from civiq.collections.domain.arrangements import InstalmentFrequency
from civiq.collections.domain.tax_roll import Debtor


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


class InstalmentV1(_Strict):
    due_on: date
    amount: str = Field(pattern=AMOUNT)


class ArrangementCreatedV1(_Strict):
    """A payment arrangement made for ``owed`` (the arrears it covers): the down payment (the
    first instalment, due the day it was made, when above zero) and the instalments."""

    arrangement_id: str
    account_id: str
    owed: str = Field(pattern=AMOUNT)
    down_payment: str = Field(pattern=AMOUNT)
    frequency: InstalmentFrequency
    instalments: list[InstalmentV1]


class ArrangementEndedV1(_Strict):
    """An arrangement broken (``missed_instalment``: the first not paid by its due date and
    grace) or completed: what was due by then, and what was paid toward it."""

    arrangement_id: str
    account_id: str
    ended_on: date
    due: str = Field(pattern=AMOUNT)
    paid: str = Field(pattern=AMOUNT)
    missed_instalment: int | None
    missed_due_on: date | None


class TransferredItemV1(_Strict):
    item_id: str  # a statement, or an unbilled item (the transfer fee)
    due_on: date
    amount: str = Field(pattern=AMOUNT)


class ArrearsTransferredToTaxRollV1(_Strict):
    """Arrears added to the property's tax roll (``roll_number``) at the notice's deadline:
    what was still owed of the items the notice selected (``arrears``) and the transfer fee,
    paid on the utility account by a ``tax-roll`` entry of ``total``."""

    transfer_id: str
    account_id: str
    account_number: str
    roll_number: str
    debtor: Debtor
    owner_customer_id: str
    arrears: str = Field(pattern=AMOUNT)
    fee: str = Field(pattern=AMOUNT)
    total: str = Field(pattern=AMOUNT)
    items: list[TransferredItemV1]
    noticed_on: date
    deadline: date
    transferred_on: date


COLLECTION_EVENT_SCHEMAS: dict[tuple[str, int], type[BaseModel]] = {
    ("CollectionStageAdvanced", 1): CollectionStageAdvancedV1,
    ("ArrangementCreated", 1): ArrangementCreatedV1,
    ("ArrangementBroken", 1): ArrangementEndedV1,
    ("ArrangementCompleted", 1): ArrangementEndedV1,
    ("ArrearsTransferredToTaxRoll", 1): ArrearsTransferredToTaxRollV1,
}
