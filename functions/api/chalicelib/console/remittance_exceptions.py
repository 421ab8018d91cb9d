"""The console's queue of bank remittance lines waiting for a clerk (a number that matched no
account, or more than one), oldest payment first, each with its post-to-an-account or
return-to-the-bank form, decided as ``POST .../remittances/{id}/lines/{line_no}/decision``
decides (the same decision again changes nothing; another one is a 409 page)."""

from __future__ import annotations

from collections.abc import Mapping

from chalice import Blueprint

from chalicelib.console.forms import fields_of, parsed, refusal
from chalicelib.console.session import console_page, query_of
from chalicelib.console_composition import HOME, pages
from chalicelib.http import correlation_id
from chalicelib.remittances_composition import remittances
from civiq.core.errors import InvalidInput
from civiq.core.staff import Role, StaffIdentity
from civiq.platform.web import PageRequest, PageResponse, redirect

blueprint = Blueprint(__name__)
EXCEPTIONS = HOME + "/remittance-exceptions"
DECISION_FIELDS = ("action", "account_id", "note")


@console_page(blueprint, EXCEPTIONS, Role.CLERK)
def exception_queue(request: PageRequest, staff: StaffIdentity) -> PageResponse:
    decided = "decided" in request.query
    notice = pages().say(request, "console.exception_decided") if decided else None
    return render_queue(request, {"notice": notice})


@console_page(
    blueprint, EXCEPTIONS + "/{remittance_id}/{line_no}/decision", Role.CLERK, method="POST"
)
def decide(
    request: PageRequest, staff: StaffIdentity, remittance_id: str, line_no: str
) -> PageResponse:
    from civiq.payments.schemas.remittances import DecisionRequest

    form = fields_of(request, "decision", DECISION_FIELDS)
    line = f"{remittance_id}/{line_no}"
    try:
        if not line_no.isdigit():
            raise InvalidInput("not a line of the file", "line_no")
        body = parsed(DecisionRequest, form, optional=("account_id",))
        body.apply(
            remittances().decide,
            remittance_id,
            int(line_no),
            staff.as_actor(),
            correlation_id(blueprint.current_request),
        )
    except InvalidInput as invalid:
        context = {**refusal(invalid, "decision", form, request), "refused": line}
        answer = render_queue(request, context)
        answer.status = 400
        return answer
    return redirect(request.link(EXCEPTIONS, decided="1"))


def render_queue(request: PageRequest, context: Mapping[str, object]) -> PageResponse:
    """Every file's lines waiting for a clerk, oldest payment first, a page at a time."""
    from civiq.core.schemas import PageQuery
    from civiq.payments.schemas.remittances import LineOut

    query = query_of(request, PageQuery, page_own=("decided",))
    page = remittances().repository.open_exceptions(query.limit, query.cursor)
    next_page = request.link(EXCEPTIONS, cursor=page.next_cursor) if page.next_cursor else None
    return pages().render(
        request,
        "console_remittance_exceptions",
        {
            "lines": [LineOut.of(o) for o in page.items],
            "next_page": next_page,
            "refused": None,
            "decision_form": {},
            "field_errors": {},
            "view": "remittance-exceptions",
            "dashboard": HOME,
            **context,
        },
    )
