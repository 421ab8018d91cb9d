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
from collections.abc import Mapping
from decimal import Decimal
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
    from civiq.collections.services.casework import Casework
    from civiq.portal.config import PortalSettings
    from civiq.portal.services.payment_arrangement import ArrangePayments
    from civiq.portal.wiring import AutopayServices, PortalServices
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

    return portal_services(settings(), Signer(signing_key(), "portal-email"))


@cache
def collection_work() -> Casework:
    """Collections' casework, built at the first page that holds a collection case (a billing
    dispute, a payment arrangement): the other pages never import collections' services."""
    from civiq.collections.wiring import casework

    return casework(settings())


@cache
def service_requests() -> ServiceRequestServices:
    """A resident's service requests; a billing dispute pauses the account's collection case."""
    from civiq.service_requests.wiring import service_request_services

    return service_request_services(settings(), collection_work)


@cache
def arrangements() -> ArrangePayments:
    """Collections' arrangement use case under the portal's pages, on the same policy."""
    from civiq.collections.wiring import arrangement_services
    from civiq.portal.wiring import arrange_payments

    make = arrangement_services(collection_work(), settings()).make
    return arrange_payments(settings(), make)


@cache
def autopay() -> AutopayServices:
    """Autopay's agreement and the account's flag: built on the first autopay page only, with
    what billing needs of an account (the flag is an account change billing checks)."""
    from civiq.billing.wiring import billing_requirements
    from civiq.portal.wiring import autopay_services

    return autopay_services(settings(), billing_requirements(settings()))


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
    collection_work.cache_clear()
    arrangements.cache_clear()
    autopay.cache_clear()
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


def notice_of(request: PageRequest, notices: dict[str, str]) -> str | None:
    """The notice a redirect asked for (``?<flag>=1``, the first of ``notices`` found)."""
    key = next((notices[flag] for flag in notices if request.query.get(flag) == "1"), None)
    if key is None:
        return None
    return services().templates.catalogs.message(negotiate_language(request), key, {})


def field_errors(
    request: PageRequest,
    invalid: InvalidInput,
    fields: tuple[str, ...],
    summary_only: tuple[str, ...] = (),
    **params: object,
) -> list[dict[str, Any]]:
    """The form's refused fields, in the form's order, each worded from the catalog
    (``portal.error.<field>``), then the refusals of what the form has no input for
    (``summary_only``: in the error summary, linking nowhere)."""
    catalogs = services().templates.catalogs
    language = negotiate_language(request)
    refused = {e.field for e in invalid.errors}
    return [
        {
            "field": field if field in fields else None,
            "message": catalogs.message(language, f"portal.error.{field}", params),
        }
        for field in (*fields, *summary_only)
        if field in refused
    ]


def by_field(errors: list[dict[str, Any]]) -> dict[str, str]:
    return {e["field"]: e["message"] for e in errors if e["field"]}


def form_page(
    request: PageRequest,
    account_id: str,
    template: str,
    errors: list[dict[str, Any]],
    status: int = 200,
    **context: object,
) -> PageResponse:
    """A form of a looked-up account's: the account, the form's ``context``, and its errors
    (the summary's, and each field's)."""
    return render(
        request,
        template,
        {
            "account": services().overview(account_id),
            "section": "account",
            **context,
            "errors": errors,
            "field_errors": by_field(errors),
        },
        status,
    )


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


def form_of_account(view: Any) -> Any:
    """A form posted from a looked-up account's page: refused without its CSRF token."""

    def posted(request: PageRequest, account_id: str, **params: str) -> PageResponse:
        if not csrf_tokens().valid(request):
            return message_page(request, "web.forbidden", 403)
        answer: PageResponse = view(request, account_id, **params)
        return answer

    posted.__name__ = view.__name__
    return posted


@app.route("/portal", methods=["GET"])
def lookup_page() -> Response:
    request = current()
    notice = notice_of(request, {"expired": "portal.expired", "signed_out": "portal.signed_out"})
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
        errors = field_errors(request, invalid, ("account_number", "postal_code"), example=example)
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
        "field_errors": by_field(found),
        "example_number": _example_number(),
        "notice": notice,
    }


@app.route("/portal/account", methods=["GET"])
@signed_in
def account_page(request: PageRequest, account_id: str) -> PageResponse:
    from civiq.billing.services.statement_document import usage_chart

    overview = services().overview(account_id)
    notice = notice_of(
        request,
        {
            "paid": "portal.pay_submitted",
            "arranged": "portal.arrangement_made",
            "preferences": "portal.preferences_saved",
            "enrolled": "portal.autopay_enrolled",
            "email": "portal.email_changed",
            "cancelled": "portal.autopay_cancelled",
        },
    )
    context = {"account": overview, "chart": usage_chart(overview.usage), "notice": notice}
    return render(request, "portal_account", {**context, "section": "account"})


