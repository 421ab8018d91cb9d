"""Customers: /api/v1/utility/customers (contact details and communication preferences)."""

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
    from civiq.accounts.schemas import customers as schemas
    from civiq.core import history
    from civiq.core import schemas as common
else:
    schemas = deferred("civiq.accounts.schemas.customers")
    history = deferred("civiq.core.history")
    common = deferred("civiq.core.schemas")

blueprint = Blueprint(__name__)
CUSTOMERS = "/api/v1/utility/customers"
CUSTOMER = CUSTOMERS + "/{id}"
TAG = "customers"


@staff_route(blueprint, CUSTOMERS, "POST", Role.CLERK, tag=TAG, status=201)
def register_customer(
    request: Request, staff: StaffIdentity, body: schemas.NewCustomerIn
) -> Reply[schemas.CustomerResponse]:
    """Register a person or organization with contact details and preferences."""
    customer = account_services().register_customer(
        body.to_new(), staff.as_actor(), correlation_id(request)
    )
    location = f"{CUSTOMERS}/{customer.customer_id}"
    return json_response(schemas.CustomerResponse.of(customer, []), 201, {"Location": location})


@staff_route(blueprint, CUSTOMER, "GET", Role.CLERK, tag=TAG)
def get_customer(id: str) -> Reply[schemas.CustomerResponse]:
    """A customer with the accounts they hold or own as owner of record."""
    customer = account_services().customers.get(id)
    accounts = list(account_services().accounts.of_customer(customer.customer_id))
    return json_response(schemas.CustomerResponse.of(customer, accounts))


@staff_route(blueprint, CUSTOMER + "/contact", "PUT", Role.CLERK, tag=TAG)
def update_contact(
    request: Request, staff: StaffIdentity, id: str, body: schemas.ContactUpdate
) -> Reply[schemas.CustomerResponse]:
    """Change the name, email, phone or mailing address (only those named); the customer's
    accounts follow."""
    current = account_services().customers.get(id)
    customer = account_services().revise_customer(
        id,
        body.version,
        staff.as_actor(),
        correlation_id(request),
        name=body.name,
        contact=body.contact.over(current.contact, "contact"),
    )
    return json_response(schemas.CustomerResponse.of(customer))


@staff_route(blueprint, CUSTOMER + "/preferences", "PUT", Role.CLERK, tag=TAG)
def update_preferences(
    request: Request, staff: StaffIdentity, id: str, body: schemas.PreferencesUpdate
) -> Reply[schemas.CustomerResponse]:
    """Notice language, preferred contact method, e-billing and consent to email and SMS (only
    those named; a consent given or withdrawn is dated when recorded, and kept once withdrawn)."""
    current = account_services().customers.get(id)
    customer = account_services().revise_customer(
        id,
        body.version,
        staff.as_actor(),
        correlation_id(request),
        preferences=body.preferences.over(current.preferences),
        consents=body.preferences.consents(),
    )
    return json_response(schemas.CustomerResponse.of(customer))


@staff_route(blueprint, CUSTOMER + "/history", "GET", Role.CLERK, tag=TAG)
def customer_history(id: str, query: common.PageQuery) -> Reply[common.HistoryPage]:
    """Every change to the customer, oldest first."""
    customer = account_services().customers.get(id)
    return history_response(history.subject_of(customer), query)
