"""The OpenAPI document: public, valid, and listing exactly the routes Chalice dispatches."""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterator
from typing import Any

import pytest
from chalice import Blueprint
from chalice.test import Client
from openapi_spec_validator import validate
from pydantic import BaseModel, Field

from chalicelib.http import Reply
from civiq.accounts.domain.accounts import AccountStatus
from civiq.accounts.schemas.accounts import OpenAccountRequest
from civiq.core.staff import Role

DOCUMENT = "/api/v1/openapi.json"
ACCOUNTS = "/api/v1/utility/accounts"
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
ERROR = {"$ref": "#/components/schemas/Error"}


def fetch(app: Any) -> Any:
    with Client(app) as client:
        return client.http.get(DOCUMENT)


@pytest.fixture
def document(chalice_app: Any) -> dict[str, Any]:
    return json.loads(fetch(chalice_app).body)


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"{ref} points outside the document"
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_served_without_a_token_as_json(chalice_app: Any) -> None:
    first, second = fetch(chalice_app), fetch(chalice_app)
    assert first.status_code == 200
    assert first.headers["Content-Type"] == "application/json"
    assert first.body == second.body
    body = json.loads(first.body)
    assert body["openapi"] == "3.1.0"
    assert body["info"]["title"] == "CiViQ utility billing staff API"
    assert body["paths"][DOCUMENT]["get"]["security"] == []


def test_lists_exactly_the_chalice_routes(chalice_app: Any, document: dict[str, Any]) -> None:
    """A route registered without staff_route, or never registered on the app, fails here. The
    staff console's pages (/dashboard/...) are HTML for browsers, not the JSON API the document
    describes: they are left out on purpose."""
    routes = {
        (m.lower(), path)
        for path, methods in chalice_app.routes.items()
        for m in methods
        if not path.startswith("/dashboard/")
    }
    documented = {
        (method, path)
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }
    assert documented == routes
    assert ("get", DOCUMENT) in documented


def test_is_a_valid_openapi_31_document_whose_refs_resolve(document: dict[str, Any]) -> None:
    validate(document)
    found = list(refs(document))
    assert "#/components/schemas/Error" in found
    for ref in found:
        assert isinstance(resolve(document, ref), dict), ref


