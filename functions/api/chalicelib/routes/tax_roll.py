"""Utility arrears added to the property tax roll (/api/v1/ar/tax-roll-transfers) and the daily
files for the tax system (/api/v1/ar/tax-roll-files).

A supervisor notices a transfer: the items past due long enough, the transfer fee and the
deadline go to the owner (and a tenant whose arrears they are) by letter, and by email where
they consented; the account's collection case pauses. At the deadline what is still owed goes
on the tax roll by itself, unless it was paid or the transfer withdrawn. A transfer made in error
or cancelled by council is reversed: its total is owed on the utility account again and the
tax system gets a reversal line. Every day's transfers and reversals are one CSV file, by roll
number.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from chalice import Blueprint
from chalice.app import Request

from chalicelib.collections_composition import tax_roll
from chalicelib.http import Reply, correlation_id, json_response, staff_route
from chalicelib.routes import deferred
from civiq.core.staff import Role, StaffIdentity

if TYPE_CHECKING:
    from civiq.collections.schemas import tax_roll as schemas
    from civiq.core import schemas as common
else:
    schemas = deferred("civiq.collections.schemas.tax_roll")
    common = deferred("civiq.core.schemas")

blueprint = Blueprint(__name__)
TRANSFERS = "/api/v1/ar/tax-roll-transfers"
FILES = "/api/v1/ar/tax-roll-files"
TAG = "tax roll"


@staff_route(blueprint, TRANSFERS, "POST", Role.SUPERVISOR, tag=TAG, status=201)
def notice_a_tax_roll_transfer(
    request: Request, staff: StaffIdentity, body: schemas.TransferRequest
) -> Reply[schemas.TransferOut]:
    """Notice that an account's arrears past due long enough go on the property's tax roll at
    the deadline (the same transfer_id again answers the transfer noticed)."""
    transfer = tax_roll().notice(
        body.account_id, body.transfer_id, staff.as_actor(), correlation_id(request)
    )
    return json_response(schemas.TransferOut.of(transfer), 201)


@staff_route(blueprint, TRANSFERS, "GET", Role.CLERK, tag=TAG)
def list_tax_roll_transfers(query: schemas.TransferQuery) -> Reply[schemas.TransferPage]:
    """Transfers to the tax roll, newest first (by status, by account)."""
    page = tax_roll().views.listing(query.status, query.account_id, query.limit, query.cursor)
    return json_response(
        schemas.TransferPage(
            items=[schemas.TransferOut.of(t) for t in page.items], next_cursor=page.next_cursor
        )
    )


@staff_route(blueprint, TRANSFERS + "/{id}", "GET", Role.CLERK, tag=TAG)
def get_tax_roll_transfer(id: str) -> Reply[schemas.TransferOut]:
    """One transfer to the tax roll: the items, the fee, the dates, how it ended."""
    return json_response(schemas.TransferOut.of(tax_roll().views.get(id)))


@staff_route(blueprint, TRANSFERS + "/{id}/withdraw", "POST", Role.SUPERVISOR, tag=TAG)
def withdraw_tax_roll_transfer(
    request: Request, staff: StaffIdentity, id: str, body: schemas.ReasonRequest
) -> Reply[schemas.TransferOut]:
    """Withdraw a noticed transfer before its deadline (the collection case resumes)."""
    transfer = tax_roll().withdraw(id, body.reason, staff.as_actor(), correlation_id(request))
    return json_response(schemas.TransferOut.of(transfer))


@staff_route(blueprint, TRANSFERS + "/{id}/reverse", "POST", Role.SUPERVISOR, tag=TAG)
def reverse_tax_roll_transfer(
    request: Request, staff: StaffIdentity, id: str, body: schemas.ReasonRequest
) -> Reply[schemas.TransferOut]:
    """Reverse a transfer made in error or cancelled by council: its total is owed on the
    utility account again, and the tax system gets a reversal line."""
    transfer = tax_roll().reverse(id, body.reason, staff.as_actor(), correlation_id(request))
    return json_response(schemas.TransferOut.of(transfer))


@staff_route(blueprint, FILES, "GET", Role.CLERK, tag=TAG)
def list_tax_roll_files(query: common.PageQuery) -> Reply[schemas.FileDayPage]:
    """The days with a file for the tax system, the latest first."""
    page = tax_roll().views.days(query.limit, query.cursor)
    return json_response(schemas.FileDayPage(days=list(page.items), next_cursor=page.next_cursor))


@staff_route(blueprint, FILES + "/{day}", "GET", Role.CLERK, tag=TAG)
def get_tax_roll_file(day: date) -> Reply[schemas.TaxRollFileOut]:
    """One day's file for the tax system: a short-lived link to the CSV, and its lines."""
    return json_response(schemas.TaxRollFileOut.of(tax_roll().views.file(day)))
