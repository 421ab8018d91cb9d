"""Utility accounts: /api/v1/utility/accounts."""

from __future__ import annotations

from chalice import Blueprint, Response
from chalice.app import Request

from chalicelib.composition import api
from chalicelib.history import history_response
from chalicelib.http import correlation_id, json_response, parse_body, parse_query, staff_route
from civiq.accounts.domain.accounts import AccountStatus
from civiq.accounts.domain.search import SearchQuery
from civiq.accounts.schemas.accounts import (
    AccountPage,
    AccountResponse,
    AccountSearchQuery,
    AgentRequest,
    ClosureRequest,
    OpenAccountRequest,
    ServicesUpdate,
    SettingsUpdate,
    VersionQuery,
    services_of,
)
from civiq.core.history import subject_of
from civiq.core.schemas import HistoryPage, PageQuery
from civiq.core.staff import Role, StaffIdentity

blueprint = Blueprint(__name__)
ACCOUNTS = "/api/v1/utility/accounts"
ACCOUNT = ACCOUNTS + "/{id}"
TAG = "accounts"


@staff_route(
    blueprint,
    ACCOUNTS,
    "POST",
    Role.CLERK,
    tag=TAG,
    request=OpenAccountRequest,
    response=AccountResponse,
    status=201,
)
def open_account(request: Request, staff: StaffIdentity) -> Response:
    """Open an account; returns its account number, the resident's portal lookup code."""
    body = parse_body(request, OpenAccountRequest, api().settings.max_body_bytes)
    account = api().open_account(body.to_command(), staff.as_actor(), correlation_id(request))
    location = f"{ACCOUNTS}/{account.account_id}"
    return json_response(AccountResponse.of(account, api().numbering), 201, {"Location": location})


@staff_route(blueprint, ACCOUNT, "GET", Role.CLERK, tag=TAG, response=AccountResponse)
def get_account(request: Request, staff: StaffIdentity, id: str) -> Response:
    """Get an account by its id or its account number (typed with or without separators)."""
    return json_response(AccountResponse.of(api().find_account(id), api().numbering))


@staff_route(
    blueprint, ACCOUNTS, "GET", Role.CLERK, tag=TAG, query=AccountSearchQuery, response=AccountPage
)
def search_accounts(request: Request, staff: StaffIdentity) -> Response:
    """Search by account number, name, address, postal code or roll number; or list by status."""
    query = parse_query(request, AccountSearchQuery)
    accounts = api().accounts
    if query.q:
        page = accounts.search(
            SearchQuery.parse(query.q), query.status, query.service, query.limit, query.cursor
        )
    else:
        status = query.status or AccountStatus.ACTIVE
        page = accounts.list_by_status(status, query.service, query.limit, query.cursor)
    return json_response(AccountPage.of(list(page.items), page.next_cursor))


@staff_route(
    blueprint,
    ACCOUNT + "/services",
    "PUT",
    Role.CLERK,
    tag=TAG,
    request=ServicesUpdate,
    response=AccountResponse,
)
def update_services(request: Request, staff: StaffIdentity, id: str) -> Response:
    """Replace the account's services, each with its own start and end dates and status."""
    body = parse_body(request, ServicesUpdate, api().settings.max_body_bytes)
    account = api().change_account.services(
        id, body.version, services_of(body.services), staff.as_actor(), correlation_id(request)
    )
    return json_response(AccountResponse.of(account, api().numbering))


@staff_route(
    blueprint,
    ACCOUNT + "/settings",
    "PUT",
    Role.CLERK,
    tag=TAG,
    request=SettingsUpdate,
    response=AccountResponse,
)
def update_settings(request: Request, staff: StaffIdentity, id: str) -> Response:
    """Autopay, landlord copies of notices and the waste cart size."""
    body = parse_body(request, SettingsUpdate, api().settings.max_body_bytes)
    account = api().change_account.settings(
        id,
        body.version,
        staff.as_actor(),
        correlation_id(request),
        autopay=body.autopay,
        landlord_copies=body.landlord_copies,
        cart_size=body.cart_size,
    )
    return json_response(AccountResponse.of(account, api().numbering))


@staff_route(
    blueprint,
    ACCOUNT + "/agents",
    "POST",
    Role.CLERK,
    tag=TAG,
    request=AgentRequest,
    response=AccountResponse,
    status=201,
)
def authorize_agent(request: Request, staff: StaffIdentity, id: str) -> Response:
    """Authorize an agent to act for the holder, within a scope and dates."""
    body = parse_body(request, AgentRequest, api().settings.max_body_bytes)
    account = api().change_account.add_agent(
        id, body.version, body.agent.to_domain, staff.as_actor(), correlation_id(request)
    )
    return json_response(AccountResponse.of(account, api().numbering), 201)


@staff_route(
    blueprint,
    ACCOUNT + "/agents/{agent_id}",
    "DELETE",
    Role.CLERK,
    tag=TAG,
    query=VersionQuery,
    response=AccountResponse,
)
def revoke_agent(request: Request, staff: StaffIdentity, id: str, agent_id: str) -> Response:
    """Revoke an agent's authorization (the history keeps it)."""
    version = parse_query(request, VersionQuery).version
    account = api().change_account.revoke_agent(
        id, version, agent_id, staff.as_actor(), correlation_id(request)
    )
    return json_response(AccountResponse.of(account, api().numbering))


@staff_route(
    blueprint,
    ACCOUNT + "/closure",
    "POST",
    Role.SUPERVISOR,
    tag=TAG,
    request=ClosureRequest,
    response=AccountResponse,
)
def close_account(request: Request, staff: StaffIdentity, id: str) -> Response:
    """Close a final-billed account (supervisors)."""
    body = parse_body(request, ClosureRequest, api().settings.max_body_bytes)
    account = api().change_account.close(
        id, body.version, staff.as_actor(), correlation_id(request)
    )
    return json_response(AccountResponse.of(account, api().numbering))


@staff_route(
    blueprint,
    ACCOUNT + "/history",
    "GET",
    Role.CLERK,
    tag=TAG,
    query=PageQuery,
    response=HistoryPage,
)
def account_history(request: Request, staff: StaffIdentity, id: str) -> Response:
    """Every change to the account: who, when, what, before and after; oldest first."""
    query = parse_query(request, PageQuery)
    account = api().find_account(id)
    return history_response(subject_of(account), query)
