"""A looked-up account: what is owed, statements, payments, use; a bill explained; a
statement's PDF through a short-lived link."""

from __future__ import annotations

from portal_site import (
    app,
    message_page,
    notice_of,
    render,
    services,
    signed_in,
)

from civiq.core.errors import Conflict, NotFound
from civiq.platform.web import (
    PageRequest,
    PageResponse,
    redirect,
)


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
