"""Properties: /api/v1/utility/properties."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint
from chalice.app import Request

from chalicelib.composition import account_services
from chalicelib.http import Reply, correlation_id, json_response, staff_route
from chalicelib.routes import deferred
from chalicelib.routes.history import history_response
from civiq.core.staff import Role, StaffIdentity

if TYPE_CHECKING:
    from civiq.accounts.domain import properties
    from civiq.accounts.schemas import properties as schemas
    from civiq.core import history
    from civiq.core import schemas as common
else:
    properties = deferred("civiq.accounts.domain.properties")
    schemas = deferred("civiq.accounts.schemas.properties")
    history = deferred("civiq.core.history")
    common = deferred("civiq.core.schemas")

blueprint = Blueprint(__name__)
PROPERTIES = "/api/v1/utility/properties"
PROPERTY = PROPERTIES + "/{id}"
TAG = "properties"


@staff_route(blueprint, PROPERTIES, "POST", Role.CLERK, tag=TAG, status=201)
def register_property(
    request: Request, staff: StaffIdentity, body: schemas.RegisterPropertyRequest
) -> Reply[schemas.PropertyResponse]:
    """Register a property: address, roll number, type, units, meters and map pin."""
    prop = account_services().register_property(
        body.to_new(owner_customer_id=body.owner_customer_id),
        staff.as_actor(),
        correlation_id(request),
    )
    location = f"{PROPERTIES}/{prop.property_id}"
    return json_response(schemas.PropertyResponse.of(prop, []), 201, {"Location": location})


@staff_route(blueprint, PROPERTIES, "GET", Role.CLERK, tag=TAG)
def find_property_by_roll_number(
    query: schemas.RollNumberQuery,
) -> Reply[schemas.PropertyResponse]:
    """The property with a tax roll number, with its accounts (roll number -> property)."""
    prop = account_services().properties.get_by_roll_number(
        properties.normalize_roll_number(query.roll_number)
    )
    accounts = list(account_services().accounts.of_property(prop.property_id))
    return json_response(schemas.PropertyResponse.of(prop, accounts))


@staff_route(blueprint, PROPERTY, "GET", Role.CLERK, tag=TAG)
def get_property(id: str) -> Reply[schemas.PropertyResponse]:
    """A property with every account on it (current and closed)."""
    prop = account_services().properties.get(id)
    accounts = list(account_services().accounts.of_property(prop.property_id))
    return json_response(schemas.PropertyResponse.of(prop, accounts))


@staff_route(blueprint, PROPERTY, "PUT", Role.CLERK, tag=TAG)
def revise_property(
    request: Request, staff: StaffIdentity, id: str, body: schemas.PropertyUpdate
) -> Reply[schemas.PropertyResponse]:
    """Correct a property's details (only those named); its accounts' addresses and roll number
    follow."""
    edits = body.over(account_services().properties.get(id))
    prop = account_services().revise_property(
        id, body.version, edits, staff.as_actor(), correlation_id(request)
    )
    return json_response(schemas.PropertyResponse.of(prop))


@staff_route(blueprint, PROPERTY + "/history", "GET", Role.CLERK, tag=TAG)
def property_history(id: str, query: common.PageQuery) -> Reply[common.HistoryPage]:
    """Every change to the property, oldest first."""
    prop = account_services().properties.get(id)
    return history_response(history.subject_of(prop), query)
