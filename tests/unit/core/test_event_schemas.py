"""Event envelope: lossless to/from the domain event; payloads validated per type and version."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from civiq.accounts.domain.accounts import AccountStatus, HolderRole, ServiceStatus, ServiceType
from civiq.accounts.schemas.events import AccountClosedV1, AccountOpenedV1, AccountServicesChangedV1
from civiq.core.envelope import ActorPayload, EventEnvelope, envelope_from_eventbridge
from civiq.core.events import EVENT_SOURCE, DomainEvent
from civiq.core.language import Language
from civiq.event_catalog import EVENT_SCHEMAS, checked_envelope, payload_of

MakeEvent = Callable[..., DomainEvent]
SCHEMAS = sorted(EVENT_SCHEMAS.items())


# --- a valid sample of any payload schema, read off its JSON schema -------------------------------

STRING_CANDIDATES = ("sample", "12.5", "12.50", "CAD", "x")


def _sample(node: dict[str, Any], defs: dict[str, Any]) -> Any:
    if "$ref" in node:
        return _sample(defs[node["$ref"].rsplit("/", 1)[1]], defs)
    if "const" in node:
        return node["const"]
    if "enum" in node:
        return node["enum"][0]
    if "anyOf" in node:
        return _sample(next(o for o in node["anyOf"] if o.get("type") != "null"), defs)
    kind = node.get("type")
    if kind == "object":
        return {name: _sample(sub, defs) for name, sub in node.get("properties", {}).items()}
    if kind == "array":
        return [_sample(node["items"], defs)]
    if kind == "integer":
        return max(node.get("minimum", 1), 1)
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "string":
        return _string(node)
    raise AssertionError(f"no sample for {node}")


def _string(node: dict[str, Any]) -> str:
    if node.get("format") == "date":
        return "2026-11-26"
    if node.get("format") == "date-time":
        return "2026-11-26T14:00:00+00:00"
    for candidate in STRING_CANDIDATES:
        if not node.get("minLength", 0) <= len(candidate) <= node.get("maxLength", 10**6):
            continue
        if "pattern" in node and not re.search(node["pattern"], candidate):
            continue
        return candidate
    raise AssertionError(f"no sample string for {node}")


def sample_of(schema: type[BaseModel]) -> dict[str, Any]:
    json_schema = schema.model_json_schema()
    return _sample(json_schema, json_schema.get("$defs", {}))


@pytest.mark.parametrize(("key", "schema"), SCHEMAS, ids=[f"{t}-v{v}" for (t, v), _ in SCHEMAS])
def test_every_event_schema_validates_a_sample_payload(
    key: tuple[str, int], schema: type[BaseModel]
) -> None:
    model = schema.model_validate(sample_of(schema))
    assert isinstance(model, schema)
    assert schema.model_validate_json(model.model_dump_json()) == model  # survives the wire


@pytest.mark.parametrize(("key", "schema"), SCHEMAS, ids=[f"{t}-v{v}" for (t, v), _ in SCHEMAS])
def test_every_event_schema_refuses_an_extra_field(
    key: tuple[str, int], schema: type[BaseModel]
) -> None:
    with pytest.raises(ValidationError) as error:
        schema.model_validate({**sample_of(schema), "unexpected": "field"})
    assert [e["type"] for e in error.value.errors()] == ["extra_forbidden"]


@pytest.mark.parametrize(("key", "schema"), SCHEMAS, ids=[f"{t}-v{v}" for (t, v), _ in SCHEMAS])
def test_every_event_schema_requires_each_of_its_fields(
    key: tuple[str, int], schema: type[BaseModel]
) -> None:
    payload = sample_of(schema)
    for name, info in schema.model_fields.items():
        if not info.is_required():
            continue
        with pytest.raises(ValidationError):
            schema.model_validate({k: v for k, v in payload.items() if k != name})


@pytest.mark.parametrize(("key", "schema"), SCHEMAS, ids=[f"{t}-v{v}" for (t, v), _ in SCHEMAS])
def test_every_event_type_travels_in_the_envelope(
    key: tuple[str, int], schema: type[BaseModel], make_event: MakeEvent
) -> None:
    event_type, version = key
    event = make_event("EV1", event_type=event_type, version=version, detail=sample_of(schema))
    envelope = checked_envelope(event)
    assert isinstance(payload_of(envelope), schema)
    assert EventEnvelope.model_validate_json(envelope.model_dump_json()).to_domain() == event


# --- the account events ---------------------------------------------------------------------------


def test_account_opened_payload_is_typed(make_event: MakeEvent) -> None:
    payload = payload_of(checked_envelope(make_event("EV1")))
    assert payload == AccountOpenedV1(
        account_id="ACC1",
        account_number="UB00000018",
        property_id="PROP1",
        customer_id="CUST1",
        customer_name="Élise Tremblay",
        holder_role=HolderRole.OWNER,
        language=Language.FR,
        service_address="12-100 Main St, Ottawa ON K1P 1J1",
        services=[ServiceType.WATER, ServiceType.SEWER],
    )


def test_services_changed_payload_is_typed() -> None:
    payload = AccountServicesChangedV1.model_validate(
        {
            "account_id": "A",
            "account_number": "UB00000018",
            "services": [
                {
                    "service_type": "water",
                    "status": "closed",
                    "start_date": "2026-01-01",
                    "end_date": "2026-11-26",
                }
            ],
        }
    )
    [service] = payload.services
    assert (service.status, service.end_date) == (ServiceStatus.CLOSED, date(2026, 11, 26))


def test_account_closed_needs_an_aware_timestamp() -> None:
    fields = {"account_id": "A", "account_number": "N", "property_id": "P", "status": "closed"}
    closed = AccountClosedV1.model_validate({**fields, "closed_at": "2027-01-15T15:30:00+00:00"})
    assert (closed.closed_at, closed.status) == (
        datetime(2027, 1, 15, 15, 30, tzinfo=UTC),
        AccountStatus.CLOSED,
    )
    with pytest.raises(ValidationError):
        AccountClosedV1.model_validate({**fields, "closed_at": "2027-01-15T15:30:00"})


@pytest.mark.parametrize(
    "change",
    [
        {"language": "de"},
        {"holder_role": "landlord"},
        {"services": ["water", "electricity"]},
        {"customer_name": None},
        {"unexpected": "field"},
    ],
    ids=["bad-language", "bad-role", "bad-service", "missing-field", "extra-field"],
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
        checked_envelope(make_event("EV1", detail=detail))


# --- the envelope ---------------------------------------------------------------------------------


def test_envelope_round_trips_to_the_domain_event(make_event: MakeEvent) -> None:
    event = make_event("EV1")
    assert checked_envelope(event).to_domain() == event


def test_envelope_round_trips_through_json(make_event: MakeEvent) -> None:
    event = make_event("EV1")
    wire = checked_envelope(event).model_dump_json()
    assert EventEnvelope.model_validate_json(wire).to_domain() == event


def test_envelope_maps_fields_and_detail_to_data(make_event: MakeEvent) -> None:
    event = make_event("EV1")
    envelope = checked_envelope(event)
    assert envelope.event_id == "EV1"
    assert envelope.actor == ActorPayload(subject="clerk-1", role="clerk")
    assert envelope.data == event.detail


def test_envelope_from_an_eventbridge_message(make_event: MakeEvent) -> None:
    envelope = checked_envelope(make_event("EV1"))
    message = {
        "source": EVENT_SOURCE,
        "detail-type": "AccountOpened",
        "detail": json.loads(envelope.model_dump_json()),
    }
    assert envelope_from_eventbridge(message) == envelope


@pytest.mark.parametrize(("event_type", "version"), [("AccountClosedX", 1), ("AccountOpened", 2)])
def test_unknown_type_or_version_raises_key_error(
    make_event: MakeEvent, event_type: str, version: int
) -> None:
    envelope = checked_envelope(make_event("EV1")).model_copy(
        update={"event_type": event_type, "version": version}
    )
    with pytest.raises(KeyError):
        payload_of(envelope)


def test_of_refuses_an_event_whose_payload_is_another_type_s(make_event: MakeEvent) -> None:
    with pytest.raises(ValidationError):
        checked_envelope(make_event("EV1", event_type="AccountClosed"))


def test_envelope_refuses_a_naive_timestamp(make_event: MakeEvent) -> None:
    with pytest.raises(ValidationError):
        checked_envelope(make_event("EV1", occurred_at=datetime(2026, 11, 26, 14, 0)))


def test_envelope_refuses_unknown_fields_and_is_frozen(make_event: MakeEvent) -> None:
    wire = json.loads(checked_envelope(make_event("EV1")).model_dump_json())
    with pytest.raises(ValidationError):
        EventEnvelope.model_validate({**wire, "extra": 1})
    envelope = EventEnvelope.model_validate(wire)
    with pytest.raises(ValidationError):
        envelope.event_id = "EV2"  # type: ignore[misc]
