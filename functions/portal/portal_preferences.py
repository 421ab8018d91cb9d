"""A resident's preferences: e-billing, the notices' language, and a new email address confirmed
by a signed link."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from portal_site import (
    FORM,
    app,
    field_errors,
    form_of_account,
    form_page,
    message_page,
    notice_of,
    render,
    services,
    signed_in,
)

from civiq.core.errors import InvalidInput
from civiq.platform.web import (
    PageRequest,
    PageResponse,
    redirect,
)


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
