"""Staff sessions of the console, and its sign-in and sign-out pages.

The session cookie (HttpOnly, SameSite=Lax, Secure over HTTPS) holds the staff member's
access token itself, and every page checks it with the API's own verifier, so a page knows
the same identity and role a JSON route would, and the session ends when the token does.
The gateway lets the pages through without its authorizer (it only reads Authorization
headers): the check is here, on every page.

In AWS (AUTH_MODE=cognito) staff sign in through the user pool's managed login
(:mod:`civiq.platform.staff_sign_in`). In the local stack (AUTH_MODE=local) a page lets one pick
a role and mints the local stack's token; that page answers 404 wherever tokens are Cognito's.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from chalice import Blueprint, Response

from chalicelib.composition import account_services, api
from chalicelib.console_composition import (
    CALLBACK,
    HOME,
    SIGNED_OUT,
    managed_login,
    pages,
    sign_ins,
)
from chalicelib.http import correlation_id, logger, status_of
from civiq.core.clock import SystemClock
from civiq.core.errors import DomainError, Forbidden, Unauthorized
from civiq.core.staff import Role, StaffIdentity
from civiq.platform.chalice_web import page_of, respond
from civiq.platform.web import (
    FORM,
    PageRequest,
    PageResponse,
    cookie,
    negotiate_language,
    redirect,
)

if TYPE_CHECKING:
    from pydantic import BaseModel

blueprint = Blueprint(__name__)
SESSION_COOKIE = "civiq_staff"
SIGN_IN_COOKIE = "civiq_staff_sign_in"
SIGN_IN = "/dashboard/sign-in"
LOCAL_SIGN_IN = "/dashboard/local-sign-in"
SIGN_OUT = "/dashboard/sign-out"
LOCAL_SESSION = timedelta(hours=8)  # a working day; a local token lives at most 24 h

# A page's view: (request, staff, **path parameters) -> the page.
PageView = Callable[..., PageResponse]
Query = TypeVar("Query", bound="BaseModel")
# What a page says when what it was asked for cannot be done (the domain's refusal by status).
MESSAGE_BY_STATUS = {
    403: "web.console_forbidden",
    404: "web.not_found",
    409: "web.console_conflict",
}


def query_of(request: PageRequest, model: type[Query], page_own: tuple[str, ...] = ()) -> Query:
    """The page's query string as ``model`` (the JSON route's own): a 400 page when invalid.
    ``lang`` and the page's ``page_own`` parameters (a notice to show) are not the model's."""
    from pydantic import ValidationError

    from chalicelib.http import invalid_input

    ignored = {"lang", *page_own}
    try:
        # A GET form sends its fields left empty ("status="): those are not asked for.
        asked = {
            name: value
            for name, value in request.query.items()
            if name not in ignored and value != ""
        }
        return model.model_validate_strings(asked)
    except ValidationError as exc:
        raise invalid_input(exc) from exc


def staff_of(request: PageRequest) -> StaffIdentity | None:
    """The staff member whose live access token the session cookie holds."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return api().tokens.verify(token)
    except Unauthorized as refused:
        logger.info("console session refused", extra={"reason": refused.message})
        return None


def console_page(
    pages_of: Blueprint, path: str, role: Role, method: str = "GET"
) -> Callable[[PageView], Callable[..., Response]]:
    """Register a page of ``pages_of`` needing ``role``: without a session, to the sign-in
    (and back here after it); with too low a role, a 403 page; a posted form without its CSRF
    token, a 403 page too (nothing is changed). What the domain refuses is a page with the
    JSON routes' status (404, 400, 409); anything else that fails is logged and answered with a
    500 page."""

    def decorator(view: PageView) -> Callable[..., Response]:
        @functools.wraps(view)
        def handler(**params: str) -> Response:
            request = page_of(pages_of.current_request)
            staff = staff_of(request)
            if staff is None:
                back = request.path if method == "GET" else HOME
                return respond(redirect(request.link(SIGN_IN, next=back)))
            try:
                staff.require(role)
            except Forbidden:
                return respond(pages().message(request, "web.console_forbidden", 403))
            if method == "POST" and not pages().csrf.valid(request):
                return respond(pages().message(request, "web.forbidden", 403))
            logger.thread_safe_append_keys(staff=staff.subject, role=staff.role.value)
            try:
                return respond(view(request, staff, **params))
            except DomainError as error:
                status = status_of(error)
                return respond(
                    pages().message(
                        request, MESSAGE_BY_STATUS.get(status, "web.console_invalid"), status
                    )
                )
            except Exception:
                # As the API's middleware would (the correlation id is on the line), but answered
                # as a page in the reader's language rather than the JSON routes' 500.
                logger.exception("unhandled error")
                return respond(pages().message(request, "web.console_error", 500))

        options: dict[str, Any] = {"methods": [method]}
        if method == "POST":
            options["content_types"] = [FORM]
        pages_of.route(path, **options)(handler)
        return handler

    return decorator


def session_cookie(request: PageRequest, token: str, seconds: int) -> str:
    return cookie(SESSION_COOKIE, token, secure=request.secure, max_age=seconds)


def not_found(request: PageRequest) -> Response:
    return respond(pages().message(request, "web.not_found", 404))


