"""The console's billing runs: a supervisor runs a cycle's period from the cycles page (as
``POST .../cycles/{cycle_id}/runs`` does: the same period is the same run), and anyone watches a
run's progress on its page, refreshed by a link (no meta refresh, no script needed)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.billing_composition import billing
from chalicelib.console.forms import fields_of, parsed, refusal
from chalicelib.console.session import console_page
from chalicelib.console_composition import HOME, pages
from chalicelib.dashboard_composition import dashboard
from chalicelib.http import correlation_id
from civiq.core.errors import InvalidInput
from civiq.core.staff import Role, StaffIdentity
from civiq.platform.web import PageRequest, PageResponse, redirect

blueprint = Blueprint(__name__)
CYCLES = HOME + "/cycles"
RUN = HOME + "/runs/{run_id}"
SHOWN_EXCEPTIONS = 50  # the rest through the JSON run and the work queue


@console_page(blueprint, CYCLES, Role.CLERK)
def cycles(request: PageRequest, staff: StaffIdentity) -> PageResponse:
    return render_cycles(request, staff, {})


@console_page(blueprint, CYCLES + "/{cycle_id}/runs", Role.SUPERVISOR, method="POST")
def start_run(request: PageRequest, staff: StaffIdentity, cycle_id: str) -> PageResponse:
    from civiq.billing.schemas.billing import StartRunRequest

    form = fields_of(request, "run", ("period_end",))
    try:
        body = parsed(StartRunRequest, form, optional=("period_end",))
        run = billing().start_run(
            cycle_id, body.period_end, staff.as_actor(), correlation_id(blueprint.current_request)
        )
    except InvalidInput as invalid:
        context = {**refusal(invalid, "run", form, request), "refused": cycle_id}
        answer = render_cycles(request, staff, context)
        answer.status = 400
        return answer
    return redirect(request.link(RUN.format(run_id=run.run_id)))


@console_page(blueprint, RUN, Role.CLERK)
def run_progress(request: PageRequest, staff: StaffIdentity, run_id: str) -> PageResponse:
    """A run's progress, as ``GET /api/v1/utility/runs/{run_id}`` reports it."""
    from civiq.billing.domain.cycles import Progress

    run = billing().runs.get(run_id)
    progress = Progress.of(billing().runs.batches(run_id))
    return pages().render(
        request,
        "console_run",
        {
            "run": run,
            "progress": progress,
            "exceptions": progress.exceptions[:SHOWN_EXCEPTIONS],
            "view": "cycles",
            "dashboard": HOME,
        },
    )


def render_cycles(
    request: PageRequest, staff: StaffIdentity, context: dict[str, object]
) -> PageResponse:
    return pages().render(
        request,
        "console_cycles",
        {
            "cycles": dashboard().cycles_with_runs(),
            "can_run": staff.role.rank >= Role.SUPERVISOR.rank,
            "refused": None,
            "run_form": {},
            "field_errors": {},
            "view": "cycles",
            "dashboard": HOME,
            **context,
        },
    )
