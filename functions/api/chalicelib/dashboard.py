"""The staff dashboard: /api/v1/utility/dashboard and its views, and each account's /balance.

Every figure comes from maintained aggregates or an index; see
:mod:`civiq.adapters.dynamodb.dashboard` for the requests each route makes.
"""

from __future__ import annotations

from chalice import Blueprint, Response
from chalice.app import Request

from chalicelib.composition import api
from chalicelib.dashboard_composition import dashboard
from chalicelib.http import json_response, parse_query, staff_route
from civiq.billing.schemas.billing import StatementSummaryOut
from civiq.core.schemas import PageQuery
from civiq.core.staff import Role, StaffIdentity
from civiq.reporting.domain.dashboard import StatementTotals
from civiq.reporting.domain.exports import check_run_id
from civiq.reporting.schemas.dashboard import (
    BalanceResponse,
    CycleRunsOut,
    CyclesView,
    DashboardResponse,
    DelinquencyView,
    MonthByTypeOut,
    PageTotalsOut,
    PastDueOut,
    RunStatementsQuery,
    RunStatementsView,
    TypesQuery,
    TypesView,
)

blueprint = Blueprint(__name__)
DASHBOARD = "/api/v1/utility/dashboard"
TAG = "dashboard"


@staff_route(blueprint, DASHBOARD, "GET", Role.CLERK, tag=TAG, response=DashboardResponse)
def summary(request: Request, staff: StaffIdentity) -> Response:
    """Revenue billed and collected, the outstanding balance, accounts and delinquency."""
    return json_response(DashboardResponse.of(dashboard().summary()))


@staff_route(blueprint, DASHBOARD + "/cycles", "GET", Role.CLERK, tag=TAG, response=CyclesView)
def cycles_view(request: Request, staff: StaffIdentity) -> Response:
    """Each billing cycle with its latest runs and their billed, skipped and failed counts."""
    items = [CycleRunsOut.of(entry) for entry in dashboard().cycles_with_runs()]
    return json_response(CyclesView(items=items))


@staff_route(
    blueprint,
    DASHBOARD + "/statements",
    "GET",
    Role.CLERK,
    tag=TAG,
    query=RunStatementsQuery,
    response=RunStatementsView,
)
def statements_view(request: Request, staff: StaffIdentity) -> Response:
    """A run's statements, a page at a time, with the page's totals."""
    query = parse_query(request, RunStatementsQuery)
    run_id = check_run_id(query.run_id)
    page = dashboard().run_statements(run_id, query.limit, query.cursor)
    return json_response(
        RunStatementsView(
            run_id=run_id,
            items=[StatementSummaryOut.of(s) for s in page.items],
            page_totals=PageTotalsOut.of(StatementTotals.of(page.items)),
            next_cursor=page.next_cursor,
        )
    )


@staff_route(
    blueprint,
    DASHBOARD + "/delinquency",
    "GET",
    Role.CLERK,
    tag=TAG,
    query=PageQuery,
    response=DelinquencyView,
)
def delinquency_view(request: Request, staff: StaffIdentity) -> Response:
    """Statements past due with an amount still owed, oldest due date first."""
    query = parse_query(request, PageQuery)
    today, page = dashboard().delinquent(query.limit, query.cursor)
    items = [PastDueOut.of(statement, today) for statement in page.items]
    return json_response(DelinquencyView(as_of=today, items=items, next_cursor=page.next_cursor))


@staff_route(
    blueprint,
    DASHBOARD + "/types",
    "GET",
    Role.CLERK,
    tag=TAG,
    query=TypesQuery,
    response=TypesView,
)
def types_view(request: Request, staff: StaffIdentity) -> Response:
    """Billed by charge type (water, sewer, stormwater, waste, other) for each month."""
    query = parse_query(request, TypesQuery)
    months = dashboard().billed_by_type(query.months)
    return json_response(TypesView(months=[MonthByTypeOut.of(m, t) for m, t in months]))


@staff_route(
    blueprint,
    "/api/v1/utility/accounts/{id}/balance",
    "GET",
    Role.CLERK,
    tag=TAG,
    response=BalanceResponse,
)
def account_balance(request: Request, staff: StaffIdentity, id: str) -> Response:
    """What an account owes, with its latest statement and what is still owed on it."""
    account = api().find_account(id)
    service = dashboard()
    balance = service.balance(account)
    return json_response(
        BalanceResponse.of(account.account_id, account.account_number, balance, service.today())
    )
