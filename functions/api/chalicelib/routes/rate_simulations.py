"""Rate-change simulations: /api/v1/utility/rate-simulations. Run by functions/rate_simulation.

A supervisor asks for a draft's effect on the last year of bills (202: the job is queued, with
an ``Idempotency-Key``: the same key asks once), reads the job until it is done, then fetches
its report and its exports (CSV, XLSX, a PDF in English or French).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.billing_composition import rate_simulations
from chalicelib.composition import api
from chalicelib.http import Reply, json_response, staff_route
from chalicelib.routes import deferred
from chalicelib.routes.payments import KEYED, once
from civiq.core.staff import Role, StaffIdentity

if TYPE_CHECKING:
    from civiq.billing.domain import simulation_jobs as domain
    from civiq.billing.schemas import simulations as schemas
    from civiq.core import errors
else:
    domain = deferred("civiq.billing.domain.simulation_jobs")
    schemas = deferred("civiq.billing.schemas.simulations")
    errors = deferred("civiq.core.errors")

blueprint = Blueprint(__name__)
SIMULATIONS = "/api/v1/utility/rate-simulations"
SIMULATION = SIMULATIONS + "/{id}"
TAG = "rate-simulations"


@staff_route(blueprint, SIMULATIONS, "POST", Role.SUPERVISOR, tag=TAG, status=202, inject=KEYED)
def request_rate_simulation(
    staff: StaffIdentity, key: str, body: schemas.RateSimulationRequest
) -> Reply[schemas.RateSimulationOut]:
    """Simulate a draft rate version on the last year of bills (supervisors): queued."""

    def respond() -> tuple[int, schemas.RateSimulationOut, dict[str, str]]:
        simulation = rate_simulations().request(
            body.schedule_id,
            staff.as_actor(),
            draft=None if body.draft is None else body.draft.to_domain(),
            draft_schedule_id=body.draft_schedule_id,
            year_ending=body.year_ending,
        )
        location = f"{SIMULATIONS}/{simulation.simulation_id}"
        return 202, schemas.RateSimulationOut.of(simulation), {"Location": location}

    return once("rate-simulation", key, body, {}, respond)


@staff_route(blueprint, SIMULATIONS, "GET", Role.SUPERVISOR, tag=TAG)
def list_rate_simulations(
    query: schemas.RateSimulationQuery,
) -> Reply[schemas.RateSimulationPage]:
    """Rate simulations asked for, newest first, without their reports."""
    page = rate_simulations().simulations.listing(query.limit, query.cursor)
    items = [schemas.RateSimulationSummaryOut.summary_of(s) for s in page.items]
    return json_response(schemas.RateSimulationPage(items=items, next_cursor=page.next_cursor))


@staff_route(blueprint, SIMULATION, "GET", Role.SUPERVISOR, tag=TAG)
def get_rate_simulation(id: str) -> Reply[schemas.RateSimulationOut]:
    """A simulation's status and, once done, its report: revenue by charge type and customer
    class, the distribution of bill changes and typical bills, current beside draft."""
    return json_response(schemas.RateSimulationOut.of(rate_simulations().simulations.get(id)))


@staff_route(blueprint, SIMULATION + "/export", "GET", Role.SUPERVISOR, tag=TAG)
def export_rate_simulation(
    id: str, query: schemas.SimulationExportQuery
) -> Reply[schemas.SimulationExportOut]:
    """A short-lived link to a done simulation's CSV, XLSX or PDF (en or fr); 409 before."""
    simulation = rate_simulations().simulations.get(id)
    if simulation.status is not domain.SimulationStatus.DONE:
        raise errors.Conflict(
            f"the simulation is {simulation.status.value}: its exports exist once it is done",
            "id",
        )
    seconds = api().settings.document_url_seconds
    key = domain.export_key(id, query.format, query.language)
    return json_response(
        schemas.SimulationExportOut(
            id=id,
            format=query.format,
            language=query.language,
            url=rate_simulations().links.url_for(key, seconds),
            expires_in=seconds,
        )
    )
