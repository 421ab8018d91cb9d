"""A payment arrangement within the municipality's policy (collections' use case)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from portal_site import (
    FORM,
    app,
    arrangements,
    field_errors,
    form_of_account,
    form_page,
    signed_in,
)

from civiq.core.errors import Conflict, InvalidInput
from civiq.platform.web import (
    PageRequest,
    PageResponse,
    redirect,
)

ARRANGEMENT_REFUSALS = ("owed", "down_payment", "frequency", "first_due", "account")


@app.route("/portal/arrangement", methods=["GET"])
@signed_in
def arrangement_page(request: PageRequest, account_id: str) -> PageResponse:
    return _arrangement_form(request, account_id, {}, [])


@app.route("/portal/arrangement", methods=["POST"], content_types=FORM)
@signed_in
@form_of_account
def arrange(request: PageRequest, account_id: str) -> PageResponse:

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
