"""The console's review of flagged reads (backwards, high, low): the reads waiting, oldest
first, each with its accept / correct / reject form, reviewed by the metering service as
``POST .../readings/{read_on}/review`` reviews it (a read already reviewed is a 409 page)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.console.forms import fields_of, parsed, refusal
from chalicelib.console.session import console_page, query_of
from chalicelib.console_composition import HOME, pages
from chalicelib.http import correlation_id
from chalicelib.metering_composition import metering
from civiq.core.errors import InvalidInput
from civiq.core.staff import Role, StaffIdentity
from civiq.platform.web import PageRequest, PageResponse, redirect

blueprint = Blueprint(__name__)
READS = HOME + "/reads"
READ = READS + "/{meter_id}/{read_on}"
REVIEW_FIELDS = ("decision", "value", "note")


@console_page(blueprint, READS, Role.CLERK)
def reads_to_review(request: PageRequest, staff: StaffIdentity) -> PageResponse:
    notice = pages().say(request, "console.read_reviewed") if "reviewed" in request.query else None
    return render_reads(request, {"notice": notice})


@console_page(blueprint, READ, Role.CLERK, method="POST")
def review_read(
    request: PageRequest, staff: StaffIdentity, meter_id: str, read_on: str
) -> PageResponse:
    from datetime import date

    from civiq.metering.schemas.meters import ReviewRequest

    form = fields_of(request, "review", REVIEW_FIELDS)
    try:
        day = date.fromisoformat(read_on)
    except ValueError:
        raise InvalidInput("read_on is a day (YYYY-MM-DD)", "read_on") from None
    try:
        body = parsed(ReviewRequest, form, optional=("value", "note"))
    except InvalidInput as invalid:
        context = {**refusal(invalid, "review", form, request), "refused": (meter_id, read_on)}
        answer = render_reads(request, context)
        answer.status = 400
        return answer
    metering().review_reading(
        meter_id,
        day,
        body.decision,
        body.corrected_value(),
        body.note,
        staff.as_actor(),
        correlation_id(blueprint.current_request),
    )
    return redirect(request.link(READS, reviewed="1"))


def render_reads(request: PageRequest, context: dict[str, object]) -> PageResponse:
    from civiq.core.schemas import PageQuery

    query = query_of(request, PageQuery, page_own=("reviewed",))
    page = metering().meters.pending_review(query.limit, query.cursor)
    next_page = request.link(READS, cursor=page.next_cursor) if page.next_cursor else None
    return pages().render(
        request,
        "console_reads",
        {
            "reads": page.items,
            "next_page": next_page,
            "refused": None,
            "review_form": {},
            "field_errors": {},
            "view": "reads",
            "dashboard": HOME,
            **context,
        },
    )
