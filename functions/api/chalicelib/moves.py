"""Moves: /api/v1/utility/moves (clerks and up).

A move is checked synchronously (a bad request writes nothing) and then runs as the move
workflow; its id is derived from the request, so the same request again is the same move.
"""

from __future__ import annotations

from chalice import Blueprint, Response
from chalice.app import Request

from chalicelib.composition import api
from chalicelib.http import correlation_id, json_response, parse_body, staff_route
from chalicelib.workflow_composition import workflows
from civiq.accounts.schemas.moves import MoveRequest, MoveResponse
from civiq.core.errors import NotFound
from civiq.core.staff import Role, StaffIdentity

blueprint = Blueprint(__name__)
MOVES = "/api/v1/utility/moves"
TAG = "moves"


@staff_route(
    blueprint,
    MOVES,
    "POST",
    Role.CLERK,
    tag=TAG,
    request=MoveRequest,
    response=MoveResponse,
    status=202,
)
def submit_move(request: Request, staff: StaffIdentity) -> Response:
    """Move an occupant out, in, or both for one unit (runs as a workflow)."""
    body = parse_body(request, MoveRequest, api().settings.max_body_bytes)
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
    return json_response(MoveResponse.of(execution), 202, {"Location": location})


@staff_route(blueprint, MOVES + "/{id}", "GET", Role.CLERK, tag=TAG, response=MoveResponse)
def get_move(request: Request, staff: StaffIdentity, id: str) -> Response:
    """A move's progress and results: the accounts moved out (and how they settled) and in."""
    execution = workflows().moves.describe(id) if id.isalnum() and len(id) <= 40 else None
    if execution is None:
        raise NotFound(f"no move with id {id}", "id")
    return json_response(MoveResponse.of(execution))
