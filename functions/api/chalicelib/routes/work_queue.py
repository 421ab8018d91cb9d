"""The staff work queue: /api/v1/utility/work-queue.

Every background failure waits here until staff retry it or resolve it by hand: a workflow step
that failed (a move's final bill that could not be produced, a billing run's batch...) and a
queue message that failed on every delivery. A retry runs the same work again, which every
background step does safely (it finds done what was done).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint
from chalice.app import Request

from chalicelib.http import Reply, correlation_id, json_response, staff_route
from chalicelib.routes import deferred
from chalicelib.work_queue_composition import work_queue
from civiq.core.staff import Role, StaffIdentity

if TYPE_CHECKING:
    from civiq.operations.schemas import work_items as schemas
else:
    schemas = deferred("civiq.operations.schemas.work_items")

blueprint = Blueprint(__name__)
WORK_QUEUE = "/api/v1/utility/work-queue"
ITEM = WORK_QUEUE + "/{item_id}"
TAG = "work queue"


@staff_route(blueprint, WORK_QUEUE, "GET", Role.CLERK, tag=TAG)
def list_work_items(query: schemas.WorkQuery) -> Reply[schemas.WorkItemPage]:
    """Background work that failed, oldest first (status=open by default)."""
    page = work_queue().items.listing(query.status, query.limit, query.cursor)
    items = [schemas.WorkItemOut.of(i) for i in page.items]
    return json_response(schemas.WorkItemPage(items=items, next_cursor=page.next_cursor))


@staff_route(blueprint, ITEM, "GET", Role.CLERK, tag=TAG)
def get_work_item(item_id: str) -> Reply[schemas.WorkItemOut]:
    """One failure: what failed, why, what it is about, and what staff did about it."""
    return json_response(schemas.WorkItemOut.of(work_queue().items.get(item_id)))


@staff_route(blueprint, ITEM + "/retry", "POST", Role.CLERK, tag=TAG)
def retry_work_item(
    request: Request, staff: StaffIdentity, item_id: str, body: schemas.NoteRequest
) -> Reply[schemas.WorkItemOut]:
    """Run the failed work again, once what stopped it is fixed (a workflow from its start, a
    message back on its queue); a new failure is a new item."""
    item = work_queue().retry(item_id, body.note, staff.as_actor(), correlation_id(request))
    return json_response(schemas.WorkItemOut.of(item))


@staff_route(blueprint, ITEM + "/resolve", "POST", Role.SUPERVISOR, tag=TAG)
def resolve_work_item(
    request: Request, staff: StaffIdentity, item_id: str, body: schemas.NoteRequest
) -> Reply[schemas.WorkItemOut]:
    """Close an item dealt with by hand, saying how."""
    item = work_queue().resolve(item_id, body.note, staff.as_actor(), correlation_id(request))
    return json_response(schemas.WorkItemOut.of(item))
