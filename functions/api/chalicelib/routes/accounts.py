"""Utility accounts: /api/v1/utility/accounts."""

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
    from civiq.accounts.domain import accounts, search
    from civiq.accounts.schemas import accounts as schemas
    from civiq.core import history
    from civiq.core import schemas as common
else:
    accounts = deferred("civiq.accounts.domain.accounts")
    search = deferred("civiq.accounts.domain.search")
    schemas = deferred("civiq.accounts.schemas.accounts")
    history = deferred("civiq.core.history")
    common = deferred("civiq.core.schemas")

blueprint = Blueprint(__name__)
ACCOUNTS = "/api/v1/utility/accounts"
ACCOUNT = ACCOUNTS + "/{id}"
TAG = "accounts"


@staff_route(blueprint, ACCOUNTS, "POST", Role.CLERK, tag=TAG, status=201)
def open_account(
    request: Request, staff: StaffIdentity, body: schemas.OpenAccountRequest
) -> Reply[schemas.AccountResponse]:
    """Open an account; returns its account number, the resident's portal lookup code."""
    account = account_services().open_account(
        body.to_command(), staff.as_actor(), correlation_id(request)
    )
    location = f"{ACCOUNTS}/{account.account_id}"
    return json_response(
        schemas.AccountResponse.of(account, account_services().numbering),
        201,
        {"Location": location},
    )


@staff_route(blueprint, ACCOUNT, "GET", Role.CLERK, tag=TAG, finds_account=True)
def get_account(id: str) -> Reply[schemas.AccountResponse]:
    """Get an account by its id or its account number (typed with or without separators)."""
    return json_response(
        schemas.AccountResponse.of(
            account_services().find_account(id), account_services().numbering
        )
    )


@staff_route(blueprint, ACCOUNTS, "GET", Role.CLERK, tag=TAG)
def search_accounts(query: schemas.AccountSearchQuery) -> Reply[schemas.AccountPage]:
    """Search by account number, name, address, postal code or roll number; or list by status."""
    repository = account_services().accounts
    if query.q:
        terms = search.SearchQuery.parse(query.q)
        page = repository.search(terms, query.status, query.service, query.limit, query.cursor)
    else:
        status = query.status or accounts.AccountStatus.ACTIVE
        page = repository.list_by_status(status, query.service, query.limit, query.cursor)
    return json_response(schemas.AccountPage.of(list(page.items), page.next_cursor))


@staff_route(blueprint, ACCOUNT + "/services", "PUT", Role.CLERK, tag=TAG)
def update_services(
    request: Request, staff: StaffIdentity, id: str, body: schemas.ServicesUpdate
) -> Reply[schemas.AccountResponse]:
    """Replace the account's services, each with its own start and end dates and status (and
    the waste cart with them)."""
    account = account_services().change_account.services(
        id,
        body.version,
        schemas.services_of(body.services),
        staff.as_actor(),
        correlation_id(request),
        cart_size=body.cart_size_edit(),
    )
    return json_response(schemas.AccountResponse.of(account, account_services().numbering))


@staff_route(blueprint, ACCOUNT + "/settings", "PUT", Role.CLERK, tag=TAG)
def update_settings(
    request: Request, staff: StaffIdentity, id: str, body: schemas.SettingsUpdate
) -> Reply[schemas.AccountResponse]:
    """Autopay, landlord copies of notices and the waste cart size: only those named change."""
    account = account_services().change_account.settings(
        id,
        body.version,
        staff.as_actor(),
        correlation_id(request),
        autopay=body.autopay,
        landlord_copies=body.landlord_copies,
        cart_size=body.cart_size_edit(),
    )
    return json_response(schemas.AccountResponse.of(account, account_services().numbering))


@staff_route(blueprint, ACCOUNT + "/agents", "POST", Role.CLERK, tag=TAG, status=201)
def authorize_agent(
    request: Request, staff: StaffIdentity, id: str, body: schemas.AgentRequest
) -> Reply[schemas.AccountResponse]:
    """Authorize an agent to act for the holder, within a scope and dates."""
    account = account_services().change_account.add_agent(
        id, body.version, body.agent.to_domain, staff.as_actor(), correlation_id(request)
    )
    return json_response(schemas.AccountResponse.of(account, account_services().numbering), 201)


@staff_route(blueprint, ACCOUNT + "/agents/{agent_id}", "DELETE", Role.CLERK, tag=TAG)
def revoke_agent(
    request: Request, staff: StaffIdentity, id: str, agent_id: str, query: schemas.VersionQuery
) -> Reply[schemas.AccountResponse]:
    """Revoke an agent's authorization (the history keeps it)."""
    account = account_services().change_account.revoke_agent(
        id, query.version, agent_id, staff.as_actor(), correlation_id(request)
    )
    return json_response(schemas.AccountResponse.of(account, account_services().numbering))


@staff_route(blueprint, ACCOUNT + "/closure", "POST", Role.SUPERVISOR, tag=TAG)
def close_account(
    request: Request, staff: StaffIdentity, id: str, body: schemas.ClosureRequest
) -> Reply[schemas.AccountResponse]:
    """Close a final-billed account (supervisors)."""
    account = account_services().change_account.close(
        id, body.version, staff.as_actor(), correlation_id(request)
    )
    return json_response(schemas.AccountResponse.of(account, account_services().numbering))


@staff_route(blueprint, ACCOUNT + "/history", "GET", Role.CLERK, tag=TAG, finds_account=True)
def account_history(id: str, query: common.PageQuery) -> Reply[common.HistoryPage]:
    """Every change to the account: who, when, what, before and after; oldest first."""
    account = account_services().find_account(id)
    return history_response(history.subject_of(account), query)
