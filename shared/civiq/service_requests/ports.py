"""What the service requests' services need: the requests, and holds on collection cases."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from civiq.core.events import Actor, DomainEvent
from civiq.core.ports import Page
from civiq.service_requests.domain.requests import RequestStatus, ServiceRequest


class ServiceRequests(Protocol):
    def open(self, request: ServiceRequest, events: Sequence[DomainEvent]) -> bool:
        """Keep a new request with its events (and their history entries), in one write; False
        when its account's request key is taken (the form submitted again)."""
        ...

    def keyed(self, account_id: str, request_key: str) -> ServiceRequest | None:
        """The account's request opened with ``request_key``, if any."""
        ...

    def get(self, request_id: str) -> ServiceRequest:
        """Raises NotFound."""
        ...

    def save(
        self, before: ServiceRequest, after: ServiceRequest, events: Sequence[DomainEvent]
    ) -> None:
        """Replace ``before`` by ``after`` with its events, in one write; VersionConflict when
        the request is no longer at ``before``'s version."""
        ...

    def of_account(self, account_id: str, limit: int, cursor: str | None) -> Page[ServiceRequest]:
        """Newest first."""
        ...

    def with_status(
        self, status: RequestStatus, limit: int, cursor: str | None
    ) -> Page[ServiceRequest]:
        """Every account's requests of ``status``, oldest first."""
        ...


class DisputeHolds(Protocol):
    """Collection cases held while a billing dispute is open (collections' dispute pause)."""

    def hold(self, account_id: str, actor: Actor, correlation_id: str) -> str | None:
        """The id of the account's case, now paused for a dispute (or already paused for
        one); None when the account has no case open or paused for a dispute."""
        ...

    def release(self, account_id: str, case_id: str, actor: Actor, correlation_id: str) -> bool:
        """Resume case ``case_id`` when it is the account's current case and still paused for a
        dispute; True when it was resumed (or closed, nothing being past due any more)."""
        ...
