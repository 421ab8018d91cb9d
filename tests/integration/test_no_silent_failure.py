"""Nothing fails only in a log: template.yaml routes every background failure to the staff work
queue. Every dead-letter queue is read by the work-queue function (a DLQ nobody reads is a
silent failure), every scheduled function sends the runs that failed all their attempts to a
queue it reads, and every step of every state machine that can fail is caught by its
RecordFailure step. (That every worker queue has a dead-letter queue: test_template.py.)"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers.files import REPO

WORK_QUEUE_FUNCTION = "WorkQueueFunction"


def of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    return {name: r for name, r in resources.items() if r["Type"] == kind}


def queue_of(mapping: dict[str, Any]) -> str:
    return str(mapping["Properties"]["EventSourceArn"]["Fn::GetAtt"][0])


def dead_letter_queues(resources: dict[str, Any]) -> set[str]:
    return {
        q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for q in of_type(resources, "AWS::SQS::Queue").values()
        if "RedrivePolicy" in q.get("Properties", {})
    }


def on_failure_destinations(resources: dict[str, Any]) -> set[str]:
    return {
        f["Properties"]["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]["Destination"][
            "Fn::GetAtt"
        ][0]
        for f in of_type(resources, "AWS::Serverless::Function").values()
        if "EventInvokeConfig" in f["Properties"]
    }


def event_source_mappings(resources: dict[str, Any], function: str) -> list[dict[str, Any]]:
    return [
        m
        for m in of_type(resources, "AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": function}
    ]


def test_every_dead_letter_queue_is_read_into_the_work_queue(
    template_resources: dict[str, Any],
) -> None:
    dead_letters = dead_letter_queues(template_resources)
    assert dead_letters  # the template has worker queues
    mappings = event_source_mappings(template_resources, WORK_QUEUE_FUNCTION)
    sources = {queue_of(m) for m in mappings}
    assert sources == dead_letters | on_failure_destinations(template_resources)
    for mapping in mappings:
        assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_every_scheduled_run_that_fails_all_its_attempts_is_kept(
    template_resources: dict[str, Any],
) -> None:
    scheduled = {
        name: f
        for name, f in of_type(template_resources, "AWS::Serverless::Function").items()
        if any(e["Type"] == "Schedule" for e in f["Properties"].get("Events", {}).values())
    }
    assert scheduled  # the outbox relay, the billing scheduler...
    for name, function in scheduled.items():
        config = function["Properties"].get("EventInvokeConfig")
        assert config, f"{name}: a failed run would only be logged"
        assert config["DestinationConfig"]["OnFailure"]["Type"] == "SQS", name


MACHINES = sorted(p.name for p in (REPO / "infra" / "statemachines").glob("*.asl.json"))


@pytest.mark.parametrize("asl", MACHINES)
def test_every_step_that_can_fail_is_caught_into_the_work_queue(
    asl: str, template_resources: dict[str, Any]
) -> None:
    states = json.loads((REPO / "infra" / "statemachines" / asl).read_text())["States"]
    for name, state in states.items():
        if state["Type"] in ("Task", "Map", "Parallel") and name != "RecordFailure":
            catch_all = [c for c in state.get("Catch", []) if c["ErrorEquals"] == ["States.ALL"]]
            assert catch_all == [
                {"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "RecordFailure"}
            ], name
    record = states["RecordFailure"]
    assert record["Parameters"]["FunctionName"] == "${WorkQueueFunctionArn}"
    assert record["Next"] == "Failed" and states["Failed"]["Type"] == "Fail"
    (machine,) = [
        m
        for m in of_type(template_resources, "AWS::Serverless::StateMachine").values()
        if m["Properties"]["DefinitionUri"].endswith(f"/{asl}")
    ]
    properties = machine["Properties"]
    assert properties["DefinitionSubstitutions"]["WorkQueueFunctionArn"] == {
        "Fn::GetAtt": [WORK_QUEUE_FUNCTION, "Arn"]
    }
    invokes = [
        p["LambdaInvokePolicy"]["FunctionName"]
        for p in properties["Policies"]
        if "LambdaInvokePolicy" in p
    ]
    assert {"Ref": WORK_QUEUE_FUNCTION} in invokes
