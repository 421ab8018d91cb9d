"""HTTP plumbing shared by every route: identity, body parsing, one error shape, correlation.

Every error leaves as ``{"error": {"code", "message", "field"}}``. Domain errors are mapped to a
status by type here and nowhere else; Chalice's own errors (415, 405, 500) are rewritten into the
same shape by :func:`request_context`.

A route is a view under :func:`staff_route`, whose signature is its contract: a parameter named
``body`` is the JSON body parsed into the model it is annotated with, ``query`` the query string
parsed into its model, and a return annotation ``Reply[Model]`` documents the success response.
The models are found from the annotations at the route's first request (or when the OpenAPI
document is built), not at import: a cold start builds only the models its request uses.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
import sys
import typing
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from chalice import Blueprint, Response
from chalice.app import Request

from chalicelib import openapi
from chalicelib.composition import account_services, api
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

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

logger = Logger(service="civiq-api")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})
CORRELATION_HEADER = "X-Correlation-Id"
ACCOUNT_PATH = "/api/v1/utility/accounts/{id}"
JSON = "application/json"
Model = TypeVar("Model", bound="BaseModel")
Body = TypeVar("Body")


class PayloadTooLarge(DomainError):
    code = "payload_too_large"


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"


STATUS_BY_ERROR: dict[type[DomainError], int] = {
    InvalidInput: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
}
# Errors declared by modules that a route group loads at its first request, not the app at
# import (Powertools' idempotency, for payments): mapped by type as well, once their module is
# loaded, which it is whenever one of them is raised.
STATUS_BY_LATE_ERROR: dict[tuple[str, str], int] = {
    ("civiq.platform.idempotency", "IdempotencyKeyReused"): 422,
}


class Reply(Response, Generic[Body]):
    """A JSON response of ``Body``; as a view's return annotation (``Reply[AccountResponse]``)
    it documents the route's success response."""


def json_response(
    body: Body, status: int = 200, headers: dict[str, str] | None = None
) -> Reply[Body]:
    from pydantic import BaseModel

    payload = body.model_dump_json() if isinstance(body, BaseModel) else json.dumps(body)
    return Reply(
        body=payload, status_code=status, headers={"Content-Type": JSON, **(headers or {})}
    )


def error_response(code: str, message: str, field: str | None, status: int) -> Response:
    return json_response({"error": {"code": code, "message": message, "field": field}}, status)


def status_of(error: DomainError) -> int:
    statuses = dict(STATUS_BY_ERROR)
    for (module, name), status in STATUS_BY_LATE_ERROR.items():
        if module in sys.modules:
            statuses[getattr(sys.modules[module], name)] = status
    return next(s for kind, s in statuses.items() if isinstance(error, kind))


def from_domain_error(error: DomainError) -> Response:
    status = status_of(error)
    body: dict[str, Any] = {"code": error.code, "message": error.message, "field": error.field}
    if isinstance(error, VersionConflict):
        body["current_version"] = error.current_version
    response = json_response({"error": body}, status)
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def parse_body(request: Request, model: type[Model], max_bytes: int) -> Model:
    from pydantic import ValidationError

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
    from pydantic import ValidationError

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


class View:
    """What a view's signature asks for, by parameter name: ``request``, ``staff`` (the
    authenticated identity), ``body`` and ``query`` (parsed into their annotated models), the
    path's parameters, and the values of ``inject``, taken from the request before the query
    and the body are parsed (a required header, say)."""

    PROVIDED = ("request", "staff", "body", "query")

    def __init__(
        self,
        view: Callable[..., Response],
        path: str,
        inject: Mapping[str, Callable[[Request], Any]],
    ) -> None:
        self.view = view
        self.inject = dict(inject)
        self.names = list(inspect.signature(view).parameters)
        path_params = re.findall(r"\{(\w+)\}", path)
        known = {*self.PROVIDED, *path_params, *self.inject}
        unknown = [name for name in self.names if name not in known]
        missing = [name for name in (*path_params, *self.inject) if name not in self.names]
        if unknown or missing:
            raise TypeError(
                f"{view.__qualname__}: unknown parameters {unknown}, missing parameters {missing}"
            )

    @functools.cached_property
    def models(self) -> openapi.Models:
        """The body, query and response models, from the view's annotations (evaluated in its
        module, which imports its schemas when they are first read)."""
        hints = inspect.get_annotations(self.view, eval_str=True)
        returned = hints.get("return")
        origin = typing.get_origin(returned)
        response = (
            typing.get_args(returned)[0]
            if isinstance(origin, type) and issubclass(origin, Response)
            else None
        )
        return openapi.Models(
            body=hints["body"] if "body" in self.names else None,
            query=hints["query"] if "query" in self.names else None,
            response=response,
        )

    def resolve(self) -> openapi.Models:
        return self.models

    def arguments(
        self, request: Request, staff: StaffIdentity, path_params: dict[str, str]
    ) -> dict[str, Any]:
        values: dict[str, Any] = {"request": request, "staff": staff, **path_params}
        values.update((name, extract(request)) for name, extract in self.inject.items())
        models = self.models
        if models.query is not None:
            values["query"] = parse_query(request, models.query)
        if models.body is not None:
            values["body"] = parse_body(request, models.body, api().settings.max_body_bytes)
        return {name: values[name] for name in self.names}


def staff_route(
    blueprint: Blueprint,
    path: str,
    method: str,
    role: Role,
    *,
    summary: str | None = None,
    tag: str | None = None,
    status: int = 200,
    content_type: str = JSON,
    inject: Mapping[str, Callable[[Request], Any]] | None = None,
    finds_account: bool = False,
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Register a staff route: authenticate, require ``role``, parse what the view's signature
    asks for (see :class:`View`), map domain errors, and record the operation in the OpenAPI
    document.

    ``status`` is the documented success status; ``content_type`` the body's. ``summary``
    defaults to the view's docstring first line (else its name) and ``tag`` to the view's
    module, its resource group.

    Every route under an account (``/accounts/{id}...``) takes its id or its account number: a
    number is resolved to the id before the view runs, unless the view ``finds_account`` itself
    (by id or number, in one read).
    """
    resolves_account = path.startswith(ACCOUNT_PATH) and not finds_account

    def decorator(view: Callable[..., Response]) -> Callable[..., Response]:
        signature = View(view, path, inject or {})
        doc = inspect.getdoc(view) or view.__name__.replace("_", " ").capitalize()
        openapi.register(
            openapi.Operation(
                path=path,
                method=method.upper(),
                operation_id=view.__name__,
                summary=summary or doc.splitlines()[0],
                tag=tag or view.__module__.rpartition(".")[2],
                role=role,
                status=status,
                models=signature.resolve,
            )
        )

        @functools.wraps(view)
        def handler(**path_params: str) -> Response:
            request = blueprint.current_request
            try:
                identity = authenticate(request)
                identity.require(role)
                logger.thread_safe_append_keys(staff=identity.subject, role=identity.role.value)
                if resolves_account:
                    path_params["id"] = account_services().find_account.id_of(path_params["id"])
                return view(**signature.arguments(request, identity, path_params))
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
    """Middleware: correlation id on every log line and response; one error shape.

    Log keys are the request's own: kept per thread (the local stack serves requests on
    threads; a warm Lambda reuses the logger) and cleared first, so a line never names the
    previous request's caller or correlation id.
    """
    cid = correlation_id(event)
    logger.thread_safe_clear_keys()
    logger.thread_safe_append_keys(correlation_id=cid)
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
