"""Payment arrangements of an account (/api/v1/utility/accounts/{id}/arrangements), and every
account's in force (/api/v1/ar/arrangements).

A clerk makes one for what the account owes past due, within the municipality's policy (every
term it refuses is named); one is in force at a time. Making one carries an ``Idempotency-Key``
like a payment: a retried request answers what the first was answered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint
from chalice.app import Request

from chalicelib.collections_composition import arrangements
from chalicelib.http import Reply, correlation_id, json_response, staff_route
from chalicelib.routes import deferred
from chalicelib.routes.payments import KEYED, once
from civiq.core.schemas import PageQuery
from civiq.core.staff import Role, StaffIdentity

if TYPE_CHECKING:
    from civiq.collections.schemas import arrangements as schemas
else:
    schemas = deferred("civiq.collections.schemas.arrangements")

blueprint = Blueprint(__name__)
ARRANGEMENTS = "/api/v1/utility/accounts/{id}/arrangements"
IN_FORCE = "/api/v1/ar/arrangements"
TAG = "arrangements"


@staff_route(blueprint, ARRANGEMENTS, "GET", Role.CLERK, tag=TAG)
def list_arrangements(id: str) -> Reply[schemas.ArrangementList]:
    """The account's payment arrangements, newest first."""
    found = arrangements().views.of_account(id)
    return json_response(
        schemas.ArrangementList(items=[schemas.ArrangementResponse.of(a) for a in found])
    )


@staff_route(blueprint, IN_FORCE, "GET", Role.CLERK, tag=TAG)
def list_arrangements_in_force(query: PageQuery) -> Reply[schemas.ArrangementPage]:
    """Every account's payment arrangement in force, the next to be checked first."""
    page = arrangements().views.in_force(query.limit, query.cursor)
    return json_response(
        schemas.ArrangementPage(
            items=[schemas.ArrangementResponse.of(a) for a in page.items],
            next_cursor=page.next_cursor,
        )
    )


@staff_route(blueprint, ARRANGEMENTS, "POST", Role.CLERK, tag=TAG, status=201, inject=KEYED)
def make_an_arrangement(
    request: Request, staff: StaffIdentity, id: str, key: str, body: schemas.ArrangementRequest
) -> Reply[schemas.ArrangementResponse]:
    """Arrange what the account owes past due today: a down payment, then instalments."""

    def respond() -> tuple[int, schemas.ArrangementResponse, dict[str, str]]:
        made = arrangements().make(body.asked(id), staff.as_actor(), correlation_id(request))
        return 201, schemas.ArrangementResponse.of(made), {}

    return once("make-arrangement", key, body, {"id": id}, respond)
