"""The local stack's Step Functions waits on the municipal clock (infra/local/municipal_waits):
a timestamp wait ends when the clock every service reads reaches it, not before; a stopped
execution stops waiting. moto runs the state machine for real, in process."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp import Timestamp

from infra.local import municipal_waits
from infra.local.demo_history import municipal_clock_at
from tests.helpers.emulator import REGION
from tests.helpers.polling import wait_for

WAKE = "2031-01-01T11:00:00Z"
WAITING = {
    "StartAt": "Wait",
    "States": {"Wait": {"Type": "Wait", "TimestampPath": "$.wake_at", "End": True}},
}


@pytest.fixture
def machine(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    monkeypatch.setattr(Timestamp, "_eval_body", municipal_waits._wait_for_the_municipal_clock)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions", region_name=REGION)
        arn = sfn.create_state_machine(
            name="waits",
            definition=json.dumps(WAITING),
            roleArn="arn:aws:iam::123456789012:role/waits",
        )["stateMachineArn"]
        yield sfn, arn


def _status(sfn: Any, execution: str) -> str:
    return str(sfn.describe_execution(executionArn=execution)["status"])


def test_a_wait_ends_when_the_municipal_clock_reaches_its_timestamp(
    machine: tuple[Any, str],
) -> None:
    sfn, arn = machine
    execution = sfn.start_execution(
        stateMachineArn=arn, name="wakes", input=json.dumps({"wake_at": WAKE})
    )["executionArn"]

    with municipal_clock_at(datetime(2031, 1, 1, 10, 59, 58, tzinfo=UTC)):
        time.sleep(4 * municipal_waits.POLL_S)
        assert _status(sfn, execution) == "RUNNING"  # two seconds early: still waiting
    with municipal_clock_at(datetime(2031, 1, 1, 11, 0, 0, tzinfo=UTC)):
        assert wait_for(lambda: _status(sfn, execution) == "SUCCEEDED", timeout=10)


def test_a_stopped_execution_stops_waiting(machine: tuple[Any, str]) -> None:
    sfn, arn = machine
    execution = sfn.start_execution(
        stateMachineArn=arn, name="stopped", input=json.dumps({"wake_at": WAKE})
    )["executionArn"]
    time.sleep(2 * municipal_waits.POLL_S)

    sfn.stop_execution(executionArn=execution)

    assert wait_for(lambda: _status(sfn, execution) == "ABORTED", timeout=10)
