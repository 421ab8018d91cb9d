"""One service request, as staff or its account's resident read it."""

from __future__ import annotations

from dataclasses import dataclass

from civiq.service_requests.domain.requests import ServiceRequest, seen_from
from civiq.service_requests.ports import ServiceRequests


@dataclass(frozen=True)
class ViewServiceRequest:
    requests: ServiceRequests

    def __call__(self, request_id: str, account_id: str | None = None) -> ServiceRequest:
        """``account_id``: the account the reader may see (a resident's; None: staff, who see
        all). Raises NotFound (no such request, or another account's)."""
        return seen_from(self.requests.get(request_id), account_id)
