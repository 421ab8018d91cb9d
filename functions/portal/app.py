"""The resident portal (Chalice): server-rendered, bilingual pages on the same API Gateway as
the staff API, in a function of its own so that a resident's page never pays the staff API's
cold start (it imports the portal's wiring and the templates, nothing else).

A resident looks up their account (number and postal code): the portal then keeps the
account in a signed session cookie (HttpOnly, SameSite=Lax, sliding expiry) and shows its
pages. Every form carries a CSRF token; every page the strict CSP of
:mod:`civiq.platform.web`. Every journey works without JavaScript.
"""

from __future__ import annotations

import math
import uuid
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chalice import Chalice, Response

from civiq.core.errors import Conflict, InvalidInput, NotFound
from civiq.platform.chalice_web import page_of, respond
from civiq.platform.web import (
    CsrfTokens,
    PageRequest,
    PageResponse,
    Pages,
    Signer,
    cookie,
    expires,
    negotiate_language,
    redirect,
)

if TYPE_CHECKING:
    from civiq.portal.config import PortalSettings
    from civiq.portal.wiring import PortalServices
    from civiq.service_requests.wiring import ServiceRequestServices

app = Chalice(app_name="civiq-portal")
FORM = ["application/x-www-form-urlencoded"]
SESSION_COOKIE = "civiq_portal"
ASSETS = {"site.css": "text/css; charset=utf-8"}


@cache
def settings() -> PortalSettings:
    from civiq.portal.config import PortalSettings

    return PortalSettings()  # read from the environment


@cache
def services() -> PortalServices:
    from civiq.portal.wiring import portal_services

    return portal_services(settings())


@cache
def service_requests() -> ServiceRequestServices:
    """A resident's service requests; collections' casework is built at the first billing
    dispute (it pauses the account's collection case)."""
    from civiq.collections.wiring import casework
    from civiq.service_requests.wiring import service_request_services

    config = settings()
    return service_request_services(config, cache(lambda: casework(config)))


@cache
def signing_key() -> bytes:
    from civiq.platform.secrets import secret

    config = settings()
    value = secret(config.portal_session_secret_id, config.aws_region, config.aws_endpoint_url)
    return value.current().encode()


def sessions() -> Signer:
    return Signer(signing_key(), "portal-session")


def csrf_tokens() -> CsrfTokens:
    return CsrfTokens(signing_key())


@cache
def pages() -> Pages:
    return Pages(services().templates, csrf_tokens(), settings().municipality_name, "/portal")


def clear() -> None:
    """Forget everything built (tests start each app from its environment)."""
    settings.cache_clear()
    services.cache_clear()
    service_requests.cache_clear()
    signing_key.cache_clear()
    pages.cache_clear()


def current() -> PageRequest:
    return page_of(app.current_request)


def render(
    request: PageRequest,
    template: str,
    context: dict[str, object],
    status: int = 200,
    cookies: list[str] | None = None,
) -> PageResponse:
    return pages().render(request, template, context, status, cookies or [])


def message_page(request: PageRequest, key: str, status: int) -> PageResponse:
    return pages().message(request, key, status)


def session_account(request: PageRequest) -> str | None:
    from civiq.core.clock import SystemClock

    found = sessions().verify(request.cookies.get(SESSION_COOKIE), SystemClock().now())
    account_id = found.get("account") if found else None
    return account_id if isinstance(account_id, str) else None


def session_cookie(request: PageRequest, account_id: str) -> str:
    from civiq.core.clock import SystemClock

    minutes = settings().portal_session_minutes
    token = sessions().sign({"account": account_id}, expires(SystemClock().now(), minutes))
    return cookie(SESSION_COOKIE, token, secure=request.secure, max_age=minutes * 60)


def signed_in(view: Any) -> Any:
    """A page of a looked-up account: without a live session, back to the lookup; with one,
    the session's expiry slides forward."""

    def page_of_account(**params: str) -> Response:
        request = current()
        account_id = session_account(request)
        if account_id is None:
            return respond(redirect(request.link("/portal", expired="1")))
        answer: PageResponse = view(request, account_id, **params)
        answer.cookies.append(session_cookie(request, account_id))
        return respond(answer)

    page_of_account.__name__ = view.__name__
    return page_of_account


@app.route("/portal", methods=["GET"])
def lookup_page() -> Response:
    request = current()
    catalogs = services().templates.catalogs
    language = negotiate_language(request)
    notice = None
    if request.query.get("expired") == "1":
        notice = catalogs.message(language, "portal.expired", {})
    elif request.query.get("signed_out") == "1":
        notice = catalogs.message(language, "portal.signed_out", {})
    return respond(render(request, "portal_lookup", _lookup_context({}, notice=notice)))


