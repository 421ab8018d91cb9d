"""Every event's payload schema by (type, version): the only module that sees all features.

Each feature declares its own events in its ``schemas/``; this catalogue joins them so that
consumers, the outbox relay's checks and the samples in ``events/eventbridge/`` can find the schema
of any event by its type and version.
"""

from __future__ import annotations

from pydantic import BaseModel

from civiq.accounts.schemas.events import AccountClosedV1, AccountOpenedV1, AccountServicesChangedV1
from civiq.accounts.schemas.workflow_events import WORKFLOW_EVENT_SCHEMAS
from civiq.billing.schemas.events import BILLING_EVENT_SCHEMAS
from civiq.collections.schemas.agency_events import AGENCY_EVENT_SCHEMAS
from civiq.collections.schemas.events import COLLECTION_EVENT_SCHEMAS
from civiq.collections.schemas.write_off_events import WRITE_OFF_EVENT_SCHEMAS
from civiq.core.envelope import EventEnvelope
from civiq.core.events import DomainEvent
from civiq.metering.schemas.events import METERING_EVENT_SCHEMAS
from civiq.notices.schemas.events import NOTIFICATION_EVENT_SCHEMAS
from civiq.payments.schemas.events import PAYMENT_EVENT_SCHEMAS
from civiq.payments.schemas.ledger_events import LEDGER_EVENT_SCHEMAS
from civiq.payments.schemas.mandate_events import MANDATE_EVENT_SCHEMAS
from civiq.payments.schemas.penalty_events import LATE_PENALTY_EVENT_SCHEMAS
from civiq.payments.schemas.processor_exception_events import PROCESSOR_EXCEPTION_EVENT_SCHEMAS
from civiq.service_requests.schemas.events import SERVICE_REQUEST_EVENT_SCHEMAS

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
    **MANDATE_EVENT_SCHEMAS,  # autopay agreements signed and cancelled (the portal)
    **LATE_PENALTY_EVENT_SCHEMAS,  # late-payment penalties
    **PROCESSOR_EXCEPTION_EVENT_SCHEMAS,  # processor events waiting for, decided by, a clerk
    **COLLECTION_EVENT_SCHEMAS,  # collection cases
    **AGENCY_EVENT_SCHEMAS,  # referrals to collection agencies
    **WRITE_OFF_EVENT_SCHEMAS,  # arrears written off, and reinstated
    **SERVICE_REQUEST_EVENT_SCHEMAS,  # residents' requests, staff's answers
}


def payload_of(envelope: EventEnvelope) -> BaseModel:
    """The typed payload; raises KeyError for an unknown type/version, ValidationError for a
    payload that breaks its schema."""
    schema = EVENT_SCHEMAS[(envelope.event_type, envelope.version)]
    return schema.model_validate(envelope.data)


def checked_envelope(event: DomainEvent) -> EventEnvelope:
    """The envelope of ``event``, refused when its payload breaks its schema."""
    envelope = EventEnvelope.of(event)
    payload_of(envelope)
    return envelope
