"""Versioned event payloads and the envelope every event travels in.

On EventBridge an event is ``{"source": EVENT_SOURCE, "detail-type": <event_type>, "detail":
<envelope>}``. Consumers parse the envelope, then the payload schema for its type and version.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict

from civiq.domain.accounts import AccountStatus, HolderRole, ServiceStatus, ServiceType
from civiq.domain.events import Actor, DomainEvent
from civiq.domain.language import Language
from civiq.schemas.billing_events import BILLING_EVENT_SCHEMAS
from civiq.schemas.ledger_events import LEDGER_EVENT_SCHEMAS
from civiq.schemas.metering_events import METERING_EVENT_SCHEMAS
from civiq.schemas.notification_events import NOTIFICATION_EVENT_SCHEMAS
from civiq.schemas.payment_events import PAYMENT_EVENT_SCHEMAS
from civiq.schemas.penalty_events import LATE_PENALTY_EVENT_SCHEMAS
from civiq.schemas.workflow_events import WORKFLOW_EVENT_SCHEMAS


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ActorPayload(_Strict):
    subject: str
    role: str


class EventEnvelope(_Strict):
    event_id: str
    event_type: str
    version: int
    occurred_at: AwareDatetime
    actor: ActorPayload
    correlation_id: str
    subject_id: str
    data: dict[str, Any]

    @classmethod
    def of(cls, event: DomainEvent) -> EventEnvelope:
        envelope = cls(
            event_id=event.event_id,
            event_type=event.event_type,
            version=event.version,
            occurred_at=event.occurred_at,
            actor=ActorPayload(subject=event.actor.subject, role=event.actor.role),
            correlation_id=event.correlation_id,
            subject_id=event.subject_id,
            data=event.detail,
        )
        envelope.payload()  # refuse to emit an event whose payload breaks its schema
        return envelope

    def to_domain(self) -> DomainEvent:
        return DomainEvent(
            event_id=self.event_id,
            event_type=self.event_type,
            version=self.version,
            occurred_at=self.occurred_at,
            actor=Actor(self.actor.subject, self.actor.role),
            correlation_id=self.correlation_id,
            subject_id=self.subject_id,
            detail=self.data,
        )

    def payload(self) -> BaseModel:
        """The typed payload; raises KeyError for an unknown type/version."""
        schema = EVENT_SCHEMAS[(self.event_type, self.version)]
        return schema.model_validate(self.data)


class AccountOpenedV1(_Strict):
    account_id: str
    account_number: str
    property_id: str
    customer_id: str
    customer_name: str
    holder_role: HolderRole
    language: Language
    service_address: str
    services: list[ServiceType]


class ServiceStateV1(_Strict):
    service_type: ServiceType
    status: ServiceStatus
    start_date: date
    end_date: date | None


class AccountServicesChangedV1(_Strict):
    account_id: str
    account_number: str
    services: list[ServiceStateV1]


class AccountClosedV1(_Strict):
    account_id: str
    account_number: str
    property_id: str
    closed_at: AwareDatetime
    status: AccountStatus


EVENT_SCHEMAS: dict[tuple[str, int], type[BaseModel]] = {
    ("AccountOpened", 1): AccountOpenedV1,
    ("AccountServicesChanged", 1): AccountServicesChangedV1,
    ("AccountClosed", 1): AccountClosedV1,
    **WORKFLOW_EVENT_SCHEMAS,  # moves and ownership transfers
    **BILLING_EVENT_SCHEMAS,  # statements and billing runs
    **METERING_EVENT_SCHEMAS,  # meter reads flagged for review, high consumption
    **NOTIFICATION_EVENT_SCHEMAS,  # alerts to customers (possible leak, read reminders)
    **PAYMENT_EVENT_SCHEMAS,  # a payment posted (receipts)
    **LEDGER_EVENT_SCHEMAS,  # refunds, reversals, autopay charges
    **LATE_PENALTY_EVENT_SCHEMAS,  # late-payment penalties
}


def envelope_from_eventbridge(message: dict[str, Any]) -> EventEnvelope:
    """The envelope inside an EventBridge event (as EventBridge delivers it to SQS)."""
    return EventEnvelope.model_validate(message["detail"])
