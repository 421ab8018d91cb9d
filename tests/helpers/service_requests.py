"""Service requests on in-memory fakes: an account (A1, its holder French-speaking) with one
statement (S1), the requests, collection cases held for disputes, and what was published."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from civiq.accounts.adapters.memory import InMemoryBalances, InMemoryStore
from civiq.billing.adapters.memory import InMemoryStatements
from civiq.core.events import Actor
from civiq.core.fakes import FixedClock, RecordingPublisher, SequentialIds
from civiq.core.ports import Page
from civiq.core.publishing import PublishEvents
from civiq.service_requests.adapters.memory import InMemoryDisputeHolds, InMemoryServiceRequests
from civiq.service_requests.domain.requests import (
    Asked,
    RequestKind,
    RequestStatus,
    ServiceRequest,
)
from civiq.service_requests.services.account_requests import AccountServiceRequests
from civiq.service_requests.services.opening import OpenServiceRequest
from civiq.service_requests.services.replies import ReplyToServiceRequest
from civiq.service_requests.services.request_view import ViewServiceRequest
from civiq.service_requests.services.status_changes import ChangeServiceRequestStatus
from civiq.service_requests.services.worklist import ServiceRequestWorklist
from tests.helpers.builders import account
from tests.helpers.statement_builders import statement

RESIDENT = Actor("resident-7f3c", "resident")
CLERK = Actor("clerk-1", "clerk")
OPENED_AT = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


def asked(**overrides: Any) -> Asked:
    """A leak reported on A1 (a billing dispute of S1 with ``kind=RequestKind.BILLING_DISPUTE,
    statement_id="S1"``)."""
    fields: dict[str, Any] = {
        "account_id": "A1",
        "request_key": "form-0001",
        "kind": RequestKind.LEAK,
        "subject": "Fuite au sous-sol",
        "description": "L'eau coule près du compteur depuis hier soir.",
    }
    fields.update(overrides)
    return Asked(**fields)


def dispute(**overrides: Any) -> Asked:
    return asked(
        **{"kind": RequestKind.BILLING_DISPUTE, "statement_id": "S1", "subject": "Facture"}
        | overrides
    )


class LaggingIndex(InMemoryServiceRequests):
    """An account's requests as an index just behind the table lists them: as first opened."""

    def of_account(self, account_id: str, limit: int, cursor: str | None) -> Page[ServiceRequest]:
        page = super().of_account(account_id, limit, cursor)
        return Page([replace(r, status=RequestStatus.OPEN) for r in page.items], page.next_cursor)


@dataclass
class RequestDesk:
    clock: FixedClock = field(default_factory=lambda: FixedClock(OPENED_AT))
    store: InMemoryStore = field(default_factory=InMemoryStore)
    index_lags: bool = False  # the account's requests listed as an index just behind lists them
    holds: InMemoryDisputeHolds = field(default_factory=InMemoryDisputeHolds)
    publisher: RecordingPublisher = field(default_factory=RecordingPublisher)

    def __post_init__(self) -> None:
        self.requests = (LaggingIndex if self.index_lags else InMemoryServiceRequests)(self.store)
        self.store.entities["ACCOUNT#A1"] = account(account_id="A1")
        self.statements = InMemoryStatements(self.store, InMemoryBalances(self.store))
        self.statements.statements[("A1", "S1")] = statement(account_id="A1", statement_id="S1")
        ids = SequentialIds("01SR")
        events = PublishEvents(self.store, self.publisher)
        self.open = OpenServiceRequest(
            self.requests, self.store, self.statements, self.holds, events, self.clock, ids
        )
        self.reply = ReplyToServiceRequest(self.requests, events, self.clock, ids)
        self.change_status = ChangeServiceRequestStatus(
            self.requests, self.holds, events, self.clock, ids
        )
        self.view = ViewServiceRequest(self.requests)
        self.for_account = AccountServiceRequests(self.requests, self.store)
        self.worklist = ServiceRequestWorklist(self.requests)
