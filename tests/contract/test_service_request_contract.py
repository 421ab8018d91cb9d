"""One contract, two implementations: service requests in memory and on DynamoDB behave alike
(opened once per account and request key, with their event and its history entry; changed on
condition of their version; listed by account newest first and by status oldest first, page by
page)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from civiq.core.errors import NotFound, VersionConflict
from civiq.core.events import Actor, DomainEvent
from civiq.core.language import Language
from civiq.service_requests.adapters.dynamodb import DynamoServiceRequests
from civiq.service_requests.adapters.memory import InMemoryServiceRequests
from civiq.service_requests.domain.events import ANSWERED, OPENED, request_event
from civiq.service_requests.domain.requests import (
    Author,
    AuthorKind,
    Message,
    RequestKind,
    RequestStatus,
    ServiceRequest,
)
from tests.helpers.written import Written, under_contract

AT = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
CLERK = Actor("clerk-1", "clerk")


@dataclass
class Backend:
    requests: Any
    written: Written

    def pending(self) -> list[str]:
        return self.written.pending(AT + timedelta(days=1))


@pytest.fixture(params=["memory", "dynamodb"])
def backend(request: pytest.FixtureRequest) -> Backend:
    return Backend(*under_contract(request, InMemoryServiceRequests, DynamoServiceRequests))


def request(n: int, account_id: str = "A1", minutes: int | None = None) -> ServiceRequest:
    at = AT + timedelta(minutes=n if minutes is None else minutes)
    return ServiceRequest(
        request_id=f"01SR{n:022d}",
        account_id=account_id,
        request_key=f"form-{n:04d}",
        kind=RequestKind.BILLING_DISPUTE,
        status=RequestStatus.OPEN,
        subject="Facture d'octobre",
        description="Le relevé compte « 120 m³ »: c'est impossible.",
        statement_id="S1",
        opened_by=Author(AuthorKind.RESIDENT, "resident-7f3c"),
        language=Language.FR,
        opened_at=at,
        updated_at=at,
        held_case_id="K1",
    )


def event(of: ServiceRequest, event_id: str, event_type: str = OPENED) -> DomainEvent:
    return request_event(event_type, of, event_id, of.updated_at, CLERK, "c-1")


def test_a_request_is_opened_once_per_key_with_its_event_and_history(backend: Backend) -> None:
    first = request(1)
    assert backend.requests.open(first, [event(first, "E1")])
    taken = replace(request(2), request_key=first.request_key)
    assert not backend.requests.open(taken, [event(taken, "E2")])
    other_account = replace(taken, account_id="A2")
    assert backend.requests.open(other_account, [event(other_account, "E3")])

    assert backend.requests.get(first.request_id) == first
    assert backend.requests.keyed("A1", first.request_key) == first
    assert backend.requests.keyed("A1", "form-none") is None
    with pytest.raises(NotFound):
        backend.requests.get(taken.request_id.replace("2", "9"))
    history = backend.written.audit.entries_for("ACCOUNT#A1", 10, None).items
    assert [(e.entry_id, e.action) for e in history] == [("E1", OPENED)]
    assert backend.pending() == ["E1", "E3"]


def test_a_change_is_written_on_condition_of_the_version(backend: Backend) -> None:
    opened = request(1)
    backend.requests.open(opened, [event(opened, "E1")])
    answered = opened.answered(
        Message(Author.of(CLERK), "Nous vérifions.", AT + timedelta(hours=1))
    )
    backend.requests.save(opened, answered, [event(answered, "E2", ANSWERED)])
    assert backend.requests.get(opened.request_id) == answered

    late = opened.moved_to(RequestStatus.CLOSED, AT + timedelta(hours=2))
    with pytest.raises(VersionConflict) as refused:
        backend.requests.save(opened, late, [event(late, "E3")])
    assert refused.value.current_version == 2
    assert backend.requests.get(opened.request_id) == answered
    history = backend.written.audit.entries_for("ACCOUNT#A1", 10, None).items
    assert [e.entry_id for e in history] == ["E1", "E2"]


def test_an_account_lists_newest_first_and_a_status_oldest_first(backend: Backend) -> None:
    opened = [request(n, account_id="A1" if n % 2 else "A2") for n in range(6)]
    for n, each in enumerate(opened):
        backend.requests.open(each, [event(each, f"E{n}")])
    settled = opened[3].moved_to(RequestStatus.RESOLVED, AT + timedelta(hours=1))
    backend.requests.save(opened[3], settled, [event(settled, "S3")])

    first = backend.requests.of_account("A1", 2, None)
    rest = backend.requests.of_account("A1", 2, first.next_cursor)
    assert [r.request_id for r in [*first.items, *rest.items]] == [
        opened[5].request_id,
        opened[3].request_id,
        opened[1].request_id,
    ]
    assert rest.next_cursor is None
    assert first.items[1] == settled

    listed: list[str] = []
    cursor = None
    while True:
        page = backend.requests.with_status(RequestStatus.OPEN, 2, cursor)
        listed.extend(r.request_id for r in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert listed == [opened[n].request_id for n in (0, 1, 2, 4, 5)]
    resolved = backend.requests.with_status(RequestStatus.RESOLVED, 10, None)
    assert resolved.items == [settled] and resolved.next_cursor is None
