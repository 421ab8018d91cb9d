"""A resident's service requests: listed, opened (one per form shown), answered in a thread."""

from __future__ import annotations

import uuid
from typing import Any

from portal_site import (
    FORM,
    app,
    by_field,
    field_errors,
    form_of_account,
    message_page,
    notice_of,
    render,
    service_requests,
    services,
    signed_in,
)

from civiq.core.errors import Conflict, InvalidInput, NotFound
from civiq.platform.web import (
    PageRequest,
    PageResponse,
    redirect,
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
@form_of_account
def open_request(request: PageRequest, account_id: str) -> PageResponse:
    from civiq.service_requests.domain.requests import Asked, RequestKind

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
    return redirect(request.link(f"/portal/requests/{opened.request_id}", opened="1"))


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
    notice = notice_of(request, {"opened": "portal.request_sent", "replied": "portal.reply_sent"})
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
@form_of_account
def reply_to_request(request: PageRequest, account_id: str, request_id: str) -> PageResponse:
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
    return redirect(request.link(f"/portal/requests/{request_id}", replied="1"))
