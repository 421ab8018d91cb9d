"""Bank remittance files: /api/v1/utility/remittances and the exception queue.

A clerk uploads the bank's CSV as the request body (``text/csv``); lines are matched and posted
by the remittance worker, and the ones it is not certain of wait in the exception queue until a
clerk posts them to the right account or returns them to the bank.
"""

from __future__ import annotations

from chalice import Blueprint, Response
from chalice.app import Request

from chalicelib.composition import api
from chalicelib.http import correlation_id, json_response, parse_body, parse_query, staff_route
from chalicelib.remittances_composition import remittances
from civiq.core.errors import InvalidInput
from civiq.core.schemas import PageQuery
from civiq.core.staff import Role, StaffIdentity
from civiq.payments.schemas.remittances import (
    DecisionRequest,
    LineOut,
    LinePage,
    LinesQuery,
    RemittanceResponse,
    UploadQuery,
)

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
    query=UploadQuery,
    response=RemittanceResponse,
    status=202,
    content_type=CSV,
)
def upload_remittance(request: Request, staff: StaffIdentity) -> Response:
    """Upload a bank's remittance file (CSV: date, amount, reference, payer_name)."""
    query = parse_query(request, UploadQuery)
    file, new = remittances().receive(request.raw_body or b"", query.file_name, staff.as_actor())
    counts = remittances().repository.get(file.remittance_id)[1]
    location = REMITTANCE.format(remittance_id=file.remittance_id)
    return json_response(
        RemittanceResponse.of(file, counts), 202 if new else 200, {"Location": location}
    )


@staff_route(blueprint, REMITTANCE, "GET", Role.CLERK, tag=TAG, response=RemittanceResponse)
def get_remittance(request: Request, staff: StaffIdentity, remittance_id: str) -> Response:
    """A remittance file: lines posted, waiting for a clerk, decided, and its malformed lines."""
    file, counts = remittances().repository.get(remittance_id)
    return json_response(RemittanceResponse.of(file, counts))


@staff_route(
    blueprint,
    REMITTANCE + "/lines",
    "GET",
    Role.CLERK,
    tag=TAG,
    query=LinesQuery,
    response=LinePage,
)
def remittance_lines(request: Request, staff: StaffIdentity, remittance_id: str) -> Response:
    """A file's lines with how each was matched (status=exception: the ones waiting)."""
    query = parse_query(request, LinesQuery)
    remittances().repository.get(remittance_id)  # 404 for an unknown file
    page = remittances().repository.lines(
        remittance_id, query.status == "exception", query.limit, query.cursor
    )
    return json_response(
        LinePage(items=[LineOut.of(o) for o in page.items], next_cursor=page.next_cursor)
    )


@staff_route(blueprint, EXCEPTIONS, "GET", Role.CLERK, tag=TAG, query=PageQuery, response=LinePage)
def remittance_exceptions(request: Request, staff: StaffIdentity) -> Response:
    """Every file's lines waiting for a clerk, oldest payment first."""
    query = parse_query(request, PageQuery)
    page = remittances().repository.open_exceptions(query.limit, query.cursor)
    return json_response(
        LinePage(items=[LineOut.of(o) for o in page.items], next_cursor=page.next_cursor)
    )


@staff_route(
    blueprint,
    LINE + "/decision",
    "POST",
    Role.CLERK,
    tag=TAG,
    request=DecisionRequest,
    response=LineOut,
)
def decide_line(
    request: Request, staff: StaffIdentity, remittance_id: str, line_no: str
) -> Response:
    """Post a waiting line to the account a clerk found, or return it to the bank."""
    body = parse_body(request, DecisionRequest, api().settings.max_body_bytes)
    if not line_no.isdigit():
        raise InvalidInput("line_no is a line number", "line_no")
    decide = remittances().decide
    if body.action == "post":
        if body.account_id is None:
            raise InvalidInput("account_id is required to post a line", "account_id")
        outcome = decide.resolve(
            remittance_id,
            int(line_no),
            body.account_id,
            body.note,
            staff.as_actor(),
            correlation_id(request),
        )
    else:
        if body.account_id is not None:
            raise InvalidInput("a returned line is paid to no account", "account_id")
        outcome = decide.give_back(remittance_id, int(line_no), body.note, staff.as_actor())
    return json_response(LineOut.of(outcome))
