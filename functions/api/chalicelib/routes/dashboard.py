"""The staff dashboard: /api/v1/utility/dashboard and its views, and each account's /balance.

Every figure comes from maintained aggregates or an index; see
:mod:`civiq.reporting.adapters.dynamodb_dashboard` for the requests each route makes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.composition import account_services
from chalicelib.dashboard_composition import dashboard
from chalicelib.http import Reply, json_response, staff_route
from chalicelib.routes import deferred
from civiq.core.staff import Role

if TYPE_CHECKING:
    from civiq.billing.schemas import billing as billing_schemas
    from civiq.core import schemas as common
    from civiq.reporting.domain import dashboard as figures
    from civiq.reporting.domain import exports
    from civiq.reporting.schemas import dashboard as schemas
else:
    billing_schemas = deferred("civiq.billing.schemas.billing")
    common = deferred("civiq.core.schemas")
    figures = deferred("civiq.reporting.domain.dashboard")
    exports = deferred("civiq.reporting.domain.exports")
    schemas = deferred("civiq.reporting.schemas.dashboard")

blueprint = Blueprint(__name__)
DASHBOARD = "/api/v1/utility/dashboard"
TAG = "dashboard"


@staff_route(blueprint, DASHBOARD, "GET", Role.CLERK, tag=TAG)
def summary() -> Reply[schemas.DashboardResponse]:
    """Revenue billed and collected, the outstanding balance, accounts and delinquency."""
    return json_response(schemas.DashboardResponse.of(dashboard().summary()))


@staff_route(blueprint, DASHBOARD + "/cycles", "GET", Role.CLERK, tag=TAG)
def cycles_view() -> Reply[schemas.CyclesView]:
    """Each billing cycle with its latest runs and their billed, skipped and failed counts."""
    items = [schemas.CycleRunsOut.of(entry) for entry in dashboard().cycles_with_runs()]
    return json_response(schemas.CyclesView(items=items))


@staff_route(blueprint, DASHBOARD + "/statements", "GET", Role.CLERK, tag=TAG)
def statements_view(query: schemas.RunStatementsQuery) -> Reply[schemas.RunStatementsView]:
    """A run's statements, a page at a time, with the page's totals."""
    run_id = exports.check_run_id(query.run_id)
    page = dashboard().run_statements(run_id, query.limit, query.cursor)
    return json_response(
        schemas.RunStatementsView(
            run_id=run_id,
            items=[billing_schemas.StatementSummaryOut.of(s) for s in page.items],
            page_totals=schemas.PageTotalsOut.of(figures.StatementTotals.of(page.items)),
            next_cursor=page.next_cursor,
        )
    )


@staff_route(blueprint, DASHBOARD + "/delinquency", "GET", Role.CLERK, tag=TAG)
def delinquency_view(query: common.PageQuery) -> Reply[schemas.DelinquencyView]:
    """Statements past due with an amount still owed, oldest due date first."""
    today, page = dashboard().delinquent(query.limit, query.cursor)
    items = [schemas.PastDueOut.of(statement, today) for statement in page.items]
    return json_response(
        schemas.DelinquencyView(as_of=today, items=items, next_cursor=page.next_cursor)
    )


@staff_route(blueprint, DASHBOARD + "/types", "GET", Role.CLERK, tag=TAG)
def types_view(query: schemas.TypesQuery) -> Reply[schemas.TypesView]:
    """Billed by charge type (water, sewer, stormwater, waste, other) for each month."""
    months = [schemas.MonthByTypeOut.of(m, t) for m, t in dashboard().billed_by_type(query.months)]
    return json_response(schemas.TypesView(months=months))


@staff_route(
    blueprint,
    "/api/v1/utility/accounts/{id}/balance",
    "GET",
    Role.CLERK,
    tag=TAG,
    finds_account=True,
)
def account_balance(id: str) -> Reply[schemas.BalanceResponse]:
    """What an account owes, with its latest statement and what is still owed on it."""
    account = account_services().find_account(id)
    service = dashboard()
    balance = service.balance(account)
    return json_response(
        schemas.BalanceResponse.of(
            account.account_id, account.account_number, balance, service.today()
        )
    )
