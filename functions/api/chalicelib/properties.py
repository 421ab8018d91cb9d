"""Properties: /api/v1/utility/properties."""

from __future__ import annotations

from chalice import Blueprint, Response
from chalice.app import Request
from pydantic import Field

from chalicelib.composition import api
from chalicelib.history import history_response
from chalicelib.http import correlation_id, json_response, parse_body, parse_query, staff_route
from civiq.accounts.domain.properties import normalize_roll_number
from civiq.accounts.schemas.properties import (
    PropertyResponse,
    PropertyUpdate,
    RegisterPropertyRequest,
)
from civiq.core.history import subject_of
from civiq.core.schemas import HistoryPage, PageQuery
from civiq.core.schemas import Request as Strict
from civiq.core.staff import Role, StaffIdentity

blueprint = Blueprint(__name__)
PROPERTIES = "/api/v1/utility/properties"
PROPERTY = PROPERTIES + "/{id}"
TAG = "properties"


class RollNumberQuery(Strict):
    roll_number: str = Field(max_length=32, description="Find the property by its roll number")


@staff_route(
    blueprint,
    PROPERTIES,
    "POST",
    Role.CLERK,
    tag=TAG,
    request=RegisterPropertyRequest,
    response=PropertyResponse,
    status=201,
)
def register_property(request: Request, staff: StaffIdentity) -> Response:
    """Register a property: address, roll number, type, units, meters and map pin."""
    body = parse_body(request, RegisterPropertyRequest, api().settings.max_body_bytes)
    prop = api().register_property(
        body.to_new(owner_customer_id=body.owner_customer_id),
        staff.as_actor(),
        correlation_id(request),
    )
    location = f"{PROPERTIES}/{prop.property_id}"
    return json_response(PropertyResponse.of(prop, []), 201, {"Location": location})


@staff_route(
    blueprint,
    PROPERTIES,
    "GET",
    Role.CLERK,
    tag=TAG,
    query=RollNumberQuery,
    response=PropertyResponse,
)
def find_property_by_roll_number(request: Request, staff: StaffIdentity) -> Response:
    """The property with a tax roll number, with its accounts (roll number -> property)."""
    roll = normalize_roll_number(parse_query(request, RollNumberQuery).roll_number)
    prop = api().properties.get_by_roll_number(roll)
    accounts = list(api().accounts.of_property(prop.property_id))
    return json_response(PropertyResponse.of(prop, accounts))


@staff_route(blueprint, PROPERTY, "GET", Role.CLERK, tag=TAG, response=PropertyResponse)
def get_property(request: Request, staff: StaffIdentity, id: str) -> Response:
    """A property with every account on it (current and closed)."""
    prop = api().properties.get(id)
    accounts = list(api().accounts.of_property(prop.property_id))
    return json_response(PropertyResponse.of(prop, accounts))


@staff_route(
    blueprint,
    PROPERTY,
    "PUT",
    Role.CLERK,
    tag=TAG,
    request=PropertyUpdate,
    response=PropertyResponse,
)
def revise_property(request: Request, staff: StaffIdentity, id: str) -> Response:
    """Correct a property's details; its accounts' addresses and roll number follow."""
    body = parse_body(request, PropertyUpdate, api().settings.max_body_bytes)
    prop = api().revise_property(
        id, body.version, body.edits(), staff.as_actor(), correlation_id(request)
    )
    return json_response(PropertyResponse.of(prop))


@staff_route(
    blueprint,
    PROPERTY + "/history",
    "GET",
    Role.CLERK,
    tag=TAG,
    query=PageQuery,
    response=HistoryPage,
)
def property_history(request: Request, staff: StaffIdentity, id: str) -> Response:
    """Every change to the property, oldest first."""
    query = parse_query(request, PageQuery)
    prop = api().properties.get(id)
    return history_response(subject_of(prop), query)
