"""Payloads of the move and transfer workflows: the sample events and requests in events/ parse
with their schemas, bad input names its field, and the same request gives the same id."""

from __future__ import annotations

import json
import typing
from datetime import UTC, datetime

import pytest
from pydantic import BaseModel, ValidationError

from civiq.accounts.schemas.moves import MoveRequest, MoveResponse
from civiq.accounts.schemas.transfers import DecisionRequest, TransferRequest
from civiq.accounts.schemas.workflow_events import (
    ArrearsTransferRequestedV1,
    FinalBillRequestedV1,
    MoveInCompletedV1,
    MoveOutCompletedV1,
    OwnershipTransferredV1,
    TransferDecidedV1,
    TransferEscalatedV1,
)
from civiq.accounts.schemas.workflow_tasks import TaskEnvelope, WorkflowTask
from civiq.accounts.services.customers import NewCustomer
from civiq.core.envelope import envelope_from_eventbridge
from civiq.core.errors import InvalidInput
from civiq.core.ports import Execution
from civiq.event_catalog import EVENT_SCHEMAS, payload_of
from tests.helpers.files import EVENTS, load_event

SAMPLES: dict[str, type[BaseModel]] = {
    "final_bill_requested.json": FinalBillRequestedV1,
    "move_out_completed.json": MoveOutCompletedV1,
    "move_in_completed.json": MoveInCompletedV1,
    "arrears_transfer_requested.json": ArrearsTransferRequestedV1,
    "transfer_decided.json": TransferDecidedV1,
    "transfer_escalated.json": TransferEscalatedV1,
    "ownership_transferred.json": OwnershipTransferredV1,
}


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_each_sample_event_parses_with_its_registered_schema(sample: str) -> None:
    envelope = envelope_from_eventbridge(load_event(f"eventbridge/{sample}"))
    assert isinstance(payload_of(envelope), SAMPLES[sample])
    assert EVENT_SCHEMAS[(envelope.event_type, 1)] is SAMPLES[sample]


def test_account_closed_sample_parses() -> None:
    envelope = envelope_from_eventbridge(load_event("eventbridge/account_closed.json"))
    assert payload_of(envelope).model_dump()["status"] == "closed"


@pytest.mark.parametrize(
    ("sample", "change"),
    [
        ("final_bill_requested.json", {"final_reading": {"value_m3": "1.2345"}}),
        ("arrears_transfer_requested.json", {"amount": 12.5}),
        ("arrears_transfer_requested.json", {"policy": "stay-with-tenant"}),
        ("transfer_escalated.json", {"escalation": 0}),
        ("move_in_completed.json", {"unexpected": True}),
    ],
    ids=["four-decimals", "float-amount", "wrong-policy", "escalation-zero", "extra-field"],
)
def test_event_schemas_refuse_what_a_consumer_could_misread(
    sample: str, change: dict[str, object]
) -> None:
    data = load_event(f"eventbridge/{sample}")["detail"]["data"]
    for name, value in change.items():
        if isinstance(value, dict) and isinstance(data.get(name), dict):
            data[name] = {**data[name], **value}
        else:
            data[name] = value
    with pytest.raises(ValidationError):
        SAMPLES[sample].model_validate(data)


def test_the_move_request_sample_becomes_a_combined_move() -> None:
    request = MoveRequest.model_validate_json((EVENTS / "api/move_request.json").read_text())
    move = request.to_command()
    assert move.move_out is not None and move.move_in is not None
    assert str(move.move_out.final_reading.value_m3) == "1234.567"
    assert isinstance(move.move_in.customer, NewCustomer)
    assert move.move_in.services is not None
    assert [s.start_date.isoformat() for s in move.move_in.services] == [
        "2026-12-01",
        "2026-12-01",
        "2026-12-03",
    ]


