"""Service requests' edges: the staff API's (and the portal's) payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

from pydantic import Field, model_validator

from civiq.core.errors import InvalidInput
from civiq.core.language import Language
from civiq.core.schemas import Omissible, PageQuery, Payload, Request, Versioned, rules, when
from civiq.service_requests.domain.requests import (
    DESCRIPTION_MAX,
    MESSAGE_MAX,
    SUBJECT_MAX,
    Asked,
    Author,
    AuthorKind,
    Message,
    RequestKind,
    RequestStatus,
    ServiceRequest,
    statement_refusals,
)

StatementId = Annotated[str, Field(min_length=1, max_length=40)]
DISPUTES = {"kind": {"const": RequestKind.BILLING_DISPUTE.value}}


class OpenRequest(Request):
    """A request for an account; a billing dispute names the statement disputed (and only a
    billing dispute does)."""

    model_config = rules(
        when(DISPUTES, {"required": ["statement_id"]}, {"not": {"required": ["statement_id"]}})
    )

    kind: RequestKind
    subject: str = Field(min_length=1, max_length=SUBJECT_MAX)
    description: str = Field(min_length=1, max_length=DESCRIPTION_MAX)
    statement_id: Omissible[StatementId] = None

    @model_validator(mode="after")
    def _statement_for_a_dispute(self) -> Self:
        refused = statement_refusals(self.kind, self.statement_id)
        if refused:
            raise InvalidInput.of(refused)
        return self

    def asked(self, account_id: str, request_key: str) -> Asked:
        return Asked(
            account_id, request_key, self.kind, self.subject, self.description, self.statement_id
        )


class ReplyRequest(Request):
    text: str = Field(min_length=1, max_length=MESSAGE_MAX)


class StatusRequest(Versioned):
    status: RequestStatus


class WorklistQuery(PageQuery):
    status: RequestStatus = Field(default=RequestStatus.OPEN, strict=False)


class AuthorOut(Payload):
    kind: AuthorKind
    id: str = Field(description="The resident's portal identity, or the staff member's")

    @classmethod
    def of(cls, author: Author) -> AuthorOut:
        return cls(kind=author.kind, id=author.author_id)


class MessageOut(Payload):
    author: AuthorOut
    text: str
    at: datetime

    @classmethod
    def of(cls, message: Message) -> MessageOut:
        return cls(author=AuthorOut.of(message.author), text=message.text, at=message.at)


class ServiceRequestOut(Payload):
    id: str
    account_id: str
    kind: RequestKind
    status: RequestStatus
    subject: str
    description: str
    statement_id: str | None = Field(description="The statement a billing dispute disputes")
    opened_by: AuthorOut
    language: Language = Field(description="The holder's: what the resident reads")
    opened_at: datetime
    updated_at: datetime
    messages: list[MessageOut] = Field(description="The thread, oldest first")
    held_case_id: str | None = Field(
        description="The collection case a billing dispute holds (paused while it is open)"
    )
    version: int

    @classmethod
    def of(cls, request: ServiceRequest) -> ServiceRequestOut:
        return cls(
            id=request.request_id,
            account_id=request.account_id,
            kind=request.kind,
            status=request.status,
            subject=request.subject,
            description=request.description,
            statement_id=request.statement_id,
            opened_by=AuthorOut.of(request.opened_by),
            language=request.language,
            opened_at=request.opened_at,
            updated_at=request.updated_at,
            messages=[MessageOut.of(m) for m in request.messages],
            held_case_id=request.held_case_id,
            version=request.version,
        )


class ServiceRequestPage(Payload):
    items: list[ServiceRequestOut]
    next_cursor: str | None
