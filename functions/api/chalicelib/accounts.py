"""Utility accounts: /api/v1/utility/accounts."""

from __future__ import annotations

from chalice import Blueprint, Response
from chalice.app import Request

from chalicelib.composition import api
from chalicelib.http import correlation_id, json_response, parse_body, staff_route
from civiq.domain.accounts import AccountStatus
from civiq.domain.errors import InvalidInput
from civiq.domain.staff import Role, StaffIdentity
from civiq.schemas.accounts import AccountResponse, OpenAccountRequest

blueprint = Blueprint(__name__)
ACCOUNTS = "/api/v1/utility/accounts"
MAX_PAGE = 100


@staff_route(blueprint, ACCOUNTS, "POST", Role.CLERK)
def open_account(request: Request, staff: StaffIdentity) -> Response:
    body = parse_body(request, OpenAccountRequest, api().settings.max_body_bytes)
    account = api().open_account(body.to_command(), staff.as_actor(), correlation_id(request))
    location = f"{ACCOUNTS}/{account.account_id}"
    return json_response(AccountResponse.of(account, api().numbering), 201, {"Location": location})


@staff_route(blueprint, ACCOUNTS + "/{id}", "GET", Role.CLERK)
def get_account(request: Request, staff: StaffIdentity, id: str) -> Response:
    account = api().find_account(id)
    return json_response(AccountResponse.of(account, api().numbering))


@staff_route(blueprint, ACCOUNTS, "GET", Role.CLERK)
def list_accounts(request: Request, staff: StaffIdentity) -> Response:
    query = request.query_params or {}
    unknown = sorted(set(query) - {"status", "limit", "cursor"})
    if unknown:
        raise InvalidInput(f"unknown query parameter {unknown[0]}", unknown[0])
    try:
        status = AccountStatus(query.get("status", AccountStatus.ACTIVE.value))
    except ValueError:
        raise InvalidInput("status must be one of " + ", ".join(AccountStatus), "status") from None
    limit_text = query.get("limit", "25")
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_PAGE:
        raise InvalidInput(f"limit must be a whole number from 1 to {MAX_PAGE}", "limit")
    page = api().accounts.list_by_status(status, int(limit_text), query.get("cursor"))
    numbering = api().numbering
    return json_response(
        {
            "items": [
                AccountResponse.of(a, numbering).model_dump(mode="json") for a in page.accounts
            ],
            "next_cursor": page.next_cursor,
        }
    )
