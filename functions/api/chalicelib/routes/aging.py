"""Accounts-receivable aging (/api/v1/ar/aging): what is owed by how long past due, narrowed by
who owes and what for, with the drill-down from the portfolio to a customer, an account and its
open items.

The totals come from the aging cells the postings keep (a constant number of requests); the
drill-down ranks the receivables index. See :mod:`civiq.collections.adapters.dynamodb_aging`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.collections_composition import aging
from chalicelib.http import Reply, json_response, staff_route
from chalicelib.routes import deferred
from civiq.core.staff import Role

if TYPE_CHECKING:
    from civiq.collections.schemas import aging as schemas
else:
    schemas = deferred("civiq.collections.schemas.aging")

blueprint = Blueprint(__name__)
AGING = "/api/v1/ar/aging"
TAG = "aging"


@staff_route(blueprint, AGING, "GET", Role.CLERK, tag=TAG)
def receivables_aging(query: schemas.AgingQuery) -> Reply[schemas.AgingResponse]:
    """What is owed in each bucket (current, 1-30, 31-60, 61-90, 91-120, 120+ days past due),
    the credits, the trend; with ``by``, a page of the customers or accounts that owe."""
    services = aging()
    filters = query.filters()
    view = services.report(filters, query.as_of)
    rows, next_cursor = None, None
    if query.by is not None:
        page = services.drill_down(
            query.by,
            filters,
            as_of=view.aging.as_of,
            customer_id=query.customer_id,
            limit=query.limit,
            cursor=query.cursor,
        )
        rows, next_cursor = list(page.items), page.next_cursor
    return json_response(schemas.AgingResponse.of(view, rows, next_cursor))


@staff_route(blueprint, AGING + "/accounts/{id}", "GET", Role.CLERK, tag=TAG)
def account_aging(id: str, query: schemas.AsOfQuery) -> Reply[schemas.AccountAgingResponse]:
    """An account's open items (statements and unbilled items), each with its due date, what it
    still owes (by revenue) and its bucket, and the account's credit."""
    return json_response(schemas.AccountAgingResponse.of(aging().account(id, query.as_of)))
