"""Exports of the collections reports (/api/v1/ar/exports): the collection KPIs, the recovery
per dunning stage and the receivables aging as CSV, Excel (xlsx) or PDF, made by
functions/report_export as the utility exports are (/api/v1/utility/exports), fetched the same
way: the status, then a short-lived link to the file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint
from chalice.app import Request

from chalicelib.collections_composition import request_collection_export
from chalicelib.dashboard_composition import exports, file_link
from chalicelib.http import Reply, json_response, staff_route
from chalicelib.routes import deferred
from civiq.core.errors import NotFound
from civiq.core.language import preferred_language
from civiq.core.staff import Role, StaffIdentity

if TYPE_CHECKING:
    from civiq.collections.domain import report_exports as domain
    from civiq.collections.schemas import report_exports as schemas
else:
    domain = deferred("civiq.collections.domain.report_exports")
    schemas = deferred("civiq.collections.schemas.report_exports")

blueprint = Blueprint(__name__)
EXPORTS = "/api/v1/ar/exports"
TAG = "aging"


@staff_route(blueprint, EXPORTS, "POST", Role.CLERK, tag=TAG, status=202)
def request_collection_report(
    staff: StaffIdentity, request: Request, body: schemas.CollectionExportRequest
) -> Reply[schemas.CollectionExportResponse]:
    """Ask for the collection KPIs, the recovery per dunning stage or the receivables aging as
    CSV, Excel (xlsx) or PDF, in English or French."""
    language = body.language or preferred_language(request.headers.get("accept-language"))
    export = request_collection_export()(body.ask(), body.format, language, staff.as_actor())
    location = f"{EXPORTS}/{export.export_id}"
    return json_response(schemas.CollectionExportResponse.of(export), 202, {"Location": location})


@staff_route(blueprint, EXPORTS + "/{id}", "GET", Role.CLERK, tag=TAG)
def get_collection_report(id: str) -> Reply[schemas.CollectionExportResponse]:
    """An export's status; once done, its row count and a short-lived link to the file."""
    export = exports().exports.get(id)
    if export.report not in set(domain.CollectionReport):
        raise NotFound(f"no collections export with id {id}", "id")
    return json_response(schemas.CollectionExportResponse.of(export, *file_link(export)))