def test_staff_operations_need_a_bearer_token_and_state_the_role(
    document: dict[str, Any],
) -> None:
    scheme = document["components"]["securitySchemes"]["staffBearer"]
    assert scheme == scheme | {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    get_account = document["paths"][ACCOUNTS + "/{id}"]["get"]
    assert get_account["security"] == [{"staffBearer": []}]
    assert get_account["x-required-role"] == "clerk"
    assert "clerk role" in get_account["description"]
    (account_id,) = get_account["parameters"]
    assert (account_id["name"], account_id["in"], account_id["required"]) == ("id", "path", True)
    assert account_id["schema"]["pattern"] == "^(?:[0-9A-Z]{26}|[Uu][Bb]-?[0-9]{7}-?[0-9])$"
    assert set(get_account["responses"]) == {"200", "400", "401", "403", "404"}
    assert get_account["responses"]["404"]["content"]["application/json"]["schema"] == ERROR
    from chalicelib.routes import accounts

    summary = (inspect.getdoc(accounts.get_account) or "").splitlines()[0]
    assert (get_account["summary"], get_account["tags"]) == (summary, ["accounts"])


def test_error_schema_is_the_one_error_shape(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert schemas["Error"]["required"] == ["error"]
    detail = resolve(document, schemas["Error"]["properties"]["error"]["$ref"])
    assert detail["required"] == ["code", "message", "field"]
    assert detail["additionalProperties"] is True


def test_open_account_body_is_the_request_model(document: dict[str, Any]) -> None:
    operation = document["paths"][ACCOUNTS]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    schema = resolve(document, body["$ref"])
    expected = OpenAccountRequest.model_json_schema()
    assert set(schema["properties"]) == set(expected["properties"])
    assert schema.get("required", []) == expected.get("required", [])
    assert operation["requestBody"]["required"] is True
    assert {"201", "400", "413", "415"} <= set(operation["responses"])


class Address(BaseModel):
    street: str
    unit: str | None = None


class ThingIn(BaseModel):
    name: str = Field(min_length=1)
    address: Address
    note: str | None = None


class ThingOut(BaseModel):
    id: str
    address: Address


class ListQuery(BaseModel):
    status: AccountStatus | None = Field(None, description="Accounts in this status.")
    limit: int = Field(25, ge=1, le=100)


def test_route_metadata_becomes_parameters_bodies_and_responses(chalice_app: Any) -> None:
    from chalicelib import openapi
    from chalicelib.http import staff_route

    @staff_route(
        Blueprint("tests.things"),
        "/api/v1/things/{id}",
        "POST",
        Role.SUPERVISOR,
        status=201,
        tag="things",
    )
    def create_thing(id: str, body: ThingIn, query: ListQuery) -> Reply[ThingOut]:
        """Create a thing.

        Details that stay out of the summary.
        """
        raise NotImplementedError

    document = openapi.build([openapi.OPERATIONS[-1]])
    validate(document)
    operation = document["paths"]["/api/v1/things/{id}"]["post"]
    assert operation["operationId"] == "create_thing"
    assert (operation["summary"], operation["tags"]) == ("Create a thing.", ["things"])
    assert operation["x-required-role"] == "supervisor"

    body = operation["requestBody"]["content"]["application/json"]["schema"]
    schema = resolve(document, body["$ref"])
    assert (set(schema["properties"]), schema["required"]) == (
        {"name", "address", "note"},
        ["name", "address"],
    )
    assert resolve(document, schema["properties"]["address"]["$ref"])["required"] == ["street"]

    path_id, status, limit = operation["parameters"]
    assert (path_id["name"], path_id["in"]) == ("id", "path")
    assert status["in"] == "query" and status["required"] is False
    assert status["description"] == "Accounts in this status."
    enum = {"enum": [s.value for s in AccountStatus], "title": "AccountStatus", "type": "string"}
    assert status["schema"]["anyOf"] == [enum, {"type": "null"}]
    assert limit["schema"] | {"minimum": 1, "maximum": 100} == limit["schema"]

    responses = operation["responses"]
    created = resolve(document, responses["201"]["content"]["application/json"]["schema"]["$ref"])
    assert created["properties"]["address"] == {"$ref": "#/components/schemas/Address"}
    assert set(document["components"]["schemas"]) == {
        "Address",
        "Error",
        "ErrorDetail",
        "FieldErrorOut",
        "ThingIn",
        "ThingOut",
    }
    assert set(responses) == {"201", "400", "401", "403", "404", "409", "413", "415"}
    for code in set(responses) - {"201"}:
        assert responses[code]["content"]["application/json"]["schema"] == ERROR


def test_built_the_same_whatever_the_registration_order(chalice_app: Any) -> None:
    from chalicelib import openapi

    assert openapi.document() == json.dumps(
        openapi.build(reversed(openapi.OPERATIONS)), separators=(",", ":")
    )
    assert fetch(chalice_app).body.decode() == openapi.document()


def test_what_the_api_asks_for_and_answers_is_documented(document: dict[str, Any]) -> None:
    """The money routes' Idempotency-Key, the remittance CSV, and every success status."""
    paths = document["paths"]
    money = [
        (path, operation)
        for path, item in paths.items()
        for method, operation in item.items()
        if method == "post"
        and path.startswith(ACCOUNTS)
        and path.endswith(("/payments", "/refunds", "/dishonour", "/adjustments"))
    ]
    assert len(money) == 4
    for _, operation in money:
        (key,) = [p for p in operation["parameters"] if p["in"] == "header"]
        assert (key["name"], key["required"]) == ("Idempotency-Key", True)
        assert key["schema"]["pattern"] == "^[A-Za-z0-9._:-]{8,100}$"
        assert "422" in operation["responses"]
    upload = paths["/api/v1/utility/remittances"]["post"]
    csv = upload["requestBody"]["content"]["text/csv"]["schema"]
    assert csv["pattern"].startswith("^\ufeff?date,amount,reference,payer_name")
    assert set(upload["responses"]) >= {"200", "202", "415"}
    assert {"200", "201"} <= set(paths["/api/v1/utility/meters"]["post"]["responses"])
    assert {"200", "202"} <= set(paths["/api/v1/utility/transfers"]["post"]["responses"])
    version = document["components"]["schemas"]["ClosureRequest"]["properties"]["version"]
    assert version["type"] == "integer"


def test_statement_lines_describe_their_category_and_amount_after_due(
    document: dict[str, Any],
) -> None:
    """Shown only on the lines that have them, as the rate quote shows them."""
    statement = document["components"]["schemas"]["StatementResponse"]["properties"]
    for field in ("lines", "taxes"):
        line = resolve(document, statement[field]["items"]["$ref"])
        assert {"category", "amount_after_due"} <= set(line["properties"])
        assert {"category", "amount_after_due"}.isdisjoint(line["required"])
        (category, _) = line["properties"]["category"]["anyOf"]
        assert category == {"$ref": "#/components/schemas/ChargeCategoryOut"}


def test_write_offs_document_who_may_write_off_and_a_safe_retry(document: dict[str, Any]) -> None:
    write_offs = document["paths"]["/api/v1/ar/write-offs"]
    made = write_offs["post"]
    assert made["x-required-role"] == "clerk"
    assert {"201", "200", "400", "404", "409"} <= set(made["responses"])
    body = resolve(document, made["requestBody"]["content"]["application/json"]["schema"]["$ref"])
    assert set(body["required"]) == {"account_id", "amount", "reason_category", "reason"}
    assert "write_off_id" in body["properties"]
    listed = {p["name"] for p in write_offs["get"]["parameters"]}
    assert {"account_id", "limit", "cursor"} <= listed
    reverse = document["paths"]["/api/v1/ar/write-offs/{id}/reverse"]["post"]
    assert reverse["x-required-role"] == "supervisor"