@blueprint.route(SIGN_IN, methods=["GET"])
def sign_in() -> Response:
    """To the managed login (AWS) or the local sign-in page, coming back to ``next``."""
    from civiq.platform.staff_sign_in import ATTEMPT_MINUTES, console_path

    request = page_of(blueprint.current_request)
    back = console_path(request.query.get("next"), HOME)
    login = managed_login()
    if login is None:
        return respond(redirect(request.link(LOCAL_SIGN_IN, next=back)))
    attempt = sign_ins().begin(SystemClock().now(), back)
    pending = cookie(
        SIGN_IN_COOKIE, attempt.cookie_value, secure=request.secure, max_age=ATTEMPT_MINUTES * 60
    )
    target = login.authorize_url(attempt.state, attempt.verifier, negotiate_language(request))
    return respond(redirect(target, [pending]))


@blueprint.route(CALLBACK, methods=["GET"])
def auth_callback() -> Response:
    """The managed login's answer: the code swapped for tokens on the server, the access token
    checked, the session begun."""
    from civiq.platform.staff_sign_in import seconds_left

    request = page_of(blueprint.current_request)
    login = managed_login()
    if login is None:
        return not_found(request)
    done = cookie(SIGN_IN_COOKIE, "", secure=request.secure, max_age=0)
    now = SystemClock().now()
    try:
        verifier, back = sign_ins().finish(
            request.cookies.get(SIGN_IN_COOKIE), request.query.get("state", ""), now
        )
        code = request.query.get("code")
        if not code:
            raise Unauthorized(f"no code: {request.query.get('error', 'none given')}")
        token = login.exchange(code, verifier)
        staff = api().tokens.verify(token)
    except Unauthorized as refused:
        logger.info("console sign-in refused", extra={"reason": refused.message})
        answer = pages().message(request, "web.sign_in_failed", 401)
        answer.cookies.append(done)
        return respond(answer)
    logger.info("console sign-in", extra={"staff": staff.subject, "role": staff.role.value})
    record_session(request, staff, "ConsoleSignedIn", "managed-login")
    session = session_cookie(request, token, seconds_left(token, now))
    return respond(redirect(request.link(back), [done, session]))


@blueprint.route(LOCAL_SIGN_IN, methods=["GET"])
def local_sign_in_page() -> Response:
    from civiq.platform.staff_sign_in import console_path

    request = page_of(blueprint.current_request)
    if managed_login() is not None:
        return not_found(request)
    context = {
        "roles": [r.value for r in Role],
        "next": console_path(request.query.get("next"), HOME),
    }
    return respond(pages().render(request, "console_local_sign_in", context))


@blueprint.route(LOCAL_SIGN_IN, methods=["POST"], content_types=[FORM])
def local_sign_in() -> Response:
    """The local stack only: a session for the role picked, with the local stack's token."""
    from civiq.platform.staff_sign_in import console_path
    from civiq.platform.tokens import LocalTokens

    request = page_of(blueprint.current_request)
    tokens = api().tokens
    if managed_login() is not None or not isinstance(tokens, LocalTokens):
        return not_found(request)
    if not pages().csrf.valid(request):
        return respond(pages().message(request, "web.forbidden", 403))
    picked = request.form.get("role", "")
    if picked not in Role._value2member_map_:
        return respond(pages().message(request, "web.console_invalid", 400))
    role = Role(picked)
    token = tokens.mint(
        f"local-{role.value}-{uuid.uuid4()}", [role], SystemClock().now(), LOCAL_SESSION
    )
    record_session(request, tokens.verify(token), "ConsoleSignedIn", "local")
    session = session_cookie(request, token, int(LOCAL_SESSION.total_seconds()))
    back = console_path(request.form.get("next"), HOME)
    return respond(redirect(request.link(back), [session]))


@blueprint.route(SIGN_OUT, methods=["POST"], content_types=[FORM])
def sign_out() -> Response:
    """The session forgotten here, and (AWS) the managed login's own too."""
    request = page_of(blueprint.current_request)
    if not pages().csrf.valid(request):
        return respond(pages().message(request, "web.forbidden", 403))
    staff = staff_of(request)
    if staff is not None:
        record_session(request, staff, "ConsoleSignedOut", "console")
    gone = session_cookie(request, "", 0)
    login = managed_login()
    target = login.logout_url() if login else request.link(SIGNED_OUT)
    return respond(redirect(target, [gone]))


def record_session(request: PageRequest, staff: StaffIdentity, action: str, via: str) -> None:
    """A staff member's sign-in or sign-out on their own history (``STAFF#<subject>``)."""
    from civiq.core.audit import AuditEntry
    from civiq.core.ids import UlidGenerator

    entry = AuditEntry(
        entry_id=UlidGenerator().new_id(),
        subject_id=f"STAFF#{staff.subject}",
        action=action,
        actor_subject=staff.subject,
        actor_role=staff.role.value,
        occurred_at=SystemClock().now(),
        correlation_id=correlation_id(blueprint.current_request),
        detail={"via": via, "client": request.client_ip},
    )
    account_services().history.record(entry)


@blueprint.route(SIGNED_OUT, methods=["GET"])
def signed_out() -> Response:
    request = page_of(blueprint.current_request)
    return respond(pages().render(request, "console_signed_out", {}))
