"""Error paths of the adapters and of the local stack's own machinery."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from civiq.core.events import Actor, DomainEvent
from civiq.core.money import Money
from civiq.platform.dynamodb.attributes import CentsAttribute
from civiq.platform.eventbridge import EventBridgePublisher, PublishFailed
from infra.local import lambda_runtime
from infra.local.gateway import LocalApiGateway, Route, load_routes


def event(number: int) -> DomainEvent:
    account_id = f"{number:026d}"
    return DomainEvent(
        event_id=f"E{number}",
        event_type="AccountOpened",
        version=1,
        occurred_at=datetime(2026, 11, 26, tzinfo=UTC),
        actor=Actor("clerk-1", "clerk"),
        correlation_id="c",
        subject_id=f"ACCOUNT#{account_id}",
        detail={
            "account_id": account_id,
            "account_number": "UB00000018",
            "property_id": "P1",
            "customer_id": "C1",
            "customer_name": "Ava Martin",
            "holder_role": "owner",
            "language": "en",
            "service_address": "1 Main Street, Ottawa ON K1P 1J1",
            "services": ["water"],
        },
    )


def test_publisher_sends_batches_of_ten_and_raises_when_entries_are_refused() -> None:
    client = boto3.client("events", region_name="ca-central-1")
    with Stubber(client) as stub:
        stub.add_response("put_events", {"FailedEntryCount": 0, "Entries": []})
        stub.add_response("put_events", {"FailedEntryCount": 1, "Entries": []})
        with pytest.raises(PublishFailed, match="1 event"):
            EventBridgePublisher(client, "bus").publish([event(n) for n in range(12)])
        stub.assert_no_pending_responses()


def test_cents_attribute_stores_exact_integer_cents() -> None:
    attribute = CentsAttribute()
    assert attribute.serialize(Money.of("12.345")) == "1235"
    assert attribute.deserialize("-1999") == Money.of("-19.99")


def test_two_functions_disagreeing_on_a_variable_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(lambda_runtime, "_variable_owner", {})
    monkeypatch.delenv("CIVIQ_TEST_SETTING", raising=False)
    lambda_runtime._apply_environment("first", {"CIVIQ_TEST_SETTING": "a"})
    lambda_runtime._apply_environment("second", {"CIVIQ_TEST_SETTING": "a"})
    with pytest.raises(lambda_runtime.EnvironmentClash, match="first set it to 'a'"):
        lambda_runtime._apply_environment("third", {"CIVIQ_TEST_SETTING": "b"})
    monkeypatch.delenv("CIVIQ_TEST_SETTING")


class FailingLambda:
    """A Lambda client whose function raised (what Invoke returns for an unhandled error)."""

    def invoke(self, **_: Any) -> dict[str, Any]:
        body = json.dumps({"errorType": "KeyError", "errorMessage": "boom"}).encode()
        return {"FunctionError": "Unhandled", "Payload": io.BytesIO(body)}


def test_gateway_answers_502_in_the_error_shape_when_the_function_fails() -> None:
    path = "/api/v1/utility/accounts"
    routes = [Route(path, "GET", "arn:fn", re.compile(f"{re.escape(path)}/?"))]
    status, headers, body = LocalApiGateway(FailingLambda(), routes, "v1", 1024).handle(
        "GET", "/api/v1/utility/accounts", {}, b""
    )
    assert status == 502
    assert headers == [("Content-Type", "application/json")]
    assert json.loads(body)["error"]["code"] == "internal_error"


def test_gateway_routes_come_from_the_rest_api_and_skip_non_lambda_integrations() -> None:
    class ApiGateway:
        def get_resources(self, **_: Any) -> dict[str, Any]:
            return {
                "items": [
                    {"id": "r1", "path": "/accounts/{id}", "resourceMethods": {"GET": {}}},
                    {"id": "r2", "path": "/mock", "resourceMethods": {"GET": {}}},
                ]
            }

        def get_integration(self, resourceId: str, **_: Any) -> dict[str, str]:
            if resourceId == "r2":
                return {"uri": ""}
            return {
                "uri": "arn:aws:apigateway:ca:lambda:path/2015-03-31/functions/"
                "arn:aws:lambda:ca:1:function:api/invocations"
            }

    (route,) = load_routes(ApiGateway(), "api-id")
    assert route.function_arn == "arn:aws:lambda:ca:1:function:api"
    match = route.pattern.fullmatch("/accounts/UB00000018")
    assert match and match.group("id") == "UB00000018"
