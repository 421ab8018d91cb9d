"""The staff API through real Chalice routing, against in-process moto."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest
from chalice.test import Client

from civiq.core.staff import Role
from tests.helpers.api import headers, token
from tests.helpers.emulator import REGION, TABLE

ACCOUNTS = "/api/v1/utility/accounts"


def valid_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customer": {
            "name": "Olivia Smith",
            "contact": {"email": "olivia@example.ca", "phone": "613-555-0100"},
            "preferences": {"language": "en"},
        },
        "property": {
            "address": {
                "street": "100 Queen Street",
                "city": "Ottawa",
                "province": "ON",
                "postal_code": "k1p1j1",
            },
        },
    }
    body.update(overrides)
    return body


def with_property(**changes: Any) -> dict[str, Any]:
    return valid_body(property={**valid_body()["property"], **changes})


def with_address(**changes: Any) -> dict[str, Any]:
    return with_property(address={**valid_body()["property"]["address"], **changes})


def with_contact(**changes: Any) -> dict[str, Any]:
    customer = valid_body()["customer"]
    return valid_body(customer={**customer, "contact": {**customer["contact"], **changes}})


def post(client: Client, body: Any, bearer: str | None = None) -> Any:
    raw = body if isinstance(body, str) else json.dumps(body)
    return client.http.post(ACCOUNTS, headers=headers(bearer or token(Role.CLERK)), body=raw)


def table_items() -> list[dict[str, Any]]:
    return boto3.client("dynamodb", region_name=REGION).scan(TableName=TABLE)["Items"]


def test_open_then_read_by_id_and_by_number(chalice_app: Any) -> None:
    with Client(chalice_app) as client:
        created = post(client, valid_body())
        assert created.status_code == 201
        account = created.json_body
        assert account["account_number"] == "UB00000018"
        assert account["account_number_display"] == "UB-0000001-8"
        assert account["service_address"]["postal_code"] == "K1P 1J1"
        assert account["holder"]["phone"] == "+16135550100"
        assert account["holder_role"] == "owner" and account["status"] == "active"
        assert [s["service_type"] for s in account["services"]] == [
            "water",
            "sewer",
            "stormwater",
            "waste",
        ]
        assert created.headers["Location"] == f"{ACCOUNTS}/{account['id']}"
        by_id = client.http.get(f"{ACCOUNTS}/{account['id']}", headers=headers(token(Role.CLERK)))
        assert by_id.json_body == account
        typed = client.http.get(f"{ACCOUNTS}/ub-0000001-8", headers=headers(token(Role.CLERK)))
        assert typed.json_body["id"] == account["id"]


def test_correlation_id_is_returned(chalice_app: Any) -> None:
    with Client(chalice_app) as client:
        given = {**headers(token(Role.CLERK)), "X-Correlation-Id": "trace-12345678"}
        response = client.http.get(ACCOUNTS, headers=given)
        assert response.headers["X-Correlation-Id"] == "trace-12345678"


def test_list_is_paginated_with_a_cursor(chalice_app: Any) -> None:
    with Client(chalice_app) as client:
        for _ in range(3):
            assert post(client, valid_body()).status_code == 201
        bearer = headers(token(Role.CLERK))
        first = client.http.get(f"{ACCOUNTS}?limit=2", headers=bearer).json_body
        assert len(first["items"]) == 2
        second = client.http.get(
            f"{ACCOUNTS}?limit=2&cursor={first['next_cursor']}", headers=bearer
        ).json_body
        numbers = [a["account_number"] for a in first["items"] + second["items"]]
        assert numbers == sorted(numbers) and len(set(numbers)) == 3
        assert second["next_cursor"] is None


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ("{not json", 400, "invalid_input", None),
        ([], 400, "invalid_input", None),
        (
            valid_body(customer={**valid_body()["customer"], "preferences": {"language": "de"}}),
            400,
            "invalid_input",
            "customer.preferences.language",
        ),
        (valid_body(autopay="yes"), 400, "invalid_input", "autopay"),
        (valid_body(nickname="x"), 400, "invalid_input", "nickname"),
        (
            {k: v for k, v in valid_body().items() if k != "customer"},
            400,
            "invalid_input",
            "customer",
        ),
        (valid_body(customer_id="01J00000000000000000000000"), 400, "invalid_input", "customer"),
        (with_contact(email="not-an-email"), 400, "invalid_input", "customer.contact.email"),
        (with_contact(phone="555-0100"), 400, "invalid_input", "customer.contact.phone"),
        (
            valid_body(
                customer={
                    "name": "A",
                    "preferences": {"language": "fr", "contact_method": "sms"},
                }
            ),
            400,
            "invalid_input",
            "customer.contact.phone",
        ),
        (with_address(postal_code="D1P1J1"), 400, "invalid_input", "property.address.postal_code"),
        (with_address(province="XX"), 400, "invalid_input", "property.address.province"),
        (with_address(unit="4"), 400, "invalid_input", "property.address.unit"),
        (with_property(roll_number="12345"), 400, "invalid_input", "property.roll_number"),
        (
            with_property(location={"latitude": 40.0, "longitude": -75.7}),
            400,
            "invalid_input",
            "property.location.latitude",
        ),
        (
            with_property(location={"latitude": 45.4, "longitude": 2.35}),
            400,
            "invalid_input",
            "property.location.longitude",
        ),
        (
            with_property(
                units=["1", "2"], meters={"arrangement": "shared", "shares": {"1": 0.5, "2": 0.4}}
            ),
            400,
            "invalid_input",
            "property.meters.shares",
        ),
        (with_property(property_type="castle"), 400, "invalid_input", "property.property_type"),
        (with_property(units=["1", "2"]), 400, "invalid_input", "unit"),
        (valid_body(holder_role="tenant"), 400, "invalid_input", "holder_role"),
        (
            valid_body(services=[{"service_type": "electricity", "start_date": "2026-12-01"}]),
            400,
            "invalid_input",
            "services.0.service_type",
        ),
        (
            valid_body(
                services=[
                    {"service_type": "water", "start_date": "2026-12-01", "end_date": "2026-11-01"}
                ]
            ),
            400,
            "invalid_input",
            "services.0.end_date",
        ),
        (
            valid_body(
                services=[
                    {"service_type": "water", "start_date": "2026-12-01"},
                    {"service_type": "water", "start_date": "2026-12-02"},
                ]
            ),
            400,
            "invalid_input",
            "services.1.service_type",
        ),
        (valid_body(account_number="UB-0000001-9"), 400, "invalid_input", "account_number"),
        (
            {**{k: v for k, v in valid_body().items() if k != "property"}, "property_id": "X" * 26},
            404,
            "not_found",
            "property_id",
        ),
        (valid_body(nickname="x" * 5000), 413, "payload_too_large", None),
    ],
)
def test_bad_input_is_a_4xx_naming_the_field_and_writes_nothing(
    chalice_app: Any, body: Any, status: int, code: str, field: str | None
) -> None:
    with Client(chalice_app) as client:
        response = post(client, body)
        assert response.status_code == status, response.body
        message = response.json_body["error"]["message"]
        expected = {"code": code, "message": message, "field": field}
        if code == "invalid_input":  # the one invalid field, in the list of them all
            expected["errors"] = [{"field": field, "message": message}]
        assert response.json_body == {"error": expected}
        assert message
    assert table_items() == []


def test_duplicate_manual_account_number_is_a_conflict(chalice_app: Any) -> None:
    with Client(chalice_app) as client:
        assert post(client, valid_body(account_number="UB-0000042-2")).status_code == 201
        again = post(client, valid_body(account_number="UB00000422"))
        assert again.status_code == 409
        assert again.json_body["error"]["field"] == "account_number"


def test_wrong_content_type_is_415_in_the_error_shape(chalice_app: Any) -> None:
    with Client(chalice_app) as client:
        response = client.http.post(
            ACCOUNTS,
            headers={"Content-Type": "text/plain", "Authorization": f"Bearer {token(Role.CLERK)}"},
            body="hello",
        )
        assert response.status_code == 415
        assert response.json_body["error"]["code"]


@pytest.mark.parametrize(
    ("bearer", "status"),
    [
        (None, 401),
        ("not-a-jwt", 401),
        (token(Role.CLERK, key="another-key-that-is-long-enough-000000"), 401),
        (token(Role.CLERK, ttl=timedelta(seconds=-5)), 401),
        (token(), 401),  # no role
    ],
)
def test_staff_endpoints_need_a_valid_staff_token(
    chalice_app: Any, bearer: str | None, status: int
) -> None:
    with Client(chalice_app) as client:
        response = client.http.get(ACCOUNTS, headers=headers(bearer))
        assert response.status_code == status
        assert response.json_body["error"]["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_unknown_account_and_bad_lookup(chalice_app: Any) -> None:
    with Client(chalice_app) as client:
        bearer = headers(token(Role.CLERK))
        missing = client.http.get(f"{ACCOUNTS}/UB00000026", headers=bearer)
        assert missing.status_code == 404
        # a number whose check digit does not match names no account (the document's pattern
        # cannot tell which digits match); something that is no number at all is invalid
        typo = client.http.get(f"{ACCOUNTS}/UB00000027", headers=bearer)
        assert typo.status_code == 404 and typo.json_body["error"]["field"] == "id"
        assert "check digit" in typo.json_body["error"]["message"]
        neither = client.http.get(f"{ACCOUNTS}/UB-27", headers=bearer)
        assert neither.status_code == 400 and neither.json_body["error"]["field"] == "id"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("status=gone", "status"),
        ("sort=name", "sort"),
        ("cursor=%%%", "cursor"),
    ],
)
def test_bad_list_parameters(chalice_app: Any, query: str, field: str) -> None:
    with Client(chalice_app) as client:
        response = client.http.get(f"{ACCOUNTS}?{query}", headers=headers(token(Role.CLERK)))
        assert response.status_code == 400
        assert response.json_body["error"]["field"] == field


def test_generated_numbers_skip_numbers_assigned_by_hand(chalice_app: Any) -> None:
    with Client(chalice_app) as client:
        assert post(client, valid_body(account_number="UB00000018")).status_code == 201
        generated = post(client, valid_body())
        assert generated.status_code == 201
        assert generated.json_body["account_number"] == "UB00000026"
