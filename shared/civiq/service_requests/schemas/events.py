"""Versioned payloads of service requests' events (registered in
:data:`civiq.event_catalog.EVENT_SCHEMAS` through :data:`SERVICE_REQUEST_EVENT_SCHEMAS`, with a
sample of each in ``events/eventbridge/``), on the account's history (``ACCOUNT#<id>``). They
say what happened; the texts stay on the request."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from civiq.core.language import Language
from civiq.service_requests.domain.events import ANSWERED, OPENED, STATUS_CHANGED
from civiq.service_requests.domain.requests import AuthorKind, RequestKind, RequestStatus


class _RequestEvent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    request_id: str = Field(min_length=1)
    account_id: str = Field(min_length=1)
    kind: RequestKind
    status: RequestStatus
    request_version: int = Field(ge=1)


class ServiceRequestOpenedV1(_RequestEvent):
    """A request opened, by the resident or a clerk; a billing dispute with the statement
    disputed and the collection case it holds (None: the account had none to hold)."""

    statement_id: str | None
    opened_by: AuthorKind
    language: Language
    held_case_id: str | None


class ServiceRequestAnsweredV1(_RequestEvent):
    """A reply added to the request's thread, by staff or by the resident."""

    author: AuthorKind
    messages: int = Field(ge=1, description="The thread's length with this reply")


class ServiceRequestStatusChangedV1(_RequestEvent):
    """Staff moved the request from ``previous_status`` to ``status``; a reopened billing
    dispute with the case it holds again."""

    previous_status: RequestStatus
    held_case_id: str | None


SERVICE_REQUEST_EVENT_SCHEMAS: dict[tuple[str, int], type[BaseModel]] = {
    (OPENED, 1): ServiceRequestOpenedV1,
    (ANSWERED, 1): ServiceRequestAnsweredV1,
    (STATUS_CHANGED, 1): ServiceRequestStatusChangedV1,
}
