"""The API's one error shape, through real Chalice routing on in-process moto: every invalid
field of a request in one 400, our codes whatever Chalice would answer by itself, and the token
checked before anything else, with one message whichever check failed."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from chalice import (
    BadRequestError,
    ChaliceViewError,
    ConflictError,
    NotFoundError,
    TooManyRequestsError,
)
from chalice.test import Client

from civiq.core.staff import Role
from infra.local.packaging import load_template
from tests.helpers.api import API, address, bearer, headers, open_account, owner_body, token

ACCOUNTS = f"{API}/accounts"
GENERIC_401 = "authentication required"


def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"] == "application/json"
    body = json.loads(response.body)
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert {"code", "message", "field"} <= set(error)
    return error


def fields(error: dict[str, Any]) -> list[str]:
    return [e["field"] for e in error["errors"]]


# --- every invalid field at once ------------------------------------------------------------------


def test_a_form_with_four_mistakes_gets_one_400_naming_all_four(chalice_app: Any) -> None:
    body = owner_body(services=[{"service_type": "electricity", "start_date": "2026-12-01"}])
    body["customer"]["contact"]["email"] = "not-an-email"
    body["property"]["address"] |= {"province": "XX", "postal_code": "D1P 1J1"}
    with Client(chalice_app) as client:
        response = client.http.post(ACCOUNTS, headers=bearer(), body=json.dumps(body))
    error = error_of(response, 400)
    assert error["code"] == "invalid_input"
    assert sorted(fields(error)) == [
        "customer.contact.email",
        "property.address.postal_code",
        "property.address.province",
        "services.0.service_type",
    ]
    assert error["field"] == fields(error)[0]  # the keys clients read before the list
    assert all(e["message"] for e in error["errors"])


def test_the_rules_the_domain_checks_across_fields_are_refused_together(chalice_app: Any) -> None:
    body = owner_body(
        services=[{"service_type": "water", "start_date": "2026-12-01", "end_date": "2026-11-01"}]
    )
    body["property"] |= {
        "units": ["1", "2"],
        "meters": {"arrangement": "shared", "shares": {"1": "0.5", "2": "0.4"}},
        "location": {"latitude": 40.7, "longitude": -75.7},
    }
    body["unit"] = "1"
    with Client(chalice_app) as client:
        response = client.http.post(ACCOUNTS, headers=bearer(), body=json.dumps(body))
    assert sorted(fields(error_of(response, 400))) == [
        "property.location.latitude",
        "property.meters.shares",
        "services.0.end_date",
    ]


def test_the_path_a_header_and_the_body_are_checked_at_once(chalice_app: Any) -> None:
    """A payment to a malformed account reference, without its Idempotency-Key, of a wrong
    amount and date: one 400 names all four."""
    payment = {"amount": "sixty", "method": "cheque", "received_on": "yesterday"}
    with Client(chalice_app) as client:
        response = client.http.post(
            f"{ACCOUNTS}/UB-2/payments", headers=bearer(), body=json.dumps(payment)
        )
    assert sorted(fields(error_of(response, 400))) == [
        "Idempotency-Key",
        "amount",
        "id",
        "received_on",
    ]


def test_a_customer_and_a_property_name_every_mistake(chalice_app: Any) -> None:
    customer = {
        "name": "Ann\u202eBell",
        "contact": {"email": "ann@", "phone": "555"},
        "preferences": {"language": "en"},
    }
    prop = {"address": address() | {"postal_code": "00000"}, "roll_number": "12", "route": "#"}
    with Client(chalice_app) as client:
        registered = client.http.post(
            f"{API}/customers", headers=bearer(), body=json.dumps(customer)
        )
        surveyed = client.http.post(f"{API}/properties", headers=bearer(), body=json.dumps(prop))
    assert sorted(fields(error_of(registered, 400))) == ["contact.email", "contact.phone", "name"]
    assert sorted(fields(error_of(surveyed, 400))) == [
        "address.postal_code",
        "roll_number",
        "route",
    ]


def test_a_version_sent_as_a_whole_float_is_the_integer_json_schema_reads(
    chalice_app: Any,
) -> None:
    """JSON Schema's integer 1 may be sent as 1.0; 1.5 is no version."""
    with Client(chalice_app) as client:
        account = open_account(client, "5 Rue du Fleuve")
        path = f"{ACCOUNTS}/{account['id']}/settings"
        half = client.http.put(path, headers=bearer(), body='{"version": 1.5, "autopay": true}')
        whole = client.http.put(path, headers=bearer(), body='{"version": 1.0, "autopay": true}')
    assert fields(error_of(half, 400)) == ["version"]
    assert whole.status_code == 200 and whole.json_body["version"] == 2


# --- Chalice's own answers, in our shape with our codes ------------------------------------------


def test_a_method_the_route_does_not_have_is_our_405(chalice_app: Any) -> None:
    with Client(chalice_app) as client:
        response = client.http.patch(ACCOUNTS, headers=bearer(), body="{}")
    error = error_of(response, 405)
    assert error["code"] == "method_not_allowed"
    assert set(response.headers["Allow"].split(", ")) == {"GET", "POST"}


