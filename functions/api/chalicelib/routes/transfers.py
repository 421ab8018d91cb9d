"""Ownership transfers: /api/v1/utility/transfers. Supervisors submit and decide; clerks read.

The same request again is the same transfer (its id is derived from the request): 202 the first
time, 200 after. A property has one open transfer at a time (409 on property_id). Four eyes: the
supervisor who submitted a transfer cannot approve it (403 on decision).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint
from chalice.app import Request

from chalicelib.http import Reply, correlation_id, json_response, staff_route
from chalicelib.routes import deferred
from chalicelib.workflow_composition import workflows
from civiq.core.staff import Role, StaffIdentity

if TYPE_CHECKING:
    from civiq.accounts.schemas import transfers as schemas
else:
    schemas = deferred("civiq.accounts.schemas.transfers")

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
    status=202,
    also={200: "The same request again: the same transfer, as it stands."},
)
def submit_transfer(
    request: Request, staff: StaffIdentity, body: schemas.TransferRequest
) -> Reply[schemas.TransferResponse]:
    """Submit a property sale for approval (the same request again: the same transfer, 200)."""
    transfer, created = workflows().submit_transfer(
        body.to_command(), staff.as_actor(), correlation_id(request)
    )
    return json_response(
        schemas.TransferResponse.of(transfer),
        202 if created else 200,
        {"Location": f"{TRANSFERS}/{transfer.transfer_id}"},
    )


@staff_route(blueprint, TRANSFERS, "GET", Role.CLERK, tag=TAG)
def list_transfers(query: schemas.TransferQuery) -> Reply[schemas.TransferPage]:
    """Transfers by status, oldest first: by default those awaiting a supervisor's approval."""
    page = workflows().transfers.with_status(query.status, query.limit, query.cursor)
    items = [schemas.TransferResponse.of(t) for t in page.items]
    return json_response(schemas.TransferPage(items=items, next_cursor=page.next_cursor))


@staff_route(blueprint, TRANSFER, "GET", Role.CLERK, tag=TAG)
def get_transfer(id: str) -> Reply[schemas.TransferResponse]:
    """A transfer: its status, escalations, decision and, once completed, the buyer's accounts."""
    return json_response(schemas.TransferResponse.of(workflows().transfers.get(id)))


@staff_route(blueprint, TRANSFER + "/decision", "POST", Role.SUPERVISOR, tag=TAG)
def decide_transfer(
    request: Request, staff: StaffIdentity, id: str, body: schemas.DecisionRequest
) -> Reply[schemas.TransferResponse]:
    """Approve or reject a transfer awaiting approval; a rejection needs a reason."""
    transfer = workflows().decide_transfer(
        id, body.decision, body.reason, staff.as_actor(), correlation_id(request)
    )
    return json_response(schemas.TransferResponse.of(transfer))
