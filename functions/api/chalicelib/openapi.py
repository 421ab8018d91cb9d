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
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple, cast

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
    400: "The request is invalid: `errors` names every invalid field (path, header, query or "
    "body), each with why.",
    401: "Authentication required: no bearer token, or one that is not valid (the reason is "
    "logged, never told).",
    403: "The token's role is below the operation's minimum role.",
    404: "A resource the request names does not exist.",
    409: "The change conflicts with the current state (for example a number already taken).",
    413: "The request body is too large.",
    415: "The request body is not of the operation's content type.",
}


@functools.cache
def error_model() -> type[BaseModel]:
    """Every error response of the API, as a model (built with the document)."""
    from pydantic import BaseModel, ConfigDict, Field

    class FieldErrorOut(BaseModel):
        field: str | None = Field(
            description="The field's path (customer.name), parameter or header."
        )
        message: str = Field(description="What is wrong with it.")

    class ErrorDetail(BaseModel):
        model_config = ConfigDict(extra="allow")  # an error code may add members of its own

        code: str = Field(description="Stable machine-readable code, for example invalid_input.")
        message: str = Field(description="Human-readable explanation.")
        field: str | None = Field(description="The field, parameter or header at fault, if any.")
        errors: list[FieldErrorOut] | None = Field(
            default=None,
            description="invalid_input: every invalid field of the request, in one response.",
        )

    class Error(BaseModel):
        """Every error response of the API."""

        error: ErrorDetail

    return Error


class Models(NamedTuple):
    """An operation's body (a model, or ``bytes``: its raw content, with its JSON Schema),
    query string and success response models, if any; the types of its path parameters other
    than plain text; its required headers (OpenAPI parameters) and the error statuses their use
    adds."""

    body: type[BaseModel] | type[bytes] | None = None
    body_schema: Mapping[str, Any] = MappingProxyType({})  # a raw body's
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    path: Mapping[str, Any] = MappingProxyType({})
    headers: tuple[dict[str, Any], ...] = ()
    statuses: Mapping[int, str] = MappingProxyType({})


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
    description: str = ""
    # Other success statuses, with their meaning (the same request again, say).
    also: Mapping[int, str] = field(default_factory=dict)
    content_type: str = JSON  # the request body's
    # The success response's content type when it is not a JSON model (an HTML page, say).
    produces: str | None = None
    # Error statuses its shape does not imply, with their meaning.
    errors: Mapping[int, str] = field(default_factory=dict)


OPERATIONS: list[Operation] = []
# Changes to the built document that depend on the deployment (its settings), in order.
REFINEMENTS: list[Callable[[dict[str, Any]], None]] = []


def register(operation: Operation) -> None:
    OPERATIONS.append(operation)
    document.cache_clear()


def refine(refinement: Callable[[dict[str, Any]], None]) -> None:
    REFINEMENTS.append(refinement)
    document.cache_clear()


def nodes(tree: Any) -> Iterator[dict[str, Any]]:
    """Every object in a JSON tree."""
    if isinstance(tree, dict):
        yield tree
        for value in tree.values():
            yield from nodes(value)
    elif isinstance(tree, list):
        for item in tree:
            yield from nodes(item)


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
        if models.body and models.body is not bytes:
            keys.append((cast("type[BaseModel]", models.body), "validation"))
        if models.response:
            keys.append((models.response, "serialization"))
    refs, schemas = models_json_schema(list(dict.fromkeys(keys)), ref_template=SCHEMA_REF)
    paths: dict[str, dict[str, Any]] = {}
    for op, models in ordered:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, models, refs)
    built = {
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
    for refinement in REFINEMENTS:
        refinement(built)
    return built


def _operation(op: Operation, models: Models, refs: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
    }
    details = op.description.partition("\n")[2].strip()
    if op.role is None:
        result["security"] = []
    else:
        role = f"Requires a staff token with the {op.role.value} role or higher."
        result["description"] = f"{details}\n\n{role}" if details else role
        result["x-required-role"] = op.role.value
        result["security"] = [{BEARER: []}]
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": _path_schema(name, models)}
        for name in re.findall(r"\{(\w+)\}", op.path)
    ]
    parameters += list(models.headers)
    parameters += _query_parameters(models.query) if models.query else []
    if parameters:
        result["parameters"] = parameters
    if models.body is bytes:
        content = {op.content_type: {"schema": dict(models.body_schema) or {"type": "string"}}}
        result["requestBody"] = {"required": True, "content": content}
    elif models.body:
        content = {op.content_type: {"schema": refs[(models.body, "validation")]}}
        result["requestBody"] = {"required": True, "content": content}
    success: dict[str, Any] = {"description": HTTPStatus(op.status).phrase}
    if models.response:
        success["content"] = {JSON: {"schema": refs[(models.response, "serialization")]}}
    elif op.produces:
        success["content"] = {op.produces: {"schema": {"type": "string"}}}
    responses = {str(op.status): success}
    for status, meaning in op.also.items():
        responses[str(status)] = success | {"description": meaning}
    error = {JSON: {"schema": refs[(error_model(), "serialization")]}}
    for status, meaning in sorted(_error_statuses(op, models).items()):
        responses[str(status)] = {"description": meaning, "content": error}
    result["responses"] = dict(sorted(responses.items()))
    return result


def _path_schema(name: str, models: Models) -> dict[str, Any]:
    from pydantic import TypeAdapter

    kind = models.path.get(name)
    return {"type": "string"} if kind is None else TypeAdapter(kind).json_schema()


def _error_statuses(op: Operation, models: Models) -> dict[int, str]:
    """The errors an operation can answer with, from its shape: staff routes check the token,
    input can be invalid, a resource it names (in its path, query or body) can be unknown,
    writes can conflict; and those it declares."""
    takes_input = bool(models.body or models.query or models.path or models.headers)
    statuses = {401, 403} if op.role is not None else set()
    statuses |= {400} if takes_input else set()
    statuses |= {413, 415} if models.body else set()
    statuses |= {404} if op.role is not None and ("{" in op.path or takes_input) else set()
    statuses |= {409} if op.method != "GET" else set()
    return {s: ERROR_STATUSES[s] for s in statuses} | dict(models.statuses) | dict(op.errors)


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


@blueprint.route(DOCUMENT_PATH, methods=["GET"], content_types=["*/*"])
def openapi_document() -> Response:
    """Public, like most APIs' specifications: it describes the API and holds no data."""
    return Response(body=document(), status_code=200, headers={"Content-Type": JSON})


register(
    Operation(DOCUMENT_PATH, "GET", "openapi_document", "This OpenAPI document", "meta", role=None)
)
