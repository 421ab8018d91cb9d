"""Paying a bill through the payment gateway, and autopay with the resident's pre-authorized
debit agreement."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from portal_site import (
    FORM,
    app,
    autopay,
    field_errors,
    form_of_account,
    form_page,
    services,
    settings,
    signed_in,
)

from civiq.core.errors import Conflict, InvalidInput
from civiq.platform.web import (
    PageRequest,
    PageResponse,
    negotiate_language,
    redirect,
)


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


AGREEMENT_FIELDS = ("payor", "institution", "transit", "bank_account", "accepted")


@app.route("/portal/autopay", methods=["GET"])
@signed_in
def autopay_page(request: PageRequest, account_id: str) -> PageResponse:
    return _autopay_form(request, account_id, {}, [])


@app.route("/portal/autopay", methods=["POST"], content_types=FORM)
@signed_in
@form_of_account
def enrol_autopay(request: PageRequest, account_id: str) -> PageResponse:
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
