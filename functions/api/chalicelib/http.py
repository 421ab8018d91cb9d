"""HTTP plumbing shared by every route: identity, input parsing, one error shape, correlation.

Every error leaves as ``{"error": {"code", "message", "field"}}``; an invalid request's error also
lists every invalid field, ``"errors": [{"field", "message"}]`` (``field`` and ``message`` are the
first of them). Domain errors are mapped to a status by type here and nowhere else; Chalice's own
errors (405, an unknown route, 500) are rewritten into the same shape, with our codes, by
:class:`RequestContext`.

A route is a view under :func:`staff_route`, whose signature is its contract: a parameter named
``body`` is the JSON body parsed into the model it is annotated with (``bytes``, or
``Annotated[bytes, <its JSON Schema>]``: the raw body),
``query`` the query string parsed into its model, a path parameter is validated as its annotation
says (``str``: any text), and a return annotation ``Reply[Model]`` documents the success
response. The models are found from the annotations at the route's first request (or when the
OpenAPI document is built), not at import: a cold start builds only the models its request uses.

A request is authenticated before anything else is read (its content type, its body), and then
all of its input is checked at once: one 400 names every invalid field.
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
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from chalice import Blueprint, Chalice, Response
from chalice.app import Request

from chalicelib import openapi
from chalicelib.composition import account_services, api, numbering
from civiq.core.errors import (
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    Problems,
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
ANY_CONTENT_TYPE = "*/*"
AUTHENTICATION_REQUIRED = "authentication required"
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
# Our code for each status Chalice answers by itself (its own codes, such as
# MethodNotAllowedError, never reach a client).
CODE_BY_STATUS = {
    400: "invalid_input",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
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


def error_response(
    code: str, message: str, field: str | None, status: int, headers: dict[str, str] | None = None
) -> Response:
    return json_response(
        {"error": {"code": code, "message": message, "field": field}}, status, headers
    )


def status_of(error: DomainError) -> int:
    statuses = dict(STATUS_BY_ERROR)
    for (module, name), status in STATUS_BY_LATE_ERROR.items():
        if module in sys.modules:
            statuses[getattr(sys.modules[module], name)] = status
    return next(s for kind, s in statuses.items() if isinstance(error, kind))


def from_domain_error(error: DomainError) -> Response:
    status = status_of(error)
    body: dict[str, Any] = {"code": error.code, "message": error.message, "field": error.field}
    if isinstance(error, InvalidInput):
        body["errors"] = [{"field": e.field, "message": e.message} for e in error.errors]
    if isinstance(error, VersionConflict):
        body["current_version"] = error.current_version
    response = json_response({"error": body}, status)
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def media_type(request: Request) -> str:
    return (request.headers.get("content-type") or JSON).split(";")[0].strip().lower()


def raw_body(request: Request, expected_type: str, max_bytes: int) -> bytes:
    """The body, if it is of ``expected_type`` and at most ``max_bytes`` long."""
    raw = request.raw_body or b""
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"request body is larger than {max_bytes} bytes")
    if media_type(request) != expected_type:
        raise UnsupportedMediaType(f"request body must be {expected_type}")
    return raw


def parse_json(raw: bytes, model: type[Model]) -> Model:
    from pydantic import ValidationError

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
    """Every problem pydantic found, each named by its field's path."""
    return InvalidInput.of(field_error(error) for error in exc.errors())


def field_error(error: Any) -> FieldError:
    field = ".".join(str(part) for part in error["loc"]) or None
    kind = error["type"]
    if kind == "json_invalid":
        return FieldError(None, "request body is not valid JSON")
    if kind == "extra_forbidden":
        return FieldError(field, f"unknown field {field}")
    if kind == "missing":
        return FieldError(field, f"field {field} is required", kind)
    limits = tuple(
        (name, str(value))
        for name, value in (error.get("ctx") or {}).items()
        if isinstance(value, (int, float, str, Decimal))
    )
    message = f"{field}: {error['msg']}" if field else error["msg"]
    return FieldError(field, message, kind, limits)


def authenticate(request: Request) -> StaffIdentity:
    """The caller's identity. Whatever check fails, the client is told only that
    authentication is required; why goes to the log."""
    header = request.headers.get("authorization") or ""
    scheme, _, token = header.partition(" ")
    try:
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("no bearer token")
        return api().tokens.verify(token.strip())
    except Unauthorized as refused:
        logger.info("authentication failed", extra={"reason": refused.message})
        raise Unauthorized(AUTHENTICATION_REQUIRED, "Authorization") from None


