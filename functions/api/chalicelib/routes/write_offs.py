"""Write-offs of arrears (/api/v1/ar/write-offs).

A clerk writes off up to the clerk's authority (the municipality's setting, $100.00 unless
changed); above it the request is refused on ``amount`` and a supervisor writes it off (a
supervisor's write-off is the approval). The write-off pays the account's open items oldest
first and closes its collection case when nothing worth following is left; a ``write_off_id``
makes a retry safe (the same id again changes nothing). A payment later reinstates the arrears
by itself; a supervisor reverses a write-off made in error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint
from chalice.app import Request

from chalicelib.collections_composition import write_offs
from chalicelib.http import Reply, correlation_id, json_response, staff_route
from chalicelib.routes import deferred
from civiq.core.staff import Role, StaffIdentity

if TYPE_CHECKING:
    from civiq.collections.schemas import write_offs as schemas
else:
    schemas = deferred("civiq.collections.schemas.write_offs")

blueprint = Blueprint(__name__)
WRITE_OFFS = "/api/v1/ar/write-offs"
WRITE_OFF = WRITE_OFFS + "/{id}"
TAG = "write-offs"


@staff_route(
    blueprint,
    WRITE_OFFS,
    "POST",
    Role.CLERK,
    tag=TAG,
    status=201,
    also={200: "written off before under the same write_off_id: nothing changed"},
)
def write_off_arrears(
    request: Request, staff: StaffIdentity, body: schemas.WriteOffRequest
) -> Reply[schemas.WriteOffOut]:
    """Write arrears off an account (a clerk within authority, a supervisor any amount owed)."""
    written = write_offs().write_off(body.asked(), staff.as_actor(), correlation_id(request))
    return json_response(schemas.WriteOffOut.of(written.write_off), 201 if written.new else 200)


@staff_route(blueprint, WRITE_OFFS, "GET", Role.CLERK, tag=TAG)
def list_write_offs(query: schemas.WriteOffQuery) -> Reply[schemas.WriteOffList]:
    """Write-offs, newest first (of one account, with ``account_id``)."""
    page = write_offs().views.newest(query.account_id, query.limit, query.cursor)
    return json_response(
        schemas.WriteOffList(
            items=[schemas.WriteOffOut.of(w) for w in page.items], next_cursor=page.next_cursor
        )
    )


@staff_route(blueprint, WRITE_OFF, "GET", Role.CLERK, tag=TAG)
def get_write_off(id: schemas.WriteOffId) -> Reply[schemas.WriteOffOut]:
    """A write-off, with what was reinstated of it since."""
    return json_response(schemas.WriteOffOut.of(write_offs().views.get(id)))


@staff_route(blueprint, WRITE_OFF + "/reverse", "POST", Role.SUPERVISOR, tag=TAG)
def reverse_write_off(
    request: Request,
    staff: StaffIdentity,
    id: schemas.WriteOffId,
    body: schemas.ReverseWriteOffRequest,
) -> Reply[schemas.WriteOffOut]:
    """Reverse a write-off made in error: what is left of it is owed again (once)."""
    after = write_offs().reverse(id, body.reason, staff.as_actor(), correlation_id(request))
    return json_response(schemas.WriteOffOut.of(after))