@app.route("/portal/pay", methods=["GET"])
@signed_in
def pay_page(request: PageRequest, account_id: str) -> PageResponse:
    owed = max(services().overview(account_id).balance, Decimal(0))
    return _pay_form(request, account_id, {"amount": f"{owed:.2f}" if owed else ""}, [])


@app.route("/portal/pay", methods=["POST"], content_types=FORM)
@signed_in
@form_of_account
def pay(request: PageRequest, account_id: str) -> PageResponse:
    form = request.form
    try:
        services().pay(
            account_id,
            form.get("amount", ""),
            form.get("method", ""),
            form.get("idempotency_key", ""),
            str(uuid.uuid4()),
        )
    except InvalidInput as invalid:
        from civiq.platform.catalogs import format_money

        maximum = format_money(settings().portal_max_payment, negotiate_language(request))
        errors = field_errors(
            request, invalid, ("amount", "method"), ("idempotency_key",), maximum=maximum
        )
        return _pay_form(request, account_id, form, errors, 400)
    return redirect(request.link("/portal/account", paid="1"))


@app.route("/portal/preferences", methods=["GET"])
@signed_in
def preferences_page(request: PageRequest, account_id: str) -> PageResponse:
    return _preferences_form(request, account_id, {}, [])


@app.route("/portal/preferences", methods=["POST"], content_types=FORM)
@signed_in
@form_of_account
def change_preferences(request: PageRequest, account_id: str) -> PageResponse:
    form = request.form
    try:
        services().preferences.change(
            account_id,
            form.get("ebilling") == "yes",
            form.get("language", ""),
            str(uuid.uuid4()),
        )
    except InvalidInput as invalid:
        errors = field_errors(request, invalid, ("language", "ebilling"))
        return _preferences_form(request, account_id, form, errors, 400)
    return redirect(request.link("/portal/account", preferences="1"))


@app.route("/portal/preferences/email", methods=["POST"], content_types=FORM)
@signed_in
@form_of_account
def ask_email_change(request: PageRequest, account_id: str) -> PageResponse:
    """The new address is sent a link to confirm it (an absolute link: it is opened from the
    mailbox); the address on file stays as it is until then."""
    scheme = "https" if request.secure else "http"
    host = request.headers.get("host", "localhost")

    def link(token: str) -> str:
        return f"{scheme}://{host}{request.link('/portal/preferences/email/verify', token=token)}"

    try:
        services().email_change.ask(account_id, request.form.get("email", ""), link)
    except InvalidInput as invalid:
        errors = field_errors(request, invalid, ("email",))
        return _preferences_form(request, account_id, request.form, errors, 400)
    return redirect(request.link("/portal/preferences", sent="1"))


@app.route("/portal/preferences/email/verify", methods=["GET"])
@signed_in
def email_verification_page(request: PageRequest, account_id: str) -> PageResponse:
    """Confirming is a form: a mail scanner that opens the link changes nothing."""
    token = request.query.get("token", "")
    try:
        address = services().email_change.pending(account_id, token)
    except InvalidInput:
        return message_page(request, "portal.link_expired", 400)
    context: dict[str, object] = {"token": token, "email": address, "section": "account"}
    return render(request, "portal_email_verify", context)


@app.route("/portal/preferences/email/verify", methods=["POST"], content_types=FORM)
@signed_in
@form_of_account
def verify_email(request: PageRequest, account_id: str) -> PageResponse:
    try:
        services().email_change.confirm(
            account_id, request.form.get("token", ""), str(uuid.uuid4())
        )
    except InvalidInput:
        return message_page(request, "portal.link_expired", 400)
    return redirect(request.link("/portal/account", email="1"))


def _preferences_form(
    request: PageRequest,
    account_id: str,
    form: Mapping[str, str],
    errors: list[dict[str, Any]],
    status: int = 200,
) -> PageResponse:
    """The preferences (as posted, or as on file when another form was posted) and the form
    that changes the email address."""
    shown = services().preferences.shown(account_id)
    posted = "language" in form
    fields = {
        "language": form.get("language", "") if posted else shown.language.value,
        "ebilling": form.get("ebilling") == "yes" if posted else shown.ebilling,
        "email": form.get("email", ""),
    }
    notice = notice_of(request, {"sent": "portal.email_sent"})
    return form_page(
        request,
        account_id,
        "portal_preferences",
        errors,
        status,
        shown=shown,
        form=fields,
        notice=notice,
    )


AGREEMENT_FIELDS = ("payor", "institution", "transit", "bank_account", "accepted")


@app.route("/portal/autopay", methods=["GET"])
@signed_in
def autopay_page(request: PageRequest, account_id: str) -> PageResponse:
    return _autopay_form(request, account_id, {}, [])


