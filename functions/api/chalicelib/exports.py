"""Report exports: /api/v1/utility/exports. The file is made by functions/report_export."""

from __future__ import annotations

from chalice import Blueprint, Response
from chalice.app import Request

from chalicelib.composition import api
from chalicelib.dashboard_composition import exports
from chalicelib.http import json_response, parse_body, staff_route
from civiq.core.staff import Role, StaffIdentity
from civiq.reporting.domain.exports import ExportStatus
from civiq.reporting.schemas.dashboard import ExportRequest, ExportResponse

blueprint = Blueprint(__name__)
EXPORTS = "/api/v1/utility/exports"
TAG = "exports"


@staff_route(
    blueprint,
    EXPORTS,
    "POST",
    Role.CLERK,
    tag=TAG,
    request=ExportRequest,
    response=ExportResponse,
    status=202,
)
def request_export(request: Request, staff: StaffIdentity) -> Response:
    """Ask for a run's billing or consumption report as CSV, Excel (xlsx) or PDF."""
    body = parse_body(request, ExportRequest, api().settings.max_body_bytes)
    export = exports().request_export(
        body.report, body.run_id, body.format, body.language, staff.as_actor()
    )
    location = f"{EXPORTS}/{export.export_id}"
    return json_response(ExportResponse.of(export), 202, {"Location": location})


@staff_route(blueprint, EXPORTS + "/{id}", "GET", Role.CLERK, tag=TAG, response=ExportResponse)
def get_export(request: Request, staff: StaffIdentity, id: str) -> Response:
    """An export's status; once done, its row count and a short-lived link to the file."""
    export = exports().exports.get(id)
    if export.status is not ExportStatus.DONE:
        return json_response(ExportResponse.of(export))
    seconds = api().settings.document_url_seconds
    url = exports().links.url_for(export.file_key, seconds)
    return json_response(ExportResponse.of(export, url, seconds))
