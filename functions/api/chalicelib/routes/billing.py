"""Billing cycles, their runs, and statements: /api/v1/utility/cycles, /runs, and each
account's /statements."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint
from chalice.app import Request

from chalicelib.billing_composition import billing
from chalicelib.composition import account_services, api
from chalicelib.http import Reply, correlation_id, json_response, staff_route
from chalicelib.routes import deferred
from civiq.core.errors import NotFound
from civiq.core.staff import Role, StaffIdentity

if TYPE_CHECKING:
    from civiq.billing.domain import cycles
    from civiq.billing.schemas import billing as schemas
    from civiq.core import schemas as common
else:
    cycles = deferred("civiq.billing.domain.cycles")
    schemas = deferred("civiq.billing.schemas.billing")
    common = deferred("civiq.core.schemas")

blueprint = Blueprint(__name__)
CYCLES = "/api/v1/utility/cycles"
CYCLE = CYCLES + "/{cycle_id}"
RUN = "/api/v1/utility/runs/{run_id}"
STATEMENTS = "/api/v1/utility/accounts/{id}/statements"
STATEMENT = STATEMENTS + "/{statement_id}"
PREVIEW = "/api/v1/utility/accounts/{id}/bill-preview"
TAG = "billing"


@staff_route(blueprint, CYCLES, "POST", Role.SUPERVISOR, tag=TAG, status=201)
def create_cycle(
    request: Request, staff: StaffIdentity, body: schemas.CreateCycleRequest
) -> Reply[schemas.CycleResponse]:
    """Define a billing cycle: its routes, frequency, rate schedule and due days."""
    cycle = billing().define_cycle.create(
        body.to_domain(body.cycle_id), staff.as_actor(), correlation_id(request)
    )
    location = f"{CYCLES}/{cycle.cycle_id}"
    return json_response(schemas.CycleResponse.of(cycle), 201, {"Location": location})


@staff_route(blueprint, CYCLES, "GET", Role.CLERK, tag=TAG)
def list_cycles() -> Reply[schemas.CycleList]:
    """Every billing cycle."""
    found = billing().cycles.all()
    return json_response(schemas.CycleList(items=[schemas.CycleResponse.of(c) for c in found]))


@staff_route(blueprint, CYCLE, "GET", Role.CLERK, tag=TAG)
def get_cycle(cycle_id: str) -> Reply[schemas.CycleResponse]:
    """A billing cycle."""
    return json_response(schemas.CycleResponse.of(billing().cycles.get(cycle_id)))


@staff_route(blueprint, CYCLE, "PUT", Role.SUPERVISOR, tag=TAG)
def revise_cycle(
    request: Request, staff: StaffIdentity, cycle_id: str, body: schemas.CycleUpdate
) -> Reply[schemas.CycleResponse]:
    """Change a billing cycle: only what is named (runs already started keep what they started
    with)."""
    edited = body.over(billing().cycles.get(cycle_id))
    cycle = billing().define_cycle.revise(
        cycle_id, body.version, edited, staff.as_actor(), correlation_id(request)
    )
    return json_response(schemas.CycleResponse.of(cycle))


@staff_route(blueprint, CYCLE + "/runs", "POST", Role.SUPERVISOR, tag=TAG, status=202)
def start_run(
    request: Request, staff: StaffIdentity, cycle_id: str, body: schemas.StartRunRequest
) -> Reply[schemas.RunResponse]:
    """Run a cycle period now (idempotent: the same period is the same run)."""
    run = billing().start_run(cycle_id, body.period_end, staff.as_actor(), correlation_id(request))
    location = f"/api/v1/utility/runs/{run.run_id}"
    return json_response(
        schemas.RunResponse.of(run, cycles.Progress.of([])), 202, {"Location": location}
    )


@staff_route(blueprint, CYCLE + "/runs", "GET", Role.CLERK, tag=TAG)
def list_runs(cycle_id: str, query: common.PageQuery) -> Reply[schemas.RunPage]:
    """A cycle's runs, newest first."""
    billing().cycles.get(cycle_id)
    page = billing().runs.of_cycle(cycle_id, query.limit, query.cursor)
    items = [schemas.RunResponse.of(run) for run in page.items]
    return json_response(schemas.RunPage(items=items, next_cursor=page.next_cursor))


