"""In-memory fakes of the service requests' ports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from civiq.core.audit import AuditEntry
from civiq.core.errors import NotFound, VersionConflict
from civiq.core.events import Actor, DomainEvent
from civiq.core.fakes import SharedStore, page_of
from civiq.core.ports import Page
from civiq.service_requests.domain.requests import RequestStatus, ServiceRequest

DISPUTE = "dispute"  # as collections' dispute pause names its reason


class InMemoryServiceRequests:
    """Events go to ``store``'s outbox and their history entries to its history (the accounts'
    in-memory store), as the DynamoDB adapter writes them with the request."""

    def __init__(self, store: SharedStore) -> None:
        self.store = store
        self.requests: dict[str, ServiceRequest] = {}
        self.keys: dict[tuple[str, str], str] = {}

    def _written(self, events: Sequence[DomainEvent]) -> None:
        self.store.outbox.update({e.event_id: e for e in events})
        self.store.history.update({e.event_id: AuditEntry.of(e) for e in events})

    def open(self, request: ServiceRequest, events: Sequence[DomainEvent]) -> bool:
        key = (request.account_id, request.request_key)
        if key in self.keys:
            return False
        self.keys[key] = request.request_id
        self.requests[request.request_id] = request
        self._written(events)
        return True

    def keyed(self, account_id: str, request_key: str) -> ServiceRequest | None:
        request_id = self.keys.get((account_id, request_key))
        return None if request_id is None else self.get(request_id)

    def get(self, request_id: str) -> ServiceRequest:
        if request_id not in self.requests:
            raise NotFound(f"no service request {request_id}", "request_id")
        return self.requests[request_id]

    def save(
        self, before: ServiceRequest, after: ServiceRequest, events: Sequence[DomainEvent]
    ) -> None:
        current = self.get(before.request_id)
        if current.version != before.version:
            raise VersionConflict("the request changed since it was read", current.version)
        self.requests[after.request_id] = after
        self._written(events)

    def of_account(self, account_id: str, limit: int, cursor: str | None) -> Page[ServiceRequest]:
        found = sorted(
            (r for r in self.requests.values() if r.account_id == account_id),
            key=lambda r: (r.opened_at, r.request_id),
            reverse=True,
        )
        return page_of(found, limit, cursor)

    def with_status(
        self, status: RequestStatus, limit: int, cursor: str | None
    ) -> Page[ServiceRequest]:
        found = sorted(
            (r for r in self.requests.values() if r.status is status),
            key=lambda r: (r.opened_at, r.request_id),
        )
        return page_of(found, limit, cursor)


@dataclass(frozen=True)
class HeldCase:
    case_id: str
    paused_by: str | None = None  # None: open


@dataclass
class InMemoryDisputeHolds:
    """Each account's current collection case (none: no entry), paused and resumed as
    collections' dispute pause does; ``resumed`` lists the cases let go, in order."""

    cases: dict[str, HeldCase] = field(default_factory=dict)
    resumed: list[str] = field(default_factory=list)

    def hold(self, account_id: str, actor: Actor, correlation_id: str) -> str | None:
        case = self.cases.get(account_id)
        if case is None:
            return None
        if case.paused_by is None:
            case = self.cases[account_id] = replace(case, paused_by=DISPUTE)
        return case.case_id if case.paused_by == DISPUTE else None

    def release(self, account_id: str, case_id: str, actor: Actor, correlation_id: str) -> bool:
        case = self.cases.get(account_id)
        if case is None or case.case_id != case_id or case.paused_by != DISPUTE:
            return False
        self.cases[account_id] = replace(case, paused_by=None)
        self.resumed.append(case_id)
        return True
