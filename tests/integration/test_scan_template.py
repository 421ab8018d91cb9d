"""The template the security scanner reads carries each suppression to where checkov looks."""

from __future__ import annotations

from typing import Any

import pytest

from infra.tools.scan_template import UnexplainedSuppression, scannable_template


def skip(check_id: str, reason: str = "the reason") -> dict[str, str]:
    return {"id": check_id, "comment": reason}


def sam_template(function_skips: list[dict[str, str]], stack_skips: list[dict[str, str]]) -> Any:
    return {
        "Transform": "AWS::Serverless-2016-10-31",
        "Metadata": {"checkov": {"skip": stack_skips}},
        "Resources": {
            "WriterFunction": {
                "Type": "AWS::Serverless::Function",
                "Metadata": {"checkov": {"skip": function_skips}},
                "Properties": {
                    "CodeUri": "functions/audit_writer/",
                    "Handler": "handler.handler",
                    "Runtime": "python3.12",
                    "Policies": [{"SQSSendMessagePolicy": {"QueueName": "a-queue"}}],
                },
            },
            "PlainQueue": {"Type": "AWS::SQS::Queue", "Properties": {}},
        },
    }


def checkov_skip_ids(resource: dict[str, Any]) -> set[str]:
    return {s["id"] for s in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])}


def test_a_functions_suppressions_reach_the_role_sam_generates_for_it() -> None:
    resources = scannable_template(sam_template([skip("CKV_AWS_111")], []))["Resources"]

    assert resources["WriterFunctionRole"]["Type"] == "AWS::IAM::Role"
    assert checkov_skip_ids(resources["WriterFunctionRole"]) == {"CKV_AWS_111"}
    assert checkov_skip_ids(resources["WriterFunction"]) == {"CKV_AWS_111"}
    assert checkov_skip_ids(resources["PlainQueue"]) == set()


def test_the_templates_own_suppressions_reach_every_resource() -> None:
    resources = scannable_template(sam_template([], [skip("CKV_AWS_117")]))["Resources"]

    assert all(checkov_skip_ids(r) == {"CKV_AWS_117"} for r in resources.values())


def test_a_suppression_without_its_reason_is_refused() -> None:
    with pytest.raises(UnexplainedSuppression, match=r"WriterFunction.*CKV_AWS_111"):
        scannable_template(sam_template([skip("CKV_AWS_111", reason=" ")], []))