@staff_route(blueprint, RUN, "GET", Role.CLERK, tag=TAG)
def get_run(run_id: str) -> Reply[schemas.RunResponse]:
    """A run's progress: accounts selected, billed, skipped and failed, with reasons."""
    run = billing().runs.get(run_id)
    progress = cycles.Progress.of(billing().runs.batches(run_id))
    return json_response(schemas.RunResponse.of(run, progress))


@staff_route(blueprint, RUN + "/resume", "POST", Role.SUPERVISOR, tag=TAG, status=202)
def resume_run(request: Request, staff: StaffIdentity, run_id: str) -> Reply[schemas.RunResponse]:
    """Resume an incomplete run: the accounts it billed are found billed and skipped."""
    run = billing().start_run.resume(run_id, staff.as_actor(), correlation_id(request))
    progress = cycles.Progress.of(billing().runs.batches(run_id))
    return json_response(schemas.RunResponse.of(run, progress), 202)


@staff_route(blueprint, STATEMENTS, "GET", Role.CLERK, tag=TAG, finds_account=True)
def list_statements(id: str, query: common.PageQuery) -> Reply[schemas.StatementPage]:
    """An account's statements, newest first."""
    account = account_services().find_account(id)
    page = billing().statements.of_account(account.account_id, query.limit, query.cursor)
    items = [schemas.StatementSummaryOut.of(s) for s in page.items]
    return json_response(schemas.StatementPage(items=items, next_cursor=page.next_cursor))


@staff_route(blueprint, PREVIEW, "GET", Role.CLERK, tag=TAG, finds_account=True)
def preview_bill(id: str) -> Reply[schemas.BillPreviewResponse]:
    """The account's next bill if billed now, from its reads, meters, property and cycle's
    rates: through its latest read since the last statement (or today's estimate when it has
    none), itemized. Nothing is written: no statement, no estimate, no ledger entry."""
    account = account_services().find_account(id)
    return json_response(schemas.BillPreviewResponse.of(billing().preview_bill(account.account_id)))


@staff_route(blueprint, STATEMENT, "GET", Role.CLERK, tag=TAG, finds_account=True)
def get_statement(id: str, statement_id: str) -> Reply[schemas.StatementResponse]:
    """A statement with its itemized charges and their arithmetic."""
    account = account_services().find_account(id)
    statement = billing().statements.get(account.account_id, statement_id)
    return json_response(schemas.StatementResponse.of(statement))


@staff_route(
    blueprint,
    STATEMENT + "/rebill",
    "POST",
    Role.SUPERVISOR,
    tag=TAG,
    status=201,
    finds_account=True,
)
def rebill_statement(
    request: Request,
    staff: StaffIdentity,
    id: str,
    statement_id: str,
    body: schemas.RebillRequest,
) -> Reply[schemas.StatementResponse]:
    """Cancel the account's latest statement and bill its period again (both are kept)."""
    account = account_services().find_account(id)
    rebill = billing().rebill(
        account.account_id, statement_id, body.reason, staff.as_actor(), correlation_id(request)
    )
    location = f"/api/v1/utility/accounts/{account.account_id}/statements/{rebill.statement_id}"
    return json_response(schemas.StatementResponse.of(rebill), 201, {"Location": location})


@staff_route(blueprint, STATEMENT + "/document", "GET", Role.CLERK, tag=TAG, finds_account=True)
def statement_document(id: str, statement_id: str) -> Reply[schemas.DocumentLink]:
    """A short-lived link to the statement's PDF."""
    account = account_services().find_account(id)
    statement = billing().statements.get(account.account_id, statement_id)
    if statement.document_key is None:
        raise NotFound("the statement's PDF is not rendered yet", "document")
    seconds = api().settings.document_url_seconds
    url = billing().links.url_for(statement.document_key, seconds)
    return json_response(schemas.DocumentLink(url=url, expires_in=seconds))
