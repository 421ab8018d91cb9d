"""Versioned event payloads and the envelope every event travels in.

On EventBridge an event is ``{"source": EVENT_SOURCE, "detail-type": <event_type>, "detail":
<envelope>}``. Consumers parse the envelope, then the payload schema for its type and version.
"""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict

from civiq.domain.events import Actor, DomainEvent
from civiq.domain.language import Language


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
    customer_name: str
    language: Language
    service_address: str


EVENT_SCHEMAS: dict[tuple[str, int], type[BaseModel]] = {
    ("AccountOpened", 1): AccountOpenedV1,
}


def envelope_from_eventbridge(message: dict[str, Any]) -> EventEnvelope:
    """The envelope inside an EventBridge event (as EventBridge delivers it to SQS)."""
    return EventEnvelope.model_validate(message["detail"])
