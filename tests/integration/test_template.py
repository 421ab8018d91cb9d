"""template.yaml is the one description of the infrastructure; these checks keep it honest."""

from __future__ import annotations

import json
import re
import sys
import tomllib
from typing import Any

import pytest

from tests.helpers.files import REPO


def api_events(resources: dict[str, Any], function: str = "ApiFunction") -> set[tuple[str, str]]:
    events = resources[function]["Properties"]["Events"].values()
    return {(e["Properties"]["Method"].upper(), e["Properties"]["Path"]) for e in events}


@pytest.mark.parametrize(
    ("function", "code"), [("ApiFunction", "api"), ("PortalFunction", "portal")]
)
def test_deployed_routes_are_exactly_the_chalice_routes(
    template_resources: dict[str, Any], monkeypatch: pytest.MonkeyPatch, function: str, code: str
) -> None:
    """API Gateway routes come from the template's Api events; each Chalice app dispatches on
    requestContext.resourcePath, so the two sets must be identical."""
    monkeypatch.syspath_prepend(str(REPO / "functions" / code))
    import app as function_module

    try:
        chalice_routes = {
            (method, path)
            for path, methods in function_module.app.routes.items()
            for method in methods
        }
        assert chalice_routes == api_events(template_resources, function)
    finally:
        for name in [n for n in sys.modules if n == "app" or n.startswith("chalicelib")]:
            del sys.modules[name]


def test_every_queue_has_a_dead_letter_queue(template_resources: dict[str, Any]) -> None:
    queues = {n: r for n, r in template_resources.items() if r["Type"] == "AWS::SQS::Queue"}
    dead_letter = {n for n in queues if "DeadLetter" in n}
    for name, queue in queues.items():
        if name in dead_letter:
            continue
        policy = queue["Properties"]["RedrivePolicy"]
        assert policy["deadLetterTargetArn"]["Fn::GetAtt"][0] in dead_letter
        assert policy["maxReceiveCount"] >= 3


def test_sqs_consumers_report_partial_batch_failures(template_resources: dict[str, Any]) -> None:
    mappings = [
        r for r in template_resources.values() if r["Type"] == "AWS::Lambda::EventSourceMapping"
    ]
    assert mappings
    for mapping in mappings:
        assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_sqs_consumers_are_explicit_event_source_mappings(
    template_resources: dict[str, Any],
) -> None:
    """A SAM ``Type: SQS`` event would attach AWSLambdaSQSQueueExecutionRole (every queue of the
    account) to its function's role; each mapping is explicit, named as SAM would name it."""
    for name, resource in template_resources.items():
        events = resource.get("Properties", {}).get("Events", {}).values()
        assert all(e["Type"] != "SQS" for e in events), name
        if resource["Type"] == "AWS::Lambda::EventSourceMapping":
            function = resource["Properties"]["FunctionName"]["Ref"]
            assert name.startswith(function) and name != function, name


def test_state_machine_substitutions_match_the_asl(template_resources: dict[str, Any]) -> None:
    for resource in template_resources.values():
        if resource["Type"] != "AWS::Serverless::StateMachine":
            continue
        properties = resource["Properties"]
        text = (REPO / properties["DefinitionUri"]).read_text()
        json.loads(text)
        used = set(re.findall(r"\$\{(\w+)\}", text))
        assert used == set(properties["DefinitionSubstitutions"])


def test_table_is_protected(template_resources: dict[str, Any]) -> None:
    table = template_resources["MainTable"]
    assert table["DeletionPolicy"] == "Retain"
    assert table["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"]
    assert table["Properties"]["SSESpecification"]["SSEEnabled"]
    assert table["Properties"]["BillingMode"] == "PAY_PER_REQUEST"


def test_documents_bucket_is_private_and_tls_only(template_resources: dict[str, Any]) -> None:
    bucket = template_resources["DocumentsBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["VersioningConfiguration"]["Status"] == "Enabled"
    statement = template_resources["DocumentsBucketPolicy"]["Properties"]["PolicyDocument"][
        "Statement"
    ][0]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_layer_requirements_match_the_project_dependencies() -> None:
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    layer = [
        line.strip()
        for line in (REPO / "shared" / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert sorted(layer) == sorted(declared)
