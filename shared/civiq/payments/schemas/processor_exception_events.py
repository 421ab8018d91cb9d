"""Versioned payloads of processor exceptions' events (registered in
:data:`civiq.event_catalog.EVENT_SCHEMAS` through :data:`PROCESSOR_EXCEPTION_EVENT_SCHEMAS`, with
a sample of each in ``events/eventbridge/``), with the exception as the event's subject
(``PROCESSOREXCEPTION#<processor event id>``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from civiq.payments.domain.processor_exceptions import ExceptionReason, Resolution


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProcessorExceptionRecordedV1(_Strict):
    """A processor event could not be posted and waits for a clerk. Its fields are as the
    processor sent them (None: not sent as text)."""

    processor_event_id: str = Field(min_length=1)
    event_type: str = Field(min_length=1)
    processor_payment_id: str | None
    amount: str | None
    currency: str | None
    account_number: str | None
    reason: ExceptionReason
    explanation: str


class ProcessorExceptionResolvedV1(_Strict):
    """A clerk decided a processor exception: its payment posted to an account (``account_id``),
    or its money to be refunded to the payer."""

    processor_event_id: str = Field(min_length=1)
    processor_payment_id: str | None
    resolution: Resolution
    account_id: str | None
    note: str = Field(min_length=1)


PROCESSOR_EXCEPTION_EVENT_SCHEMAS: dict[tuple[str, int], type[BaseModel]] = {
    ("ProcessorExceptionRecorded", 1): ProcessorExceptionRecordedV1,
    ("ProcessorExceptionResolved", 1): ProcessorExceptionResolvedV1,
}
