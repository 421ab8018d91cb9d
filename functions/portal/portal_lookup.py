"""Looking an account up (its number and postal code), signing out, and the pages' style
sheet."""

from __future__ import annotations

import math
import uuid
from pathlib import Path
from typing import Any

from chalice import Response
from portal_site import (
    ASSETS,
    FORM,
    SESSION_COOKIE,
    app,
    by_field,
    csrf_tokens,
    current,
    field_errors,
    message_page,
    notice_of,
    render,
    services,
    session_cookie,
    settings,
)

from civiq.core.errors import InvalidInput
from civiq.platform.chalice_web import respond
from civiq.platform.web import (
    cookie,
    negotiate_language,
    redirect,
)


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
