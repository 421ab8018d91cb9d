"""The OpenAPI 3.1 document of the API, generated from what the routes declare.

:func:`chalicelib.http.staff_route` records an :class:`Operation` for every route it registers;
:func:`document` turns the recorded operations into JSON on its first request (operations and
schemas sorted, so the same bytes whatever the import order), served without authentication at
``DOCUMENT_PATH``. An operation's models are looked up only then (:attr:`Operation.models`), so
importing the API builds none of them, nor imports pydantic's JSON Schema generator.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, NamedTuple

from chalice import Blueprint, Response

from civiq.core.staff import Role

if TYPE_CHECKING:
    from pydantic import BaseModel
    from pydantic.json_schema import JsonSchemaMode

    Key = tuple[type[BaseModel], JsonSchemaMode]

DOCUMENT_PATH = "/api/v1/openapi.json"
TITLE = "CiViQ utility billing staff API"
VERSION = "v1"  # the major version in the paths
JSON = "application/json"
SCHEMA_REF = "#/components/schemas/{model}"
BEARER = "staffBearer"

ERROR_STATUSES = {
    400: "The request body, a query parameter or a field value is invalid.",
    401: "No bearer token, or the token is invalid or expired.",
    403: "The token's role is below the operation's minimum role.",
    404: "No resource has this id.",
    409: "The change conflicts with the current state (for example a number already taken).",
    413: "The request body is too large.",
    415: "The request body is not application/json.",
}


@functools.cache
def error_model() -> type[BaseModel]:
    """Every error response of the API, as a model (built with the document)."""
    from pydantic import BaseModel, ConfigDict, Field

    class ErrorDetail(BaseModel):
        model_config = ConfigDict(extra="allow")  # an error code may add members of its own

        code: str = Field(description="Stable machine-readable code, for example invalid_input.")
        message: str = Field(description="Human-readable explanation.")
        field: str | None = Field(description="The field, parameter or header at fault, if any.")

    class Error(BaseModel):
        """Every error response of the API."""

        error: ErrorDetail

    return Error


class Models(NamedTuple):
    """An operation's JSON body, query string and success response models, if any."""

    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None


def no_models() -> Models:
    return Models()


@dataclass(frozen=True, slots=True)
class Operation:
    """One documented route; ``role`` None means public (no token)."""

    path: str
    method: str
    operation_id: str
    summary: str
    tag: str
    role: Role | None
    status: int = 200
    # Its models, looked up when the document is built (they may import their module then).
    models: Callable[[], Models] = no_models


OPERATIONS: list[Operation] = []


def register(operation: Operation) -> None:
    OPERATIONS.append(operation)
    document.cache_clear()


@functools.cache
def document() -> str:
    """The served document: built on first use, then the same text on every call."""
    return json.dumps(build(OPERATIONS), separators=(",", ":"))


def build(operations: Iterable[Operation]) -> dict[str, Any]:
    from pydantic.json_schema import models_json_schema

    ordered = [(op, op.models()) for op in sorted(operations, key=lambda op: (op.path, op.method))]
    # One pydantic pass over every model, so shared sub-models get one name in components.
    keys: list[Key] = [(error_model(), "serialization")]
    for _, models in ordered:
        if models.body:
            keys.append((models.body, "validation"))
        if models.response:
            keys.append((models.response, "serialization"))
    refs, schemas = models_json_schema(list(dict.fromkeys(keys)), ref_template=SCHEMA_REF)
    paths: dict[str, dict[str, Any]] = {}
    for op, models in ordered:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, models, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION},
        # Relative to the document (<base>/api/v1/openapi.json), so the base is right both at
        # the stage URL (/v1/...) and at a custom domain or the local gateway (/...).
        "servers": [{"url": "../.."}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas["$defs"].items())),
            "securitySchemes": {
                BEARER: {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "Staff token; roles, lowest first: "
                    + ", ".join(role.value for role in Role),
                }
            },
        },
    }


def _operation(op: Operation, models: Models, refs: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
    }
    if op.role is None:
        result["security"] = []
    else:
        result["description"] = f"Requires a staff token with the {op.role.value} role or higher."
        result["x-required-role"] = op.role.value
        result["security"] = [{BEARER: []}]
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"\{(\w+)\}", op.path)
    ] + (_query_parameters(models.query) if models.query else [])
    if parameters:
        result["parameters"] = parameters
    if models.body:
        content = {JSON: {"schema": refs[(models.body, "validation")]}}
        result["requestBody"] = {"required": True, "content": content}
    success: dict[str, Any] = {"description": HTTPStatus(op.status).phrase}
    if models.response:
        success["content"] = {JSON: {"schema": refs[(models.response, "serialization")]}}
    error = {JSON: {"schema": refs[(error_model(), "serialization")]}}
    result["responses"] = {str(op.status): success} | {
        str(status): {"description": ERROR_STATUSES[status], "content": error}
        for status in _error_statuses(op, models)
    }
    return result


def _error_statuses(op: Operation, models: Models) -> list[int]:
    """The errors an operation can answer with, from its shape: staff routes check the token,
    input can be invalid, an id in the path can be unknown, writes can conflict."""
    statuses = {401, 403} if op.role is not None else set()
    statuses |= {400} if models.body or models.query else set()
    statuses |= {413, 415} if models.body else set()
    statuses |= {404} if "{" in op.path else set()
    statuses |= {409} if op.method != "GET" else set()
    return sorted(statuses)


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    definitions = schema.get("$defs", {})
    required = set(schema.get("required", []))
    parameters = []
    for name, declared in schema["properties"].items():
        field = _inline(declared, definitions)
        parameter = {"name": name, "in": "query", "required": name in required}
        if "description" in field:
            parameter["description"] = field.pop("description")
        parameters.append(parameter | {"schema": field})
    return parameters


def _inline(node: Any, definitions: dict[str, Any]) -> Any:
    """Replace ``$defs`` references by their definitions: a query value is one plain string, so
    they are enums, and a parameter then shows its allowed values itself."""
    if isinstance(node, list):
        return [_inline(item, definitions) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if ref:
        node = definitions[ref.rpartition("/")[2]] | {k: v for k, v in node.items() if k != "$ref"}
    return {key: _inline(value, definitions) for key, value in node.items()}


blueprint = Blueprint(__name__)


@blueprint.route(DOCUMENT_PATH, methods=["GET"])
def openapi_document() -> Response:
    """Public, like most APIs' specifications: it describes the API and holds no data."""
    return Response(body=document(), status_code=200, headers={"Content-Type": JSON})


register(
    Operation(DOCUMENT_PATH, "GET", "openapi_document", "This OpenAPI document", "meta", role=None)
)