@app.route("/portal", methods=["POST"], content_types=FORM)
def look_up() -> Response:
    from civiq.portal.domain.lookup import LookupMatched, LookupThrottled

    request = current()
    if not csrf_tokens().valid(request):
        return respond(message_page(request, "web.forbidden", 403))
    language = negotiate_language(request)
    catalogs = services().templates.catalogs
    example = _example_number()
    try:
        outcome = services().look_up(
            request.form.get("account_number", ""),
            request.form.get("postal_code", ""),
            request.client_ip,
            str(uuid.uuid4()),
        )
    except InvalidInput as invalid:
        fields = {e.field for e in invalid.errors} & {"account_number", "postal_code"}
        errors = [
            {
                "field": field,
                "message": catalogs.message(
                    language, f"portal.error.{field}", {"example": example}
                ),
            }
            for field in ("account_number", "postal_code")
            if field in fields
        ]
        context = _lookup_context(request.form, errors=errors)
        return respond(render(request, "portal_lookup", context, 400))
    if isinstance(outcome, LookupMatched):
        return respond(
            redirect(request.link("/portal/account"), [session_cookie(request, outcome.account_id)])
        )
    if isinstance(outcome, LookupThrottled):
        minutes = max(1, math.ceil(outcome.retry_after.total_seconds() / 60))
        text = catalogs.message(language, "portal.throttled", {"minutes": minutes})
        context = _lookup_context(request.form, errors=[{"field": None, "message": text}])
        answer = render(request, "portal_lookup", context, 429)
        answer.headers["Retry-After"] = str(math.ceil(outcome.retry_after.total_seconds()))
        return respond(answer)
    text = catalogs.message(language, "portal.refused", {})
    context = _lookup_context(request.form, errors=[{"field": "account_number", "message": text}])
    return respond(render(request, "portal_lookup", context, 200))


def _example_number() -> str:
    numbering = services().numbering
    return numbering.display(numbering.number_for(42))


def _lookup_context(
    form: Any, errors: list[dict[str, Any]] | None = None, notice: str | None = None
) -> dict[str, object]:
    found = errors or []
    return {
        # A refused lookup keeps the number typed (a resident corrects a digit), never the
        # postal code.
        "form": {"account_number": dict(form).get("account_number", "")},
        "errors": found,
        "field_errors": {e["field"]: e["message"] for e in found if e["field"]},
        "example_number": _example_number(),
        "notice": notice,
    }


@app.route("/portal/account", methods=["GET"])
@signed_in
def account_page(request: PageRequest, account_id: str) -> PageResponse:
    from civiq.billing.services.statement_document import usage_chart

    overview = services().overview(account_id)
    return render(
        request,
        "portal_account",
        {"account": overview, "chart": usage_chart(overview.usage), "section": "account"},
    )


@app.route("/portal/statements/{statement_id}", methods=["GET"])
@signed_in
def statement_page(request: PageRequest, account_id: str, statement_id: str) -> PageResponse:
    try:
        explained = services().explain_bill(account_id, statement_id)
    except NotFound:
        return message_page(request, "web.not_found", 404)
    return render(request, "portal_statement", {**explained, "section": "account"})


@app.route("/portal/statements/{statement_id}/pdf", methods=["GET"])
@signed_in
def statement_document(request: PageRequest, account_id: str, statement_id: str) -> PageResponse:
    try:
        return redirect(services().statement_link(account_id, statement_id))
    except NotFound:
        return message_page(request, "web.not_found", 404)
    except Conflict:
        return message_page(request, "portal.document_not_ready", 409)


@app.route("/portal/sign-out", methods=["POST"], content_types=FORM)
def sign_out() -> Response:
    request = current()
    if not csrf_tokens().valid(request):
        return respond(message_page(request, "web.forbidden", 403))
    gone = cookie(SESSION_COOKIE, "", secure=request.secure, max_age=0)
    return respond(redirect(request.link("/portal", signed_out="1"), [gone]))


@app.route("/assets/{name}", methods=["GET"])
def asset(name: str) -> Response:
    """The pages' style sheet (and later their scripts), cached by browsers for a day."""
    from civiq.platform.catalogs import default_templates_dir

    if name not in ASSETS:
        return respond(message_page(current(), "web.not_found", 404))
    directory = settings().templates_dir or default_templates_dir()
    body = (Path(directory) / "web" / "static" / name).read_text("utf-8")
    return Response(
        body=body,
        status_code=200,
        headers={
            "Content-Type": ASSETS[name],
            "Cache-Control": "public, max-age=86400",
            "X-Content-Type-Options": "nosniff",
        },
    )


REQUEST_FIELDS = ("kind", "statement_id", "subject", "description", "text")
REQUESTS_SHOWN = 50
STATEMENTS_OFFERED = 13  # the statements a billing dispute may name: about two years


