"""Event envelope: lossless to/from the domain event; payloads validated per type and version."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

import pytest
from pydantic import ValidationError

from civiq.domain.events import EVENT_SOURCE, DomainEvent
from civiq.domain.language import Language
from civiq.schemas.events import (
    AccountOpenedV1,
    ActorPayload,
    EventEnvelope,
    envelope_from_eventbridge,
)

MakeEvent = Callable[..., DomainEvent]


def test_envelope_round_trips_to_the_domain_event(make_event: MakeEvent) -> None:
    event = make_event("EV1")
    assert EventEnvelope.of(event).to_domain() == event


def test_envelope_round_trips_through_json(make_event: MakeEvent) -> None:
    event = make_event("EV1")
    wire = EventEnvelope.of(event).model_dump_json()
    assert EventEnvelope.model_validate_json(wire).to_domain() == event


def test_envelope_maps_fields_and_detail_to_data(make_event: MakeEvent) -> None:
    event = make_event("EV1")
    envelope = EventEnvelope.of(event)
    assert envelope.event_id == "EV1"
    assert envelope.actor == ActorPayload(subject="clerk-1", role="clerk")
    assert envelope.data == event.detail


def test_envelope_from_an_eventbridge_message(make_event: MakeEvent) -> None:
    envelope = EventEnvelope.of(make_event("EV1"))
    message = {
        "source": EVENT_SOURCE,
        "detail-type": "AccountOpened",
        "detail": json.loads(envelope.model_dump_json()),
    }
    assert envelope_from_eventbridge(message) == envelope


def test_payload_is_typed_by_event_type_and_version(make_event: MakeEvent) -> None:
    payload = EventEnvelope.of(make_event("EV1")).payload()
    assert isinstance(payload, AccountOpenedV1)
    assert payload.language is Language.FR
    assert payload.account_number == "UB00000018"


@pytest.mark.parametrize(("event_type", "version"), [("AccountClosed", 1), ("AccountOpened", 2)])
def test_unknown_type_or_version_raises_key_error(
    make_event: MakeEvent, event_type: str, version: int
) -> None:
    envelope = EventEnvelope.of(make_event("EV1")).model_copy(
        update={"event_type": event_type, "version": version}
    )
    with pytest.raises(KeyError):
        envelope.payload()


def test_of_refuses_an_unknown_event_type(make_event: MakeEvent) -> None:
    with pytest.raises(KeyError):
        EventEnvelope.of(make_event("EV1", event_type="AccountClosed"))


@pytest.mark.parametrize(
    "change",
    [
        {"language": "de"},
        {"customer_name": None},
        {"unexpected": "field"},
    ],
    ids=["bad-language", "missing-field", "extra-field"],
)
def test_of_refuses_a_payload_that_breaks_its_schema(
    make_event: MakeEvent, change: dict[str, object]
) -> None:
    detail = dict(make_event("EV1").detail)
    for name, value in change.items():
        if value is None:
            del detail[name]
        else:
            detail[name] = value
    with pytest.raises(ValidationError):
        EventEnvelope.of(make_event("EV1", detail=detail))


def test_envelope_refuses_a_naive_timestamp(make_event: MakeEvent) -> None:
    with pytest.raises(ValidationError):
        EventEnvelope.of(make_event("EV1", occurred_at=datetime(2026, 11, 26, 14, 0)))


def test_envelope_refuses_unknown_fields_and_is_frozen(make_event: MakeEvent) -> None:
    wire = json.loads(EventEnvelope.of(make_event("EV1")).model_dump_json())
    with pytest.raises(ValidationError):
        EventEnvelope.model_validate({**wire, "extra": 1})
    envelope = EventEnvelope.model_validate(wire)
    with pytest.raises(ValidationError):
        envelope.event_id = "EV2"  # type: ignore[misc]
