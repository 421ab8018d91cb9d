"""Versioned payloads of the write-offs' events, registered in
:data:`civiq.event_catalog.EVENT_SCHEMAS` (samples in ``events/eventbridge/``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from civiq.billing.schemas.events import AMOUNT
from civiq.collections.domain.write_offs import Authority, WriteOffCategory


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AppliedV1(_Strict):
    statement_id: str
    amount: str = Field(pattern=AMOUNT)


class ArrearsWrittenOffV1(_Strict):
    """Arrears written off an account (``applied``: the open items it paid, oldest first), by
    ``authority``."""

    write_off_id: str
    account_id: str
    amount: str = Field(pattern=AMOUNT)
    reason_category: WriteOffCategory
    reason: str
    authority: Authority
    applied: list[AppliedV1]
    balance_after: str = Field(pattern=AMOUNT)


class ReinstatedPartV1(_Strict):
    write_off_id: str
    amount: str = Field(pattern=AMOUNT)


class WrittenOffArrearsReinstatedV1(_Strict):
    """Written-off arrears owed again: paid by a later payment (``payment_id``), or a
    write-off reversed by a supervisor (``payment_id`` null); ``write_offs``: how much of each,
    newest first."""

    account_id: str
    amount: str = Field(pattern=AMOUNT)
    payment_id: str | None
    reason: str
    write_offs: list[ReinstatedPartV1]
    balance_after: str = Field(pattern=AMOUNT)


WRITE_OFF_EVENT_SCHEMAS: dict[tuple[str, int], type[BaseModel]] = {
    ("ArrearsWrittenOff", 1): ArrearsWrittenOffV1,
    ("WrittenOffArrearsReinstated", 1): WrittenOffArrearsReinstatedV1,
}
