"""Billing cycles, their runs, and statements: /api/v1/utility/cycles, /runs, and each
account's /statements."""

from __future__ import annotations

from chalice import Blueprint, Response
from chalice.app import Request

from chalicelib.billing_composition import billing
from chalicelib.composition import api
from chalicelib.http import correlation_id, json_response, parse_body, parse_query, staff_route
from civiq.billing.domain.cycles import Progress
from civiq.billing.schemas.billing import (
    CreateCycleRequest,
    CycleList,
    CycleResponse,
    CycleUpdate,
    DocumentLink,
    RebillRequest,
    RunPage,
    RunResponse,
    StartRunRequest,
    StatementPage,
    StatementResponse,
    StatementSummaryOut,
)
from civiq.core.errors import NotFound
from civiq.core.schemas import PageQuery
from civiq.core.staff import Role, StaffIdentity

blueprint = Blueprint(__name__)
CYCLES = "/api/v1/utility/cycles"
CYCLE = CYCLES + "/{cycle_id}"
RUN = "/api/v1/utility/runs/{run_id}"
STATEMENTS = "/api/v1/utility/accounts/{id}/statements"
STATEMENT = STATEMENTS + "/{statement_id}"
TAG = "billing"


@staff_route(
    blueprint,
    CYCLES,
    "POST",
    Role.SUPERVISOR,
    tag=TAG,
    request=CreateCycleRequest,
    response=CycleResponse,
    status=201,
)
def create_cycle(request: Request, staff: StaffIdentity) -> Response:
    """Define a billing cycle: its routes, frequency, rate schedule and due days."""
    body = parse_body(request, CreateCycleRequest, api().settings.max_body_bytes)
    cycle = billing().define_cycle.create(
        body.to_domain(body.cycle_id), staff.as_actor(), correlation_id(request)
    )
    location = f"{CYCLES}/{cycle.cycle_id}"
    return json_response(CycleResponse.of(cycle), 201, {"Location": location})


@staff_route(blueprint, CYCLES, "GET", Role.CLERK, tag=TAG, response=CycleList)
def list_cycles(request: Request, staff: StaffIdentity) -> Response:
    """Every billing cycle."""
    cycles = billing().cycles.all()
    return json_response(CycleList(items=[CycleResponse.of(c) for c in cycles]))


@staff_route(blueprint, CYCLE, "GET", Role.CLERK, tag=TAG, response=CycleResponse)
def get_cycle(request: Request, staff: StaffIdentity, cycle_id: str) -> Response:
    """A billing cycle."""
    return json_response(CycleResponse.of(billing().cycles.get(cycle_id)))


@staff_route(
    blueprint, CYCLE, "PUT", Role.SUPERVISOR, tag=TAG, request=CycleUpdate, response=CycleResponse
)
def revise_cycle(request: Request, staff: StaffIdentity, cycle_id: str) -> Response:
    """Change a billing cycle (runs already started keep what they started with)."""
    body = parse_body(request, CycleUpdate, api().settings.max_body_bytes)
    cycle = billing().define_cycle.revise(
        cycle_id, body.version, body.to_domain(cycle_id), staff.as_actor(), correlation_id(request)
    )
    return json_response(CycleResponse.of(cycle))


@staff_route(
    blueprint,
    CYCLE + "/runs",
    "POST",
    Role.SUPERVISOR,
    tag=TAG,
    request=StartRunRequest,
    response=RunResponse,
    status=202,
)
def start_run(request: Request, staff: StaffIdentity, cycle_id: str) -> Response:
    """Run a cycle period now (idempotent: the same period is the same run)."""
    body = parse_body(request, StartRunRequest, api().settings.max_body_bytes)
    run = billing().start_run(cycle_id, body.period_end, staff.as_actor(), correlation_id(request))
    location = f"/api/v1/utility/runs/{run.run_id}"
    return json_response(RunResponse.of(run, Progress.of([])), 202, {"Location": location})