@dataclass(frozen=True)
class Header:
    """A required request header, checked with the rest of the request's input and documented
    in the OpenAPI document (with the errors its use can lead to)."""

    name: str
    pattern: str
    description: str
    statuses: Mapping[int, str] = field(default_factory=dict)

    def __call__(self, request: Request) -> str:
        value = (request.headers.get(self.name.lower()) or "").strip()
        if not value:
            raise InvalidInput(f"the {self.name} header is required: {self.description}", self.name)
        if not re.fullmatch(self.pattern, value):
            raise InvalidInput(f"{self.name} is {self.description}", self.name)
        return value

    def parameter(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "in": "header",
            "required": True,
            "description": self.description[0].upper() + self.description[1:] + ".",
            "schema": {"type": "string", "pattern": f"^{self.pattern}$"},
        }


def account_reference() -> Any:
    """An account's id, or its account number as this municipality prints or types it."""
    from pydantic import AfterValidator, WithJsonSchema
    from pydantic_core import PydanticCustomError

    from civiq.accounts.services.find_account import is_account_id

    scheme = numbering()
    example = scheme.display(scheme.number_for(1))

    def check(text: str) -> str:
        if not (is_account_id(text) or scheme.well_formed(text)):
            raise PydanticCustomError(
                "account_reference",
                f"must be an account id (26 capital letters and digits) or an account number "
                f"like {example}",
            )
        return text

    schema = {
        "type": "string",
        "pattern": f"^(?:[0-9A-Z]{{26}}|{scheme.pattern()})$",
        "description": f"The account's id, or its account number ({example} or "
        f"{example.replace('-', '')})",
    }
    return typing.Annotated[str, AfterValidator(check), WithJsonSchema(schema)]


def account_numbers_as_configured(document: dict[str, Any]) -> None:
    """Every account number field of the document takes this municipality's numbers, whose
    check digit (Luhn) no pattern states: ``x-check-digit``."""
    pattern = f"^{numbering().pattern()}$"
    for node in openapi.nodes(document):
        if node.pop("x-account-number", False):
            node.update({"pattern": pattern, "x-check-digit": "luhn"})


openapi.refine(account_numbers_as_configured)


def check_digit_matches(reference: str) -> None:
    """A well-formed account number whose check digit does not match names no account: 404
    (a typo, most likely), like a number no account has. No pattern in the OpenAPI document
    can tell which check digits match, so this is not a 400."""
    from civiq.accounts.services.find_account import is_account_id

    if is_account_id(reference):
        return
    try:
        numbering().normalize(reference, "id")
    except InvalidInput:
        raise NotFound(
            f"no account has the number {reference}: its check digit does not match (a typo?)",
            "id",
        ) from None


class View:
    """What a view's signature asks for, by parameter name: ``request``, ``staff`` (the
    authenticated identity), ``body`` and ``query`` (parsed into their annotated models), the
    path's parameters (validated as annotated), and the values of ``inject``, taken from the
    request (a required header, say)."""

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
        self.path_params = re.findall(r"\{(\w+)\}", path)
        self.under_account = path.startswith(ACCOUNT_PATH)
        known = {*self.PROVIDED, *self.path_params, *self.inject}
        unknown = [name for name in self.names if name not in known]
        missing = [name for name in (*self.path_params, *self.inject) if name not in self.names]
        if unknown or missing:
            raise TypeError(
                f"{view.__qualname__}: unknown parameters {unknown}, missing parameters {missing}"
            )

    @functools.cached_property
    def models(self) -> openapi.Models:
        """The body, query, path and response models, from the view's annotations (evaluated
        in its module, which imports its schemas when they are first read)."""
        hints = inspect.get_annotations(self.view, eval_str=True)
        returned = hints.get("return")
        origin = typing.get_origin(returned)
        response = (
            typing.get_args(returned)[0]
            if isinstance(origin, type) and issubclass(origin, Response)
            else None
        )
        path = {name: hints.get(name, str) for name in self.path_params}
        if self.under_account:
            path["id"] = account_reference()
        body = hints["body"] if "body" in self.names else None
        body_schema: Mapping[str, Any] = {}
        if typing.get_origin(body) is typing.Annotated:  # raw content: Annotated[bytes, schema]
            body, body_schema = typing.get_args(body)
        return openapi.Models(
            body=body,
            body_schema=body_schema,
            query=hints["query"] if "query" in self.names else None,
            response=response,
            path={name: kind for name, kind in path.items() if kind is not str},
            headers=tuple(
                extract.parameter()
                for extract in self.inject.values()
                if isinstance(extract, Header)
            ),
            statuses={
                status: meaning
                for extract in self.inject.values()
                if isinstance(extract, Header)
                for status, meaning in extract.statuses.items()
            },
        )

    def resolve(self) -> openapi.Models:
        return self.models

    def arguments(
        self,
        request: Request,
        staff: StaffIdentity,
        path_params: Mapping[str, str],
        content_type: str,
    ) -> dict[str, Any]:
        """The view's arguments; raises one InvalidInput naming every invalid field of the
        path, the headers, the query and the body."""
        models = self.models
        body = models.body
        raw = None
        if body is not None:  # its content type and size are checked before its fields
            raw = raw_body(request, content_type, api().settings.max_body_bytes)
        values: dict[str, Any] = {"request": request, "staff": staff, **path_params}
        problems = Problems()
        for name, kind in models.path.items():
            with problems.collect():
                values[name] = parse_value(kind, name, path_params[name])
        for name, extract in self.inject.items():
            with problems.collect():
                values[name] = extract(request)
        if models.query is not None:
            with problems.collect():
                values["query"] = parse_query(request, models.query)
        if body is bytes:
            values["body"] = raw
        elif body is not None:
            model = typing.cast("type[BaseModel]", body)
            with problems.collect():
                values["body"] = parse_json(raw or b"", model)
        problems.check()
        return {name: values[name] for name in self.names}