@app.route("/portal/autopay", methods=["POST"], content_types=FORM)
@signed_in
@form_of_account
def enrol_autopay(request: PageRequest, account_id: str) -> PageResponse:
    from civiq.core.errors import Conflict
    from civiq.portal.domain.resident import RESIDENT

    form = request.form
    try:
        autopay().enrol(
            account_id, dict(form), form.get("accepted") == "yes", RESIDENT, str(uuid.uuid4())
        )
    except InvalidInput as invalid:
        errors = field_errors(request, invalid, AGREEMENT_FIELDS)
        return _autopay_form(request, account_id, form, errors, 400)
    except Conflict:
        pass  # enrolled already (the form sent twice): the account page says so
    return redirect(request.link("/portal/account", enrolled="1"))


@app.route("/portal/autopay/cancel", methods=["POST"], content_types=FORM)
@signed_in
@form_of_account
def cancel_autopay(request: PageRequest, account_id: str) -> PageResponse:
    from civiq.portal.domain.resident import RESIDENT

    autopay().cancel(account_id, RESIDENT, str(uuid.uuid4()))
    return redirect(request.link("/portal/account", cancelled="1"))


def _autopay_form(
    request: PageRequest,
    account_id: str,
    form: Mapping[str, str],
    errors: list[dict[str, Any]],
    status: int = 200,
) -> PageResponse:
    """The agreement in force (and how to cancel it), or the agreement to sign (what was typed
    kept on a refusal, so nothing is typed twice)."""
    return form_page(
        request,
        account_id,
        "portal_autopay",
        errors,
        status,
        mandate=autopay().mandates.current(account_id),
        form={name: form.get(name, "") for name in AGREEMENT_FIELDS},
    )


# What the arrangement's policy may refuse that the form has no input for.
ARRANGEMENT_REFUSALS = ("owed", "down_payment", "frequency", "first_due", "account")


@app.route("/portal/arrangement", methods=["GET"])
@signed_in
def arrangement_page(request: PageRequest, account_id: str) -> PageResponse:
    return _arrangement_form(request, account_id, {}, [])


@app.route("/portal/arrangement", methods=["POST"], content_types=FORM)
@signed_in
@form_of_account
def arrange(request: PageRequest, account_id: str) -> PageResponse:
    from civiq.core.errors import Conflict

    try:
        arrangements()(account_id, request.form.get("instalments", ""), str(uuid.uuid4()))
    except InvalidInput as invalid:
        errors = field_errors(request, invalid, ("instalments",), ARRANGEMENT_REFUSALS)
        return _arrangement_form(request, account_id, request.form, errors, 400)
    except Conflict:
        pass  # made meanwhile (the form sent twice): the account page shows it
    return redirect(request.link("/portal/account", arranged="1"))


def _arrangement_form(
    request: PageRequest,
    account_id: str,
    form: Mapping[str, str],
    errors: list[dict[str, Any]],
    status: int = 200,
) -> PageResponse:
    standing = arrangements().standing(account_id)
    chosen = form.get("instalments", "")
    return form_page(
        request, account_id, "portal_arrangement", errors, status, standing=standing, chosen=chosen
    )


def _pay_form(
    request: PageRequest,
    account_id: str,
    form: Mapping[str, str],
    errors: list[dict[str, Any]],
    status: int = 200,
) -> PageResponse:
    """The payment form; its idempotency key is the one it was sent with (a corrected form is
    still the one payment), or a new one."""
    fields = {
        "amount": form.get("amount", ""),
        "method": form.get("method", ""),
        "idempotency_key": form.get("idempotency_key") or str(uuid.uuid4()),
    }
    maximum = settings().portal_max_payment
    return form_page(
        request, account_id, "portal_pay", errors, status, form=fields, maximum=maximum
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
            "field_errors": by_field(errors),
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
        return _new_request_form(
            request, account_id, form, field_errors(request, error, REQUEST_FIELDS), 400
        )
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
        return _new_request_form(
            request, account_id, form, field_errors(request, invalid, REQUEST_FIELDS), 400
        )
    except NotFound:  # a statement that is not this account's
        error = InvalidInput("not one of this account's statements", "statement_id")
        return _new_request_form(
            request, account_id, form, field_errors(request, error, REQUEST_FIELDS), 400
        )
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
        "field_errors": by_field(found),
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
        errors = field_errors(request, invalid, REQUEST_FIELDS)
        return _request_page(request, account_id, request_id, request.form, errors, 400)
    except NotFound:
        return message_page(request, "web.not_found", 404)
    except Conflict:  # closed meanwhile, or the thread is full: the page says so
        return _request_page(request, account_id, request_id, status=409)
    return redirect(request.link(f"/portal/requests/{request_id}", sent="reply"))
