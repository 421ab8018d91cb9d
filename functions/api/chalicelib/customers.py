"""Customers: /api/v1/utility/customers (contact details and communication preferences)."""

from __future__ import annotations

from chalice import Blueprint, Response
from chalice.app import Request

from chalicelib.composition import api
from chalicelib.history import history_response
from chalicelib.http import correlation_id, json_response, parse_body, parse_query, staff_route
from civiq.accounts.schemas.customers import (
    ContactUpdate,
    CustomerResponse,
    NewCustomerIn,
    PreferencesUpdate,
)
from civiq.core.history import subject_of
from civiq.core.schemas import HistoryPage, PageQuery
from civiq.core.staff import Role, StaffIdentity

blueprint = Blueprint(__name__)
CUSTOMERS = "/api/v1/utility/customers"
CUSTOMER = CUSTOMERS + "/{id}"
TAG = "customers"


@staff_route(
    blueprint,
    CUSTOMERS,
    "POST",
    Role.CLERK,
    tag=TAG,
    request=NewCustomerIn,
    response=CustomerResponse,
    status=201,
)
def register_customer(request: Request, staff: StaffIdentity) -> Response:
    """Register a person or organization with contact details and preferences."""
    body = parse_body(request, NewCustomerIn, api().settings.max_body_bytes)
    customer = api().register_customer(body.to_new(), staff.as_actor(), correlation_id(request))
    location = f"{CUSTOMERS}/{customer.customer_id}"
    return json_response(CustomerResponse.of(customer, []), 201, {"Location": location})


@staff_route(blueprint, CUSTOMER, "GET", Role.CLERK, tag=TAG, response=CustomerResponse)
def get_customer(request: Request, staff: StaffIdentity, id: str) -> Response:
    """A customer with the accounts they hold or own as owner of record."""
    customer = api().customers.get(id)
    accounts = list(api().accounts.of_customer(customer.customer_id))
    return json_response(CustomerResponse.of(customer, accounts))


@staff_route(
    blueprint,
    CUSTOMER + "/contact",
    "PUT",
    Role.CLERK,
    tag=TAG,
    request=ContactUpdate,
    response=CustomerResponse,
)
def update_contact(request: Request, staff: StaffIdentity, id: str) -> Response:
    """Change the name, email, phone or mailing address; the customer's accounts follow."""
    body = parse_body(request, ContactUpdate, api().settings.max_body_bytes)
    customer = api().revise_customer(
        id,
        body.version,
        staff.as_actor(),
        correlation_id(request),
        name=body.name,
        contact=body.contact.to_domain("contact"),
    )
    return json_response(CustomerResponse.of(customer))


@staff_route(
    blueprint,
    CUSTOMER + "/preferences",
    "PUT",
    Role.CLERK,
    tag=TAG,
    request=PreferencesUpdate,
    response=CustomerResponse,
)
def update_preferences(request: Request, staff: StaffIdentity, id: str) -> Response:
    """Notice language, preferred contact method and e-billing."""
    body = parse_body(request, PreferencesUpdate, api().settings.max_body_bytes)
    customer = api().revise_customer(
        id,
        body.version,
        staff.as_actor(),
        correlation_id(request),
        preferences=body.preferences.to_domain(),
    )
    return json_response(CustomerResponse.of(customer))


@staff_route(
    blueprint,
    CUSTOMER + "/history",
    "GET",
    Role.CLERK,
    tag=TAG,
    query=PageQuery,
    response=HistoryPage,
)
def customer_history(request: Request, staff: StaffIdentity, id: str) -> Response:
    """Every change to the customer, oldest first."""
    query = parse_query(request, PageQuery)
    customer = api().customers.get(id)
    return history_response(subject_of(customer), query)
