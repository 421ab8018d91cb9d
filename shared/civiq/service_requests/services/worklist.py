"""The staff worklist: every account's service requests of one status, the longest waiting
first."""

from __future__ import annotations

from dataclasses import dataclass

from civiq.core.ports import Page
from civiq.service_requests.domain.requests import RequestStatus, ServiceRequest
from civiq.service_requests.ports import ServiceRequests


@dataclass(frozen=True)
class ServiceRequestWorklist:
    requests: ServiceRequests

    def __call__(
        self, status: RequestStatus, limit: int, cursor: str | None
    ) -> Page[ServiceRequest]:
        return self.requests.with_status(status, limit, cursor)
