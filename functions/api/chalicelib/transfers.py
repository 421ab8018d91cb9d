"""Ownership transfers: /api/v1/utility/transfers. Supervisors submit and decide; clerks read.

The same request again is the same transfer (its id is derived from the request): 202 the first
time, 200 after. A property has one open transfer at a time (409 on property_id).
"""

from __future__ import annotations

from chalice import Blueprint, Response
from chalice.app import Request

from chalicelib.composition import api
from chalicelib.http import correlation_id, json_response, parse_body, staff_route
from chalicelib.workflow_composition import workflows
from civiq.accounts.schemas.transfers import DecisionRequest, TransferRequest, TransferResponse
from civiq.core.staff import Role, StaffIdentity

blueprint = Blueprint(__name__)
TRANSFERS = "/api/v1/utility/transfers"
TRANSFER = TRANSFERS + "/{id}"
TAG = "transfers"


@staff_route(
    blueprint,
    TRANSFERS,
    "POST",
    Role.SUPERVISOR,
    tag=TAG,
    request=TransferRequest,
    response=TransferResponse,
    status=202,
)
def submit_transfer(request: Request, staff: StaffIdentity) -> Response:
    """Submit a property sale for approval (the same request again: the same transfer, 200)."""
    body = parse_body(request, TransferRequest, api().settings.max_body_bytes)
    transfer, created = workflows().submit_transfer(
        body.to_command(), staff.as_actor(), correlation_id(request)
    )
    return json_response(
        TransferResponse.of(transfer),
        202 if created else 200,
        {"Location": f"{TRANSFERS}/{transfer.transfer_id}"},
    )


@staff_route(blueprint, TRANSFER, "GET", Role.CLERK, tag=TAG, response=TransferResponse)
def get_transfer(request: Request, staff: StaffIdentity, id: str) -> Response:
    """A transfer: its status, escalations, decision and, once completed, the buyer's accounts."""
    return json_response(TransferResponse.of(workflows().transfers.get(id)))


@staff_route(
    blueprint,
    TRANSFER + "/decision",
    "POST",
    Role.SUPERVISOR,
    tag=TAG,
    request=DecisionRequest,
    response=TransferResponse,
)
def decide_transfer(request: Request, staff: StaffIdentity, id: str) -> Response:
    """Approve or reject a transfer awaiting approval; a rejection needs a reason."""
    body = parse_body(request, DecisionRequest, api().settings.max_body_bytes)
    transfer = workflows().decide_transfer(
        id, body.decision, body.reason, staff.as_actor(), correlation_id(request)
    )
    return json_response(TransferResponse.of(transfer))
