"""The envelope every event travels in, whatever its feature.

On EventBridge an event is ``{"source": EVENT_SOURCE, "detail-type": <event_type>, "detail":
<envelope>}``. Consumers parse the envelope, then the payload schema for its type and version
(:mod:`civiq.event_catalog`, which knows every feature's schemas).
"""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict

from civiq.core.events import Actor, DomainEvent


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
        return cls(
            event_id=event.event_id,
            event_type=event.event_type,
            version=event.version,
            occurred_at=event.occurred_at,
            actor=ActorPayload(subject=event.actor.subject, role=event.actor.role),
            correlation_id=event.correlation_id,
            subject_id=event.subject_id,
            data=event.detail,
        )

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


def envelope_from_eventbridge(message: dict[str, Any]) -> EventEnvelope:
    """The envelope inside an EventBridge event (as EventBridge delivers it to SQS)."""
    return EventEnvelope.model_validate(message["detail"])
