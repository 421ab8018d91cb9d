"""Processor exceptions over the API: the list, one with its history, a clerk's decision."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from civiq.core.audit import AuditEntry
from civiq.core.errors import InvalidInput
from civiq.core.events import Actor
from civiq.core.schemas import (
    HistoryEntryOut,
    Omissible,
    PageQuery,
    Payload,
    Request,
    rules,
    when,
)
from civiq.payments.domain.processor_exceptions import ProcessorException
from civiq.payments.services.processor_exceptions import DecideProcessorException


class ExceptionsQuery(PageQuery):
    status: Annotated[
        Literal["open", "resolved"],
        Field(description="open: waiting for a clerk (oldest first); resolved: newest first"),
    ] = "open"


class ProcessorExceptionOut(Payload):
    event_id: str = Field(description="The processor's event id: one exception per event")
    event_type: str
    reported_at: datetime = Field(description="When the processor says the event happened")
    received_at: datetime
    processor_payment_id: str | None
    amount: str | None = Field(description="As the processor sent it")
    currency: str | None
    method: str | None
    account_number: str | None = Field(description="As the processor sent it")
    reason: str = Field(description="Why it could not be posted")
    explanation: str
    candidates: list[str] = Field(description="Accounts it may be meant for")
    can_post: bool = Field(description="false: it can only be refunded to the payer")
    status: Literal["open", "resolved"]
    resolution: Literal["posted", "refund"] | None
    account_id: str | None = Field(description="The account it was posted to")
    decided_by: str | None
    decided_at: datetime | None
    note: str | None
    data: dict[str, Any] = Field(description="The event's data, as the processor sent it")

    @classmethod
    def of(cls, exception: ProcessorException) -> ProcessorExceptionOut:
        reported = exception.reported
        return cls(
            event_id=reported.event_id,
            event_type=reported.event_type,
            reported_at=reported.created_at,
            received_at=exception.received_at,
            processor_payment_id=reported.processor_payment_id,
            amount=reported.amount,
            currency=reported.currency,
            method=reported.method,
            account_number=reported.account_number,
            reason=exception.reason.value,
            explanation=exception.explanation,
            candidates=list(exception.candidates),
            can_post=exception.can_post,
            status=exception.status.value,
            resolution=exception.resolution.value if exception.resolution else None,
            account_id=exception.account_id,
            decided_by=exception.decided_by,
            decided_at=exception.decided_at,
            note=exception.note,
            data=dict(reported.data),
        )


class ProcessorExceptionPage(Payload):
    items: list[ProcessorExceptionOut]
    next_cursor: str | None


class ProcessorExceptionDetail(Payload):
    exception: ProcessorExceptionOut
    history: list[HistoryEntryOut] = Field(description="Who recorded and decided it, and when")

    @classmethod
    def of(
        cls, exception: ProcessorException, history: list[AuditEntry]
    ) -> ProcessorExceptionDetail:
        return cls(
            exception=ProcessorExceptionOut.of(exception),
            history=[HistoryEntryOut.of(entry) for entry in history],
        )


class DecisionRequest(Request):
    model_config = rules(
        when({"action": {"const": "post"}}, {"required": ["account"]}),
        when({"action": {"const": "refund"}}, {"properties": {"account": False}}),
    )

    action: Literal["post", "refund"] = Field(
        description="post: pay it to account; refund: the money goes back to the payer"
    )
    account: Omissible[str] = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="post only: the account's id or its number (UB-0000002-6)",
    )
    note: str = Field(min_length=3, max_length=500, description="Why (kept in its history)")

    def apply(
        self, decide: DecideProcessorException, event_id: str, actor: Actor, cid: str
    ) -> ProcessorException:
        """Post the payment to the account named, or refund it to the payer."""
        if self.action == "post":
            if self.account is None:
                raise InvalidInput("account is required to post the payment", "account")
            return decide.post(event_id, self.account, self.note, actor, cid)
        if self.account is not None:
            raise InvalidInput("a refunded payment is paid to no account", "account")
        return decide.refund(event_id, self.note, actor, cid)
