"""The console's queue of processor exceptions: payment events the processor reported that
could not be posted by themselves (an unknown or closed account, an amount that does not add
up...), each with its post-to-an-account or refund form, decided as
``POST .../processor-exceptions/{event_id}/decision`` decides (the same decision again changes
nothing; another one is a 409 page)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.console.forms import fields_of, parsed, refusal
from chalicelib.console.session import console_page, query_of
from chalicelib.console_composition import HOME, pages
from chalicelib.http import correlation_id
from chalicelib.processor_exceptions_composition import processor_exceptions
from civiq.core.errors import InvalidInput
from civiq.core.staff import Role, StaffIdentity
from civiq.platform.web import PageRequest, PageResponse, redirect

blueprint = Blueprint(__name__)
EXCEPTIONS = HOME + "/processor-exceptions"
DECISION_FIELDS = ("action", "account", "note")


@console_page(blueprint, EXCEPTIONS, Role.CLERK)
def exception_queue(request: PageRequest, staff: StaffIdentity) -> PageResponse:
    notice = (
        pages().say(request, "console.exception_decided") if "decided" in request.query else None
    )
    return render_queue(request, {"notice": notice})


@console_page(blueprint, EXCEPTIONS + "/{event_id}/decision", Role.CLERK, method="POST")
def decide(request: PageRequest, staff: StaffIdentity, event_id: str) -> PageResponse:
    from civiq.payments.schemas.processor_exceptions import DecisionRequest

    form = fields_of(request, "decision", DECISION_FIELDS)
    try:
        body = parsed(DecisionRequest, form, optional=("account",))
        body.apply(
            processor_exceptions().decide,
            event_id,
            staff.as_actor(),
            correlation_id(blueprint.current_request),
        )
    except InvalidInput as invalid:
        context = {**refusal(invalid, "decision", form, request), "refused": event_id}
        answer = render_queue(request, context)
        answer.status = 400
        return answer
    return redirect(request.link(EXCEPTIONS, decided="1"))


def render_queue(request: PageRequest, context: dict[str, object]) -> PageResponse:
    """The open exceptions, oldest first (``?status=resolved``: the decided, newest first)."""
    from civiq.payments.domain.processor_exceptions import ExceptionStatus
    from civiq.payments.schemas.processor_exceptions import ExceptionsQuery, ProcessorExceptionOut

    query = query_of(request, ExceptionsQuery, page_own=("decided",))
    page = processor_exceptions().exceptions.listed(
        ExceptionStatus(query.status), query.limit, query.cursor
    )
    next_page = None
    if page.next_cursor:
        next_page = request.link(EXCEPTIONS, status=query.status, cursor=page.next_cursor)
    return pages().render(
        request,
        "console_processor_exceptions",
        {
            "exceptions": [ProcessorExceptionOut.of(e) for e in page.items],
            "status": query.status,
            "next_page": next_page,
            "refused": None,
            "decision_form": {},
            "field_errors": {},
            "view": "processor-exceptions",
            "dashboard": HOME,
            **context,
        },
    )
