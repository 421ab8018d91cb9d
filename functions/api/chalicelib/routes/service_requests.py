"""Residents' service requests, as staff work them: the worklist
(/api/v1/utility/service-requests), one request with its thread, replies and status changes, and
an account's requests (/api/v1/utility/accounts/{id}/service-requests), where a clerk also opens
one taken on the phone.

A billing dispute pauses the account's collection case while it is open (collections' dispute
pause), and resolving or closing it resumes that case. Opening one carries an
``Idempotency-Key``: the same key opens one request however often it is sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint
from chalice.app import Request

from chalicelib.http import Header, Reply, correlation_id, json_response, staff_route
from chalicelib.routes import deferred
from chalicelib.routes.payments import KEY_PATTERN
from chalicelib.service_requests_composition import service_requests
from civiq.core.schemas import PageQuery
from civiq.core.staff import Role, StaffIdentity

if TYPE_CHECKING:
    from civiq.core.ports import Page
    from civiq.service_requests.domain.requests import ServiceRequest
    from civiq.service_requests.schemas import requests as schemas
else:
    schemas = deferred("civiq.service_requests.schemas.requests")

blueprint = Blueprint(__name__)
WORKLIST = "/api/v1/utility/service-requests"
REQUEST = WORKLIST + "/{request_id}"
OF_ACCOUNT = "/api/v1/utility/accounts/{id}/service-requests"
TAG = "service requests"
REQUEST_KEY = {
    "key": Header(
        "Idempotency-Key",
        KEY_PATTERN,
        "8 to 100 letters, digits, dots, dashes, colons or underscores: a new one (a UUID) per "
        "request, the same one to send it again",
        {409: "This Idempotency-Key opened another request on the account."},
    )
}


def _page(page: Page[ServiceRequest]) -> Reply[schemas.ServiceRequestPage]:
    items = [schemas.ServiceRequestOut.of(r) for r in page.items]
    return json_response(schemas.ServiceRequestPage(items=items, next_cursor=page.next_cursor))


@staff_route(blueprint, WORKLIST, "GET", Role.CLERK, tag=TAG)
def list_service_requests(query: schemas.WorklistQuery) -> Reply[schemas.ServiceRequestPage]:
    """Every account's requests of a status (open by default), the longest waiting first."""
    return _page(service_requests().worklist(query.status, query.limit, query.cursor))


@staff_route(blueprint, REQUEST, "GET", Role.CLERK, tag=TAG)
def get_service_request(request_id: str) -> Reply[schemas.ServiceRequestOut]:
    """One request, with its thread."""
    return json_response(schemas.ServiceRequestOut.of(service_requests().view(request_id)))


@staff_route(blueprint, REQUEST + "/replies", "POST", Role.CLERK, tag=TAG)
def reply_to_service_request(
    request: Request, staff: StaffIdentity, request_id: str, body: schemas.ReplyRequest
) -> Reply[schemas.ServiceRequestOut]:
    """Answer the resident (who reads it in the portal); a closed request takes no reply."""
    answered = service_requests().reply(
        request_id, body.text, staff.as_actor(), correlation_id(request)
    )
    return json_response(schemas.ServiceRequestOut.of(answered))


@staff_route(blueprint, REQUEST + "/status", "POST", Role.CLERK, tag=TAG)
def change_service_request_status(
    request: Request, staff: StaffIdentity, request_id: str, body: schemas.StatusRequest
) -> Reply[schemas.ServiceRequestOut]:
    """Move the request along: open -> in-progress -> resolved or closed; a resolved or closed
    one reopened. Settling a billing dispute resumes the collection case it paused; asking for
    the status the request has changes nothing."""
    changed = service_requests().change_status(
        request_id, body.status, body.version, staff.as_actor(), correlation_id(request)
    )
    return json_response(schemas.ServiceRequestOut.of(changed))


@staff_route(blueprint, OF_ACCOUNT, "GET", Role.CLERK, tag=TAG)
def list_account_service_requests(id: str, query: PageQuery) -> Reply[schemas.ServiceRequestPage]:
    """The account's requests, newest first."""
    return _page(service_requests().for_account(id, query.limit, query.cursor))


@staff_route(blueprint, OF_ACCOUNT, "POST", Role.CLERK, tag=TAG, status=201, inject=REQUEST_KEY)
def open_service_request(
    request: Request, staff: StaffIdentity, id: str, key: str, body: schemas.OpenRequest
) -> Reply[schemas.ServiceRequestOut]:
    """Open a request the holder made on the phone; a billing dispute names the statement
    disputed, and pauses the account's collection case at once."""
    opened = service_requests().open(body.asked(id, key), staff.as_actor(), correlation_id(request))
    return json_response(schemas.ServiceRequestOut.of(opened), 201)
