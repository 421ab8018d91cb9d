"""The console's service requests: the worklist by status (oldest first), and a request with its
thread, where staff reply and move it along, as the JSON routes
``POST .../service-requests/{id}/replies`` and ``.../status`` do (a billing dispute's settlement
resumes the collection case it held)."""

from __future__ import annotations

from collections.abc import Mapping

from chalice import Blueprint

from chalicelib.console.forms import fields_of, refusal
from chalicelib.console.session import console_page
from chalicelib.console_composition import HOME, pages
from chalicelib.http import correlation_id
from chalicelib.service_requests_composition import service_requests
from civiq.core.errors import Conflict, InvalidInput
from civiq.core.staff import Role, StaffIdentity
from civiq.platform.web import PageRequest, PageResponse, redirect

blueprint = Blueprint(__name__)
REQUESTS = HOME + "/service-requests"
PAGE_SIZE = 25


@console_page(blueprint, REQUESTS, Role.CLERK)
def worklist(request: PageRequest, staff: StaffIdentity) -> PageResponse:
    from civiq.service_requests.domain.requests import RequestStatus

    try:
        status = RequestStatus(request.query.get("status", RequestStatus.OPEN.value))
    except ValueError:
        raise InvalidInput("not a status of a request", "status") from None
    page = service_requests().worklist(status, PAGE_SIZE, request.query.get("cursor") or None)
    next_page = None
    if page.next_cursor:
        next_page = request.link(REQUESTS, status=status.value, cursor=page.next_cursor)
    return pages().render(
        request,
        "console_service_requests",
        {
            "requests": page.items,
            "status": status.value,
            "statuses": [s.value for s in RequestStatus],
            "next_page": next_page,
            "view": "service-requests",
            "dashboard": HOME,
        },
    )


@console_page(blueprint, REQUESTS + "/{request_id}", Role.CLERK)
def request_page(request: PageRequest, staff: StaffIdentity, request_id: str) -> PageResponse:
    notice = None
    for done in ("replied", "moved"):
        if done in request.query:
            notice = pages().say(request, f"console.request_{done}")
    return render_request(request, request_id, {"notice": notice})


@console_page(blueprint, REQUESTS + "/{request_id}/replies", Role.CLERK, method="POST")
def reply(request: PageRequest, staff: StaffIdentity, request_id: str) -> PageResponse:
    form = fields_of(request, "reply", ("text",))
    try:
        service_requests().reply(
            request_id, form["text"], staff.as_actor(), correlation_id(blueprint.current_request)
        )
    except InvalidInput as invalid:
        return render_request(request, request_id, refusal(invalid, "reply", form, request), 400)
    return redirect(request.link(f"{REQUESTS}/{request_id}", replied="1"))


@console_page(blueprint, REQUESTS + "/{request_id}/status", Role.CLERK, method="POST")
def move(request: PageRequest, staff: StaffIdentity, request_id: str) -> PageResponse:
    from civiq.service_requests.domain.requests import RequestStatus

    form = fields_of(request, "move", ("status", "version"))
    try:
        try:
            status, version = RequestStatus(form["status"]), int(form["version"])
        except ValueError:
            raise InvalidInput("choose the request's new status", "status") from None
        service_requests().change_status(
            request_id, status, version, staff.as_actor(), correlation_id(blueprint.current_request)
        )
    except InvalidInput as invalid:
        return render_request(request, request_id, refusal(invalid, "move", form, request), 400)
    except Conflict:  # moved by someone else meanwhile: the page shows it as it is now
        said = pages().say(request, "console.request_moved_meanwhile")
        return render_request(
            request, request_id, {"errors": [{"field": None, "message": said}]}, 409
        )
    return redirect(request.link(f"{REQUESTS}/{request_id}", moved="1"))


def render_request(
    request: PageRequest, request_id: str, context: Mapping[str, object], status: int = 200
) -> PageResponse:
    from civiq.service_requests.domain.requests import NEXT_STATUSES

    shown = service_requests().view(request_id)
    return pages().render(
        request,
        "console_service_request",
        {
            "request": shown,
            "next_statuses": sorted(s.value for s in NEXT_STATUSES[shown.status]),
            "reply_form": {},
            "move_form": {},
            "field_errors": {},
            "view": "service-requests",
            "dashboard": HOME,
            **context,
        },
        status,
    )
