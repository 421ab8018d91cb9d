"""Moves: /api/v1/utility/moves (clerks and up).

A move is checked synchronously (a bad request writes nothing) and then runs as the move
workflow; its id is derived from the request, so the same request again is the same move.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint
from chalice.app import Request

from chalicelib.http import Reply, correlation_id, json_response, staff_route
from chalicelib.routes import deferred
from chalicelib.workflow_composition import workflows
from civiq.core.errors import NotFound
from civiq.core.staff import Role, StaffIdentity

if TYPE_CHECKING:
    from civiq.accounts.schemas import moves as schemas
else:
    schemas = deferred("civiq.accounts.schemas.moves")

blueprint = Blueprint(__name__)
MOVES = "/api/v1/utility/moves"
TAG = "moves"


@staff_route(blueprint, MOVES, "POST", Role.CLERK, tag=TAG, status=202)
def submit_move(
    request: Request, staff: StaffIdentity, body: schemas.MoveRequest
) -> Reply[schemas.MoveResponse]:
    """Move an occupant out, in, or both for one unit (runs as a workflow)."""
    flows = workflows()
    move_id = body.move_id()
    execution = flows.moves.describe(move_id)
    if execution is None:  # a new request: check it, then start its workflow
        flows.check_move(body.to_command())
        cid = correlation_id(request)
        flows.moves.start(move_id, body.workflow_input(move_id, staff.as_actor(), cid))
        execution = flows.moves.describe(move_id)
        assert execution is not None
    location = f"{MOVES}/{move_id}"
    return json_response(schemas.MoveResponse.of(execution), 202, {"Location": location})


@staff_route(blueprint, MOVES + "/{id}", "GET", Role.CLERK, tag=TAG)
def get_move(id: str) -> Reply[schemas.MoveResponse]:
    """A move's progress and results: the accounts moved out (and how they settled) and in."""
    execution = workflows().moves.describe(id) if id.isalnum() and len(id) <= 40 else None
    if execution is None:
        raise NotFound(f"no move with id {id}", "id")
    return json_response(schemas.MoveResponse.of(execution))