def parse_value(kind: Any, name: str, text: str) -> Any:
    """A path parameter as its annotation says."""
    from pydantic import TypeAdapter, ValidationError

    try:
        return TypeAdapter(kind).validate_strings(text)
    except ValidationError as exc:
        raise InvalidInput.of(
            field_error({**error, "loc": (name,)}) for error in exc.errors()
        ) from exc


def staff_route(
    blueprint: Blueprint,
    path: str,
    method: str,
    role: Role,
    *,
    summary: str | None = None,
    tag: str | None = None,
    status: int = 200,
    also: Mapping[int, str] | None = None,
    content_type: str = JSON,
    inject: Mapping[str, Callable[[Request], Any]] | None = None,
    finds_account: bool = False,
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Register a staff route: authenticate, require ``role``, parse what the view's signature
    asks for (see :class:`View`), map domain errors, and record the operation in the OpenAPI
    document.

    ``status`` is the documented success status, ``also`` other success statuses with what they
    mean (the same request again, say); ``content_type`` is the request body's. ``summary``
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
                description=doc,
                tag=tag or view.__module__.rpartition(".")[2],
                role=role,
                status=status,
                also=dict(also or {}),
                content_type=content_type,
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
                arguments = signature.arguments(request, identity, path_params, content_type)
                if signature.under_account:
                    check_digit_matches(arguments["id"])
                if resolves_account:
                    arguments["id"] = account_services().find_account.id_of(arguments["id"])
                return view(**arguments)
            except DomainError as error:
                return from_domain_error(error)

        # Chalice would refuse another content type before the view, so before the token is
        # checked: any is let through, and the view's own (if it takes a body) is checked after.
        blueprint.route(path, methods=[method], content_types=[ANY_CONTENT_TYPE])(handler)
        return handler

    return decorator


def correlation_id(request: Request) -> str:
    given = request.headers.get(CORRELATION_HEADER.lower()) or ""
    if 8 <= len(given) <= 64 and given.replace("-", "").isalnum():
        return given
    return request.context.get("requestId") or str(uuid.uuid4())


class RequestContext:
    """Middleware: correlation id on every log line and response; one error shape.

    Log keys are the request's own: kept per thread (the local stack serves requests on
    threads; a warm Lambda reuses the logger) and cleared first, so a line never names the
    previous request's caller or correlation id.

    What Chalice answers by itself is rewritten into our shape with our codes: a method the
    route does not have (405, with ``Allow``), a route the app does not have (404: Chalice would
    fail), and any unhandled error (500, logged; the client learns nothing of it).
    """

    def __init__(self, app: Chalice) -> None:
        self.app = app

    def __call__(self, event: Request, get_response: Callable[[Request], Response]) -> Response:
        cid = correlation_id(event)
        logger.thread_safe_clear_keys()
        logger.thread_safe_append_keys(correlation_id=cid)
        if event.context.get("resourcePath") not in self.app.routes:
            response = error_response("not_found", "no such route", None, 404)
        else:
            try:
                response = ours(get_response(event))
            except Exception:
                logger.exception("unhandled error")
                response = error_response("internal_error", "internal error", None, 500)
        response.headers[CORRELATION_HEADER] = cid
        logger.info(
            "request",
            extra={"path": event.path, "method": event.method, "status": response.status_code},
        )
        return response


def ours(response: Response) -> Response:
    """A response of Chalice's own (``{"Code", "Message"}``) in our error shape."""
    body = response.body
    if response.status_code < 400 or not (isinstance(body, dict) and "Code" in body):
        return response
    status = response.status_code
    if status >= 500:
        return error_response("internal_error", "internal error", None, status)
    headers = {k: v for k, v in response.headers.items() if k.lower() == "allow"}
    code = CODE_BY_STATUS.get(status, "invalid_input")
    return error_response(code, str(body.get("Message", "")), None, status, headers)