def _field_errors(request: PageRequest, invalid: InvalidInput) -> list[dict[str, Any]]:
    """Each invalid field of a form, in the page's language (the form's own order)."""
    catalogs = services().templates.catalogs
    language = negotiate_language(request)
    fields = {e.field for e in invalid.errors}
    return [
        {"field": field, "message": catalogs.message(language, f"portal.error.{field}", {})}
        for field in REQUEST_FIELDS
        if field in fields
    ]


def _resident() -> Any:
    from civiq.core.events import Actor
    from civiq.service_requests.domain.requests import RESIDENT_ROLE

    return Actor("resident", RESIDENT_ROLE)


@app.route("/portal/requests", methods=["GET"])
@signed_in
def requests_page(request: PageRequest, account_id: str) -> PageResponse:
    listed = service_requests().for_account(account_id, REQUESTS_SHOWN, None)
    return render(request, "portal_requests", {"requests": listed.items, "section": "requests"})


def _new_request_form(
    request: PageRequest, account_id: str, form: Any, errors: list[dict[str, Any]], status: int
) -> PageResponse:
    from civiq.service_requests.domain.requests import RequestKind

    return render(
        request,
        "portal_request_new",
        {
            "section": "requests",
            "kinds": [kind.value for kind in RequestKind],
            "statements": services().statements.recent(account_id, STATEMENTS_OFFERED),
            # One key per form shown: the same form sent twice opens one request.
            "request_key": dict(form).get("request_key") or uuid.uuid4().hex,
            "form": dict(form),
            "errors": errors,
            "field_errors": {e["field"]: e["message"] for e in errors if e["field"]},
        },
        status,
    )


@app.route("/portal/requests/new", methods=["GET"])
@signed_in
def new_request_page(request: PageRequest, account_id: str) -> PageResponse:
    return _new_request_form(request, account_id, {}, [], 200)


@app.route("/portal/requests", methods=["POST"], content_types=FORM)
@signed_in
def open_request(request: PageRequest, account_id: str) -> PageResponse:
    from civiq.service_requests.domain.requests import Asked, RequestKind

    if not csrf_tokens().valid(request):
        return message_page(request, "web.forbidden", 403)
    form = request.form
    try:
        kind = RequestKind(form.get("kind", ""))
    except ValueError:
        error = InvalidInput("choose what the request is about", "kind")
        return _new_request_form(request, account_id, form, _field_errors(request, error), 400)
    asked = Asked(
        account_id=account_id,
        request_key=form.get("request_key", ""),
        kind=kind,
        subject=form.get("subject", ""),
        description=form.get("description", ""),
        statement_id=form.get("statement_id") or None,
    )
    try:
        opened = service_requests().open(asked, _resident(), str(uuid.uuid4()))
    except InvalidInput as invalid:
        return _new_request_form(request, account_id, form, _field_errors(request, invalid), 400)
    except NotFound:  # a statement that is not this account's
        error = InvalidInput("not one of this account's statements", "statement_id")
        return _new_request_form(request, account_id, form, _field_errors(request, error), 400)
    return redirect(request.link(f"/portal/requests/{opened.request_id}", sent="request"))


def _request_page(
    request: PageRequest,
    account_id: str,
    request_id: str,
    form: Any = None,
    errors: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> PageResponse:
    try:
        shown = service_requests().view(request_id, account_id)
    except NotFound:
        return message_page(request, "web.not_found", 404)
    catalogs = services().templates.catalogs
    sent = request.query.get("sent")
    notice = None
    if sent in ("request", "reply"):
        notice = catalogs.message(negotiate_language(request), f"portal.{sent}_sent", {})
    found = errors or []
    context = {
        "request": shown,
        "section": "requests",
        "notice": notice,
        "form": dict(form or {}),
        "errors": found,
        "field_errors": {e["field"]: e["message"] for e in found if e["field"]},
    }
    return render(request, "portal_request", context, status)


@app.route("/portal/requests/{request_id}", methods=["GET"])
@signed_in
def request_page(request: PageRequest, account_id: str, request_id: str) -> PageResponse:
    return _request_page(request, account_id, request_id)


@app.route("/portal/requests/{request_id}/replies", methods=["POST"], content_types=FORM)
@signed_in
def reply_to_request(request: PageRequest, account_id: str, request_id: str) -> PageResponse:
    if not csrf_tokens().valid(request):
        return message_page(request, "web.forbidden", 403)
    text = request.form.get("text", "")
    try:
        service_requests().reply(request_id, text, _resident(), str(uuid.uuid4()), account_id)
    except InvalidInput as invalid:
        errors = _field_errors(request, invalid)
        return _request_page(request, account_id, request_id, request.form, errors, 400)
    except NotFound:
        return message_page(request, "web.not_found", 404)
    except Conflict:  # closed meanwhile, or the thread is full: the page says so
        return _request_page(request, account_id, request_id, status=409)
    return redirect(request.link(f"/portal/requests/{request_id}", sent="reply"))
