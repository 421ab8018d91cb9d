"""Bank remittance files: /api/v1/utility/remittances and the exception queue.

A clerk uploads the bank's CSV as the request body (``text/csv``); lines are matched and posted
by the remittance worker, and the ones it is not certain of wait in the exception queue until a
clerk posts them to the right account or returns them to the bank.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from chalice import Blueprint
from chalice.app import Request

from chalicelib.http import Reply, correlation_id, json_response, staff_route
from chalicelib.remittances_composition import remittances
from chalicelib.routes import deferred
from civiq.core.staff import Role, StaffIdentity

if TYPE_CHECKING:
    from civiq.core import schemas as common
    from civiq.payments.schemas import remittances as schemas
else:
    common = deferred("civiq.core.schemas")
    schemas = deferred("civiq.payments.schemas.remittances")

blueprint = Blueprint(__name__)
REMITTANCES = "/api/v1/utility/remittances"
REMITTANCE = REMITTANCES + "/{remittance_id}"
LINE = REMITTANCE + "/lines/{line_no}"
EXCEPTIONS = "/api/v1/utility/remittance-exceptions"
TAG = "remittances"
CSV = "text/csv"


@staff_route(
    blueprint,
    REMITTANCES,
    "POST",
    Role.CLERK,
    tag=TAG,
    status=202,
    also={200: "The same file again: the first upload, as it stands."},
    content_type=CSV,
)
def upload_remittance(
    staff: StaffIdentity, query: schemas.UploadQuery, body: Annotated[bytes, schemas.CSV_FILE]
) -> Reply[schemas.RemittanceResponse]:
    """Upload a bank's remittance file (CSV: date, amount, reference, payer_name)."""
    file, new = remittances().receive(body, query.file_name, staff.as_actor())
    counts = remittances().repository.get(file.remittance_id)[1]
    location = REMITTANCE.format(remittance_id=file.remittance_id)
    return json_response(
        schemas.RemittanceResponse.of(file, counts), 202 if new else 200, {"Location": location}
    )


@staff_route(blueprint, REMITTANCE, "GET", Role.CLERK, tag=TAG)
def get_remittance(remittance_id: str) -> Reply[schemas.RemittanceResponse]:
    """A remittance file: lines posted, waiting for a clerk, decided, and its malformed lines."""
    file, counts = remittances().repository.get(remittance_id)
    return json_response(schemas.RemittanceResponse.of(file, counts))


@staff_route(blueprint, REMITTANCE + "/lines", "GET", Role.CLERK, tag=TAG)
def remittance_lines(remittance_id: str, query: schemas.LinesQuery) -> Reply[schemas.LinePage]:
    """A file's lines with how each was matched (status=exception: the ones waiting)."""
    remittances().repository.get(remittance_id)  # 404 for an unknown file
    page = remittances().repository.lines(
        remittance_id, query.status == "exception", query.limit, query.cursor
    )
    items = [schemas.LineOut.of(o) for o in page.items]
    return json_response(schemas.LinePage(items=items, next_cursor=page.next_cursor))


@staff_route(blueprint, EXCEPTIONS, "GET", Role.CLERK, tag=TAG)
def remittance_exceptions(query: common.PageQuery) -> Reply[schemas.LinePage]:
    """Every file's lines waiting for a clerk, oldest payment first."""
    page = remittances().repository.open_exceptions(query.limit, query.cursor)
    items = [schemas.LineOut.of(o) for o in page.items]
    return json_response(schemas.LinePage(items=items, next_cursor=page.next_cursor))


@staff_route(blueprint, LINE + "/decision", "POST", Role.CLERK, tag=TAG)
def decide_line(
    request: Request,
    staff: StaffIdentity,
    remittance_id: str,
    line_no: int,
    body: schemas.DecisionRequest,
) -> Reply[schemas.LineOut]:
    """Post a waiting line to the account a clerk found, or return it to the bank."""
    outcome = body.apply(
        remittances().decide, remittance_id, line_no, staff.as_actor(), correlation_id(request)
    )
    return json_response(schemas.LineOut.of(outcome))
