"""HTTP plumbing shared by every route: identity, body parsing, one error shape, correlation.

Every error leaves as ``{"error": {"code", "message", "field"}}``. Domain errors are mapped to a
status by type here and nowhere else; Chalice's own errors (415, 405, 500) are rewritten into the
same shape by :func:`request_context`.
"""

from __future__ import annotations

import functools
import inspect
import json
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from chalice import Blueprint, Response
from chalice.app import Request
from pydantic import BaseModel, ValidationError

from chalicelib import openapi
from chalicelib.composition import api
from civiq.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthorized,
    VersionConflict,
)
from civiq.core.staff import Role, StaffIdentity
from civiq.platform.idempotency import IdempotencyKeyReused

logger = Logger(service="civiq-api")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})
CORRELATION_HEADER = "X-Correlation-Id"
JSON = "application/json"
Model = TypeVar("Model", bound=BaseModel)


class PayloadTooLarge(DomainError):
    code = "payload_too_large"


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"


STATUS_BY_ERROR: dict[type[DomainError], int] = {
    IdempotencyKeyReused: 422,
    InvalidInput: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
}


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    payload = body.model_dump_json() if isinstance(body, BaseModel) else json.dumps(body)
    return Response(
        body=payload, status_code=status, headers={"Content-Type": JSON, **(headers or {})}
    )


def error_response(code: str, message: str, field: str | None, status: int) -> Response:
    return json_response({"error": {"code": code, "message": message, "field": field}}, status)


def from_domain_error(error: DomainError) -> Response:
    status = next(s for kind, s in STATUS_BY_ERROR.items() if isinstance(error, kind))
    body: dict[str, Any] = {"code": error.code, "message": error.message, "field": error.field}
    if isinstance(error, VersionConflict):
        body["current_version"] = error.current_version
    response = json_response({"error": body}, status)
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def parse_body(request: Request, model: type[Model], max_bytes: int) -> Model:
    raw = request.raw_body or b""
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"request body is larger than {max_bytes} bytes")
    content_type = (request.headers.get("content-type") or JSON).split(";")[0].strip().lower()
    if content_type != JSON:
        raise UnsupportedMediaType("request body must be application/json")
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise invalid_input(exc) from exc


def parse_query(request: Request, model: type[Model]) -> Model:
    """The query string as ``model``; unknown parameters are refused like unknown fields."""
    try:
        return model.model_validate_strings(dict(request.query_params or {}))
    except ValidationError as exc:
        raise invalid_input(exc) from exc


def invalid_input(exc: ValidationError) -> InvalidInput:
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or None
    kind = first["type"]
    if kind == "json_invalid":
        return InvalidInput("request body is not valid JSON", None)
    if kind == "extra_forbidden":
        return InvalidInput(f"unknown field {field}", field)
    if kind == "missing":
        return InvalidInput(f"field {field} is required", field)
    return InvalidInput(f"{field}: {first['msg']}", field)


def authenticate(request: Request) -> StaffIdentity:
    header = request.headers.get("authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("a bearer token is required", "Authorization")
    return api().tokens.verify(token.strip())


def staff_route(
    blueprint: Blueprint,
    path: str,
    method: str,
    role: Role,
    *,
    summary: str | None = None,
    tag: str | None = None,
    request: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    content_type: str = JSON,
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Register a staff route: authenticate, require ``role``, map domain errors, and record the
    operation in the OpenAPI document.

    The keywords only document the route (the view still parses its own input): ``request`` is
    the JSON body model, ``query`` the query-string model, ``response`` the body returned with
    ``status``; ``content_type`` is the body's. ``summary`` defaults to the view's docstring
    first line (else its name) and ``tag`` to the view's module, its resource group.
    """

    def decorator(view: Callable[..., Response]) -> Callable[..., Response]:
        doc = inspect.getdoc(view) or view.__name__.replace("_", " ").capitalize()
        openapi.register(
            openapi.Operation(
                path=path,
                method=method.upper(),
                operation_id=view.__name__,
                summary=summary or doc.splitlines()[0],
                tag=tag or view.__module__.rpartition(".")[2],
                role=role,
                request=request,
                query=query,
                response=response,
                status=status,
            )
        )

        @functools.wraps(view)
        def handler(**path_params: str) -> Response:
            request = blueprint.current_request
            try:
                identity = authenticate(request)
                identity.require(role)
                logger.append_keys(staff=identity.subject, role=identity.role.value)
                return view(request, identity, **path_params)
            except DomainError as error:
                return from_domain_error(error)

        blueprint.route(path, methods=[method], content_types=[content_type])(handler)
        return handler

    return decorator


def correlation_id(request: Request) -> str:
    given = request.headers.get(CORRELATION_HEADER.lower()) or ""
    if 8 <= len(given) <= 64 and given.replace("-", "").isalnum():
        return given
    return request.context.get("requestId") or str(uuid.uuid4())


def request_context(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """Middleware: correlation id on every log line and response; one error shape."""
    cid = correlation_id(event)
    logger.set_correlation_id(cid)
    response = get_response(event)
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and "Code" in body:
        status = response.status_code
        code = "internal_error" if status >= 500 else str(body["Code"])
        message = "internal error" if status >= 500 else str(body.get("Message", ""))
        response = error_response(code, message, None, status)
    response.headers[CORRELATION_HEADER] = cid
    logger.info(
        "request",
        extra={"path": event.path, "method": event.method, "status": response.status_code},
    )
    return response