def test_the_same_request_is_the_same_move_and_transfer() -> None:
    move = (EVENTS / "api/move_request.json").read_text()
    assert MoveRequest.model_validate_json(move).move_id() == (
        MoveRequest.model_validate_json(json.dumps(json.loads(move), indent=4)).move_id()
    )
    changed = json.loads(move)
    changed["move_out"]["move_out_date"] = "2026-11-21"
    assert MoveRequest.model_validate(changed, strict=False).move_id() != (
        MoveRequest.model_validate_json(move).move_id()
    )
    sale = (EVENTS / "api/transfer_request.json").read_text()
    first = TransferRequest.model_validate_json(sale).transfer_id()
    assert first == TransferRequest.model_validate_json(sale).transfer_id()
    assert len(first) == 26 and first.isalnum()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "move_out"),
        (
            {
                "move_in": {
                    "property_id": "P",
                    "customer_id": "C",
                    "customer": {"name": "X", "preferences": {"language": "en"}},
                    "holder_role": "tenant",
                    "move_in_date": "2026-12-01",
                }
            },
            "move_in.customer",
        ),
    ],
    ids=["empty", "two-customers"],
)
def test_move_requests_name_the_field_they_miss(body: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        MoveRequest.model_validate_json(json.dumps(body))
    assert refused.value.field == field


def test_a_reading_is_a_decimal_string_never_a_number() -> None:
    body = {"move_out": {"account_id": "A", "move_out_date": "2026-11-20"}}
    body["move_out"]["final_reading"] = {"value_m3": 12.5}  # type: ignore[index]
    with pytest.raises(ValidationError) as refused:
        MoveRequest.model_validate_json(json.dumps(body))
    assert refused.value.errors()[0]["loc"] == ("move_out", "final_reading", "value_m3")
    body["move_out"]["final_reading"] = {"value_m3": "12.5", "estimate": True}  # type: ignore[index]
    with pytest.raises(InvalidInput) as both:
        MoveRequest.model_validate_json(json.dumps(body)).to_command()
    assert both.value.field == "move_out.final_reading.value_m3"


def test_transfer_and_decision_samples_parse() -> None:
    sale = TransferRequest.model_validate_json((EVENTS / "api/transfer_request.json").read_text())
    command = sale.to_command()
    assert isinstance(command.buyer, NewCustomer) and command.buyer.name == "Béatrice Buyer"
    assert command.final_reading is not None and command.final_reading.read_on == sale.closing_date
    decision = DecisionRequest.model_validate_json(
        (EVENTS / "api/transfer_decision.json").read_text()
    )
    assert decision.decision.value == "reject"


@pytest.mark.parametrize(
    "sample", ["move_out_task.json", "request_approval_task.json", "complete_transfer_task.json"]
)
def test_task_samples_parse_as_their_task(sample: str) -> None:
    event = load_event(f"stepfunctions/{sample}")
    task = TaskEnvelope.model_validate_json(json.dumps({"task": event})).task
    assert task.task == event["task"]


def test_the_task_function_dispatches_every_task_type() -> None:
    import importlib.util

    from tests.helpers.files import REPO

    path = REPO / "functions" / "workflow_tasks" / "handler.py"
    spec = importlib.util.spec_from_file_location("workflow_tasks_dispatch", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    import sys

    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        union = typing.get_args(typing.get_args(WorkflowTask)[0])
        assert set(module.TASKS) == set(union)
    finally:
        del sys.modules[spec.name]


def test_move_response_reads_results_from_the_execution() -> None:
    request = json.loads((EVENTS / "api/move_request.json").read_text())
    execution = Execution(
        name="MV1",
        status="SUCCEEDED",
        started_at=datetime(2026, 11, 26, tzinfo=UTC),
        stopped_at=datetime(2026, 11, 26, 0, 0, 2, tzinfo=UTC),
        input={"move_id": "MV1", **request},
        output={
            "move_out_result": {"account_number": "UB00000026", "status": "final-billed"},
            "settlement": {"status": "closed", "settlement": "closed", "balance": "0.00"},
            "move_in_result": {"account_id": "N1", "account_number": "UB1", "status": "pending"},
        },
    )
    response = MoveResponse.of(execution)
    assert response.move_out is not None and response.move_out.status == "closed"
    assert response.move_in is not None and response.move_in.account_id == "N1"
    failed = MoveResponse.of(
        Execution(
            "MV2",
            "FAILED",
            execution.started_at,
            None,
            {"move_out": {"account_id": "A"}},
            None,
            "NotFound",
            "no account",
        )
    )
    assert failed.error is not None and failed.error.code == "NotFound"
