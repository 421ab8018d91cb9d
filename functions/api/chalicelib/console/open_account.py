"""The console's "Open an account" page: a clerk opens an account for a new customer at a new
property, with its services and the property's map pin, as ``POST /api/v1/utility/accounts``
opens one (the same body model, the same use case). The customer is the owner of record.

The form's key names the account it opens: posted twice (a double click, a reload), the second
finds the account the first opened and shows it. A second post racing the first is refused by
the account's own write (a 409 page), so one account is opened either way."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.composition import account_services
from chalicelib.console.accounts import ACCOUNT, ACCOUNTS
from chalicelib.console.forms import fields_of, form_key, parsed, refusal
from chalicelib.console.session import console_page
from chalicelib.console_composition import HOME, pages
from chalicelib.dashboard_composition import dashboard
from chalicelib.http import correlation_id
from civiq.core.errors import InvalidInput
from civiq.core.staff import Role, StaffIdentity
from civiq.platform.web import PageRequest, PageResponse, redirect

if TYPE_CHECKING:
    from civiq.accounts.schemas.accounts import OpenAccountRequest

blueprint = Blueprint(__name__)
NEW_ACCOUNT = ACCOUNTS + "/new"
FORM_NAME = "account"
SERVICES = ("water", "sewer", "stormwater", "waste")
FIELDS = (
    "name",
    "email",
    "phone",
    "language",
    "contact_method",
    "street",
    "city",
    "province",
    "postal_code",
    "property_type",
    "roll_number",
    "units",
    "latitude",
    "longitude",
    "start_date",
    *SERVICES,
)
# Where the body model names a whole part, the form field an error about it is shown by.
FIELD_OF_PART = {
    "customer": "name",
    "contact": "email",
    "property": "street",
    "address": "street",
    "location": "latitude",
    "services": "water",
    "service_type": "water",
}


@console_page(blueprint, NEW_ACCOUNT, Role.CLERK)
def new_account(request: PageRequest, staff: StaffIdentity) -> PageResponse:
    today = dashboard().today().isoformat()
    blank = {"language": "en", "contact_method": "mail", "property_type": "single-family"}
    every_service = dict.fromkeys(SERVICES, "yes")
    return render(request, {f"{FORM_NAME}_form": {**blank, **every_service, "start_date": today}})


@console_page(blueprint, NEW_ACCOUNT, Role.CLERK, method="POST")
def open_account(request: PageRequest, staff: StaffIdentity) -> PageResponse:
    """The account opened as the JSON route opens it, once for the form's key."""
    from civiq.accounts.services.moves import opened_once
    from civiq.core.ids import DeterministicIds

    form = fields_of(request, FORM_NAME, FIELDS)
    try:
        key = form_key(request)
        body = open_request(form)
        services = account_services()
        account = opened_once(
            services.open_account,
            services.accounts,
            body.to_command(),
            DeterministicIds(f"console/open-account/{key}"),
            staff.as_actor(),
            correlation_id(blueprint.current_request),
        )
    except InvalidInput as invalid:
        answer = render(request, refusal(on_form(invalid, form), FORM_NAME, form, request))
        answer.status = 400
        return answer
    return redirect(request.link(ACCOUNT.format(id=account.account_number)))


def open_request(form: dict[str, str]) -> OpenAccountRequest:
    """The JSON route's body from the form's fields: a new customer, the owner of a new
    property, each service ticked starting on the date given. A field left empty is left out
    where the body's is optional."""
    from civiq.accounts.schemas.accounts import OpenAccountRequest

    def given(*names: str) -> dict[str, str]:
        return {name: form[name].strip() for name in names if form[name].strip()}

    prop: dict[str, object] = {
        "address": {name: form[name] for name in ("street", "city", "province", "postal_code")},
        "property_type": form["property_type"],
        **given("roll_number"),
    }
    units = [unit.strip() for unit in form["units"].split(",") if unit.strip()]
    if units:
        prop["units"] = units
    if form["latitude"].strip() or form["longitude"].strip():
        prop["location"] = {name: form[name].strip() for name in ("latitude", "longitude")}
    body = {
        "customer": {
            "name": form["name"],
            "contact": given("email", "phone"),
            "preferences": given("language", "contact_method"),
        },
        "property": prop,
        "holder_role": "owner",
        "services": [
            {"service_type": name, "start_date": form["start_date"]}
            for name in SERVICES
            if form[name]
        ],
    }
    result: OpenAccountRequest = parsed(OpenAccountRequest, body)
    return result


def on_form(invalid: InvalidInput, form: dict[str, str]) -> InvalidInput:
    """The refusal with each error named by the form field it is about (the body's path
    ``customer.contact.email`` is the form's ``email``)."""

    def field_of(path: str | None) -> str | None:
        parts = [part for part in (path or "").split(".") if part and not part.isdigit()]
        for part in reversed(parts):
            if part in form:
                return part
            if part in FIELD_OF_PART:
                return FIELD_OF_PART[part]
        return None

    return InvalidInput.of(replace(e, field=field_of(e.field)) for e in invalid.errors)


def render(request: PageRequest, context: dict[str, object]) -> PageResponse:
    from civiq.accounts.domain.properties import PropertyType
    from civiq.core.addresses import LATITUDE_RANGE, LONGITUDE_RANGE

    return pages().render(
        request,
        "console_open_account",
        {
            "key": str(uuid.uuid4()),
            "services": SERVICES,
            "property_types": [kind.value for kind in PropertyType],
            "latitude_range": LATITUDE_RANGE,
            "longitude_range": LONGITUDE_RANGE,
            "account_form": {},
            "field_errors": {},
            "dashboard": HOME,
            "view": "accounts",
            **context,
        },
    )