@staff_route(
    blueprint, CYCLE + "/runs", "GET", Role.CLERK, tag=TAG, query=PageQuery, response=RunPage
)
def list_runs(request: Request, staff: StaffIdentity, cycle_id: str) -> Response:
    """A cycle's runs, newest first."""
    query = parse_query(request, PageQuery)
    billing().cycles.get(cycle_id)
    page = billing().runs.of_cycle(cycle_id, query.limit, query.cursor)
    items = [RunResponse.of(run) for run in page.items]
    return json_response(RunPage(items=items, next_cursor=page.next_cursor))


@staff_route(blueprint, RUN, "GET", Role.CLERK, tag=TAG, response=RunResponse)
def get_run(request: Request, staff: StaffIdentity, run_id: str) -> Response:
    """A run's progress: accounts selected, billed, skipped and failed, with reasons."""
    run = billing().runs.get(run_id)
    return json_response(RunResponse.of(run, Progress.of(billing().runs.batches(run_id))))


@staff_route(
    blueprint, RUN + "/resume", "POST", Role.SUPERVISOR, tag=TAG, response=RunResponse, status=202
)
def resume_run(request: Request, staff: StaffIdentity, run_id: str) -> Response:
    """Resume an incomplete run: the accounts it billed are found billed and skipped."""
    run = billing().start_run.resume(run_id, staff.as_actor(), correlation_id(request))
    return json_response(RunResponse.of(run, Progress.of(billing().runs.batches(run_id))), 202)


@staff_route(
    blueprint, STATEMENTS, "GET", Role.CLERK, tag=TAG, query=PageQuery, response=StatementPage
)
def list_statements(request: Request, staff: StaffIdentity, id: str) -> Response:
    """An account's statements, newest first."""
    query = parse_query(request, PageQuery)
    account = api().find_account(id)
    page = billing().statements.of_account(account.account_id, query.limit, query.cursor)
    items = [StatementSummaryOut.of(s) for s in page.items]
    return json_response(StatementPage(items=items, next_cursor=page.next_cursor))


@staff_route(blueprint, STATEMENT, "GET", Role.CLERK, tag=TAG, response=StatementResponse)
def get_statement(request: Request, staff: StaffIdentity, id: str, statement_id: str) -> Response:
    """A statement with its itemized charges and their arithmetic."""
    account = api().find_account(id)
    statement = billing().statements.get(account.account_id, statement_id)
    return json_response(StatementResponse.of(statement))


@staff_route(
    blueprint,
    STATEMENT + "/rebill",
    "POST",
    Role.SUPERVISOR,
    tag=TAG,
    request=RebillRequest,
    response=StatementResponse,
    status=201,
)
def rebill_statement(
    request: Request, staff: StaffIdentity, id: str, statement_id: str
) -> Response:
    """Cancel the account's latest statement and bill its period again (both are kept)."""
    body = parse_body(request, RebillRequest, api().settings.max_body_bytes)
    account = api().find_account(id)
    rebill = billing().rebill(
        account.account_id, statement_id, body.reason, staff.as_actor(), correlation_id(request)
    )
    location = f"/api/v1/utility/accounts/{account.account_id}/statements/{rebill.statement_id}"
    return json_response(StatementResponse.of(rebill), 201, {"Location": location})


@staff_route(blueprint, STATEMENT + "/document", "GET", Role.CLERK, tag=TAG, response=DocumentLink)
def statement_document(
    request: Request, staff: StaffIdentity, id: str, statement_id: str
) -> Response:
    """A short-lived link to the statement's PDF."""
    account = api().find_account(id)
    statement = billing().statements.get(account.account_id, statement_id)
    if statement.document_key is None:
        raise NotFound("the statement's PDF is not rendered yet", "document")
    seconds = api().settings.document_url_seconds
    url = billing().links.url_for(statement.document_key, seconds)
    return json_response(DocumentLink(url=url, expires_in=seconds))
