"""Report exports: /api/v1/utility/exports. The file is made by functions/report_export."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.dashboard_composition import exports, file_link
from chalicelib.http import Reply, json_response, staff_route
from chalicelib.routes import deferred
from civiq.core.errors import NotFound
from civiq.core.staff import Role, StaffIdentity

if TYPE_CHECKING:
    from civiq.reporting.domain import exports as domain
    from civiq.reporting.schemas import dashboard as schemas
else:
    domain = deferred("civiq.reporting.domain.exports")
    schemas = deferred("civiq.reporting.schemas.dashboard")

blueprint = Blueprint(__name__)
EXPORTS = "/api/v1/utility/exports"
TAG = "exports"


@staff_route(blueprint, EXPORTS, "POST", Role.CLERK, tag=TAG, status=202)
def request_export(
    staff: StaffIdentity, body: schemas.ExportRequest
) -> Reply[schemas.ExportResponse]:
    """Ask for a run's billing or consumption report as CSV, Excel (xlsx) or PDF."""
    export = exports().request_export(
        body.report, body.run_id, body.format, body.language, staff.as_actor()
    )
    location = f"{EXPORTS}/{export.export_id}"
    return json_response(schemas.ExportResponse.of(export), 202, {"Location": location})


@staff_route(blueprint, EXPORTS + "/{id}", "GET", Role.CLERK, tag=TAG)
def get_export(id: str) -> Reply[schemas.ExportResponse]:
    """An export's status; once done, its row count and a short-lived link to the file."""
    export = exports().exports.get(id)
    if export.report not in set(domain.ReportKind):  # a collections report's: /api/v1/ar/exports
        raise NotFound(f"no export with id {id}", "id")
    return json_response(schemas.ExportResponse.of(export, *file_link(export)))