def test_a_route_the_app_does_not_have_is_our_404(chalice_app: Any) -> None:
    """What a proxy or a stale deployment could send the function: Chalice itself would fail."""
    event = {
        "resource": "/api/v1/utility/nothing",
        "path": "/api/v1/utility/nothing",
        "httpMethod": "GET",
        "headers": {},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/api/v1/utility/nothing",
            "httpMethod": "GET",
            "path": "/v1/api/v1/utility/nothing",
            "requestId": "r-1",
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "body": None,
        "isBase64Encoded": False,
    }
    answer = chalice_app(event, None)
    assert answer["statusCode"] == 404
    assert json.loads(answer["body"])["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("raised", "status", "code"),
    [
        (BadRequestError("bad"), 400, "invalid_input"),
        (NotFoundError("none"), 404, "not_found"),
        (ConflictError("taken"), 409, "conflict"),
        (TooManyRequestsError("slow down"), 429, "too_many_requests"),
        (ChaliceViewError("broken"), 500, "internal_error"),
        (RuntimeError("secret detail"), 500, "internal_error"),
    ],
)
def test_chalice_errors_and_crashes_leave_in_our_shape(
    chalice_app: Any, raised: Exception, status: int, code: str
) -> None:
    @chalice_app.route("/api/v1/tests/raises")
    def raises() -> None:
        raise raised

    with Client(chalice_app) as client:
        response = client.http.get("/api/v1/tests/raises")
    error = error_of(response, status)
    assert error["code"] == code
    assert "Error" not in error["code"] and "secret" not in response.body.decode()


def test_a_body_that_is_not_json_is_our_400_and_another_type_our_415(chalice_app: Any) -> None:
    with Client(chalice_app) as client:
        garbled = client.http.post(ACCOUNTS, headers=bearer(), body="{not json")
        typed = client.http.post(
            ACCOUNTS, headers={**bearer(), "Content-Type": "text/plain"}, body="hello"
        )
    assert error_of(garbled, 400)["errors"] == [
        {"field": None, "message": "request body is not valid JSON"}
    ]
    assert error_of(typed, 415)["code"] == "unsupported_media_type"


def test_the_deployed_gateway_answers_in_our_shape_too() -> None:
    """API Gateway answers an unknown route or method itself (MissingAuthenticationToken, a
    403): the template makes it our 404, and its other errors our shape."""
    responses = load_template()["Resources"]["StaffApi"]["Properties"]["GatewayResponses"]
    unknown = responses["MISSING_AUTHENTICATION_TOKEN"]
    assert unknown["StatusCode"] == "404"
    for name, code in (
        ("MISSING_AUTHENTICATION_TOKEN", "not_found"),
        ("DEFAULT_4XX", "invalid_input"),
        ("DEFAULT_5XX", "internal_error"),
    ):
        body = json.loads(responses[name]["ResponseTemplates"]["application/json"])
        assert body["error"]["code"] == code
        assert set(body["error"]) == {"code", "message", "field"}


# --- the token first, and one 401 whichever check failed -----------------------------------------


@pytest.fixture
def reasons(chalice_app: Any) -> Iterator[list[str]]:
    """Why each authentication failed, as the API logs it."""
    from chalicelib.http import logger

    logged: list[str] = []

    class Reasons(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage() == "authentication failed":
                logged.append(record.__dict__["reason"])

    handler = Reasons()
    logger.addHandler(handler)
    yield logged
    logger.removeHandler(handler)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [("text/plain", "hello"), ("application/xml", "<a/>"), ("application/json", "{not json")],
)
def test_without_a_valid_token_any_request_is_401(
    chalice_app: Any, content_type: str, body: str
) -> None:
    with Client(chalice_app) as client:
        for authorization in (None, "Bearer not-a-jwt"):
            sent = {"Content-Type": content_type}
            if authorization:
                sent["Authorization"] = authorization
            response = client.http.post(ACCOUNTS, headers=sent, body=body)
            assert error_of(response, 401)["code"] == "unauthorized"
            assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("bearer_token", "reason"),
    [
        (None, "no bearer token"),
        ("not-a-jwt", "invalid token"),
        (token(Role.CLERK, key="another-key-that-is-long-enough-000000"), "Signature"),
        (token(Role.CLERK, ttl=timedelta(seconds=-5)), "expired"),
        (token(), "no staff role"),
    ],
)
def test_a_401_never_says_which_check_failed_the_log_does(
    chalice_app: Any, reasons: list[str], bearer_token: str | None, reason: str
) -> None:
    with Client(chalice_app) as client:
        response = client.http.get(ACCOUNTS, headers=headers(bearer_token))
    error = error_of(response, 401)
    assert (error["message"], error["field"]) == (GENERIC_401, "Authorization")
    assert len(reasons) == 1 and reason in reasons[0]
