"""Service requests: what a resident asks of the utility (a billing dispute, a leak, a meter
problem, service started or stopped, anything else), and the thread in which staff answer.

A request is opened by the resident through the portal or by a clerk on the phone, once per
request key (the form's: a form submitted twice makes one request). Staff move it along:

    open -> in-progress -> resolved | closed      (open -> resolved | closed directly too)
    resolved | closed -> open                      (reopened by staff)

A billing dispute names the statement disputed. While it is open it holds the account's
collection case (if one was open or held for a dispute when it was opened or reopened): the
request keeps the held case's id, so resolving or closing it lets go of that case only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from civiq.core.errors import Conflict, FieldError, InvalidInput, NotFound
from civiq.core.events import Actor
from civiq.core.language import Language

SUBJECT_MAX = 120
DESCRIPTION_MAX = 4000
MESSAGE_MAX = 2000
# A request is one item (at most 400 KB): 50 messages of 2,000 characters stay well inside it.
THREAD_MAX = 50
REQUEST_KEY = re.compile(r"^[A-Za-z0-9._:-]{8,100}$")
RESIDENT_ROLE = "resident"  # the role of a resident's actor (the portal's)


class RequestKind(StrEnum):
    BILLING_DISPUTE = "billing-dispute"
    LEAK = "leak"
    METER_PROBLEM = "meter-problem"
    START_SERVICE = "start-service"
    STOP_SERVICE = "stop-service"
    OTHER = "other"


class RequestStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in-progress"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def active(self) -> bool:
        """Still being worked on (a billing dispute holds the case meanwhile)."""
        return self in (RequestStatus.OPEN, RequestStatus.IN_PROGRESS)


NEXT_STATUSES: dict[RequestStatus, frozenset[RequestStatus]] = {
    RequestStatus.OPEN: frozenset(
        {RequestStatus.IN_PROGRESS, RequestStatus.RESOLVED, RequestStatus.CLOSED}
    ),
    RequestStatus.IN_PROGRESS: frozenset({RequestStatus.RESOLVED, RequestStatus.CLOSED}),
    RequestStatus.RESOLVED: frozenset({RequestStatus.OPEN}),
    RequestStatus.CLOSED: frozenset({RequestStatus.OPEN}),
}


class AuthorKind(StrEnum):
    RESIDENT = "resident"
    STAFF = "staff"


@dataclass(frozen=True, slots=True)
class Author:
    """Who wrote: the resident (their portal identity) or a staff member (their id)."""

    kind: AuthorKind
    author_id: str

    @classmethod
    def of(cls, actor: Actor) -> Author:
        kind = AuthorKind.RESIDENT if actor.role == RESIDENT_ROLE else AuthorKind.STAFF
        return cls(kind, actor.subject)


@dataclass(frozen=True, slots=True)
class Message:
    author: Author
    text: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Asked:
    """A request as the resident or the clerk asks it."""

    account_id: str
    request_key: str
    kind: RequestKind
    subject: str
    description: str
    statement_id: str | None = None  # the statement disputed (a billing dispute's, only)

    def same_as(self, request: ServiceRequest) -> bool:
        """True when ``request`` is this one (the form submitted again)."""
        return (
            request.account_id,
            request.kind,
            request.subject,
            request.description,
            request.statement_id,
        ) == (
            self.account_id,
            self.kind,
            self.subject.strip(),
            self.description.strip(),
            self.statement_id,
        )


@dataclass(frozen=True, slots=True)
class ServiceRequest:
    request_id: str
    account_id: str
    request_key: str
    kind: RequestKind
    status: RequestStatus
    subject: str
    description: str
    statement_id: str | None
    opened_by: Author
    language: Language  # the holder's, when it was opened: what the resident reads
    opened_at: datetime
    updated_at: datetime
    messages: tuple[Message, ...] = ()
    held_case_id: str | None = None  # the collection case this dispute holds
    version: int = 1

    @property
    def holds_a_case(self) -> bool:
        return self.held_case_id is not None and self.status.active

    def answered(self, message: Message) -> ServiceRequest:
        """The thread with ``message`` added. Raises InvalidInput (an empty or too long text),
        Conflict (the request is closed, or its thread full)."""
        text = message.text.strip()
        if not text or len(text) > MESSAGE_MAX:
            raise InvalidInput(f"a reply has 1 to {MESSAGE_MAX} characters", "text")
        if self.status is RequestStatus.CLOSED:
            raise Conflict("the request is closed: open a new one", "status")
        if len(self.messages) >= THREAD_MAX:
            raise Conflict(f"the thread holds {THREAD_MAX} messages: open a new request", "text")
        return replace(
            self,
            messages=(*self.messages, replace(message, text=text)),
            updated_at=message.at,
            version=self.version + 1,
        )

    def reopens(self, status: RequestStatus) -> bool:
        return status.active and not self.status.active

    def moved_to(
        self, status: RequestStatus, at: datetime, held_case_id: str | None = None
    ) -> ServiceRequest:
        """The request in ``status``; raises Conflict when it cannot go there from where it
        is. ``held_case_id``: the case a reopened billing dispute holds (else the request keeps
        the one it has)."""
        if status not in NEXT_STATUSES[self.status]:
            raise Conflict(f"a request {self.status.value} cannot become {status.value}", "status")
        return replace(
            self,
            status=status,
            held_case_id=held_case_id if self.reopens(status) else self.held_case_id,
            updated_at=at,
            version=self.version + 1,
        )


def refusals(asked: Asked) -> list[FieldError]:
    """Every field of ``asked`` that is not acceptable."""
    found = []
    if not REQUEST_KEY.match(asked.request_key):
        found.append(
            FieldError(
                "request_key", "8 to 100 letters, digits, dots, dashes, colons or underscores"
            )
        )
    if not 1 <= len(asked.subject.strip()) <= SUBJECT_MAX:
        found.append(FieldError("subject", f"1 to {SUBJECT_MAX} characters"))
    if not 1 <= len(asked.description.strip()) <= DESCRIPTION_MAX:
        found.append(FieldError("description", f"1 to {DESCRIPTION_MAX} characters"))
    return found + statement_refusals(asked.kind, asked.statement_id)


def statement_refusals(kind: RequestKind, statement_id: str | None) -> list[FieldError]:
    """A billing dispute names the statement disputed, and only a billing dispute does."""
    disputes = kind is RequestKind.BILLING_DISPUTE
    if disputes and not statement_id:
        return [FieldError("statement_id", "a billing dispute names the statement disputed")]
    if not disputes and statement_id:
        return [FieldError("statement_id", "only a billing dispute names a statement")]
    return []


def opened(
    request_id: str,
    asked: Asked,
    by: Author,
    language: Language,
    at: datetime,
    held_case_id: str | None,
) -> ServiceRequest:
    """A new request; raises InvalidInput naming every unacceptable field."""
    refused = refusals(asked)
    if refused:
        raise InvalidInput.of(refused)
    return ServiceRequest(
        request_id=request_id,
        account_id=asked.account_id,
        request_key=asked.request_key,
        kind=asked.kind,
        status=RequestStatus.OPEN,
        subject=asked.subject.strip(),
        description=asked.description.strip(),
        statement_id=asked.statement_id,
        opened_by=by,
        language=language,
        opened_at=at,
        updated_at=at,
        held_case_id=held_case_id,
    )


def seen_from(request: ServiceRequest, account_id: str | None) -> ServiceRequest:
    """``request`` as one who may see ``account_id``'s requests sees it (None: staff, who see
    every account's); raises NotFound for another account's, as for no request at all."""
    if account_id is not None and request.account_id != account_id:
        raise NotFound(f"no service request {request.request_id}", "request_id")
    return request
