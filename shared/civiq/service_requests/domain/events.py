"""The events a service request's changes announce (each also its history entry), on the
account's history: ServiceRequestOpened, ServiceRequestAnswered, ServiceRequestStatusChanged.
They carry what happened, not what was written: the texts stay on the request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from civiq.core.events import Actor, DomainEvent
from civiq.service_requests.domain.requests import ServiceRequest

OPENED = "ServiceRequestOpened"
ANSWERED = "ServiceRequestAnswered"
STATUS_CHANGED = "ServiceRequestStatusChanged"


def request_event(
    event_type: str,
    request: ServiceRequest,
    event_id: str,
    at: datetime,
    actor: Actor,
    correlation_id: str,
    **detail: Any,
) -> DomainEvent:
    return DomainEvent(
        event_id=event_id,
        event_type=event_type,
        version=1,
        occurred_at=at,
        actor=actor,
        correlation_id=correlation_id,
        subject_id=f"ACCOUNT#{request.account_id}",
        detail={
            "request_id": request.request_id,
            "account_id": request.account_id,
            "kind": request.kind.value,
            "status": request.status.value,
            "request_version": request.version,
            **detail,
        },
    )
