"""Meters and readings: /api/v1/utility/meters, /api/v1/utility/readings (clerks and up).

The same installation, exchange or read sent again answers 200 with what the first one did
(201); a read for a date that has another value is a 409 naming ``value``. Reading files are
uploaded straight to S3 with the link an import returns; the import reports each row's outcome.
"""

from __future__ import annotations

from datetime import date

from chalice import Blueprint, Response
from chalice.app import Request

from chalicelib.composition import api
from chalicelib.history import history_response
from chalicelib.http import correlation_id, json_response, parse_body, parse_query, staff_route
from chalicelib.metering_composition import metering, reading_imports
from civiq.core.errors import InvalidInput
from civiq.core.schemas import HistoryPage, PageQuery
from civiq.core.staff import Role, StaffIdentity
from civiq.metering.schemas.meters import (
    ExchangeRequest,
    ExchangeResponse,
    ImportRequest,
    ImportResponse,
    InstallMeterRequest,
    MeterList,
    MeterOut,
    ReadingList,
    ReadingOut,
    ReadingPage,
    ReadingRequest,
    ReadingsQuery,
    ReviewRequest,
)
from civiq.metering.services.history import meter_subject

blueprint = Blueprint(__name__)
UTILITY = "/api/v1/utility"
METERS = UTILITY + "/meters"
METER = METERS + "/{id}"
READINGS = METER + "/readings"
IMPORTS = UTILITY + "/readings/imports"
TAG = "meters"


def _day(text: str, field: str) -> date:
    try:
        if len(text) != len("2026-11-26"):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{field} must be a date like 2026-11-26", field) from None


@staff_route(
    blueprint,
    METERS,
    "POST",
    Role.CLERK,
    tag=TAG,
    request=InstallMeterRequest,
    response=MeterOut,
    status=201,
)
def install_meter(request: Request, staff: StaffIdentity) -> Response:
    """Install a meter at a property (a unit's, or the whole property's), with its first read."""
    body = parse_body(request, InstallMeterRequest, api().settings.max_body_bytes)
    meter, created = metering().install_meter(
        body.to_command(), staff.as_actor(), correlation_id(request)
    )
    headers = {"Location": f"{METERS}/{meter.meter_id}"}
    return json_response(MeterOut.of(meter), 201 if created else 200, headers)


@staff_route(blueprint, METER, "GET", Role.CLERK, tag=TAG, response=MeterOut)
def get_meter(request: Request, staff: StaffIdentity, id: str) -> Response:
    """A meter: nameplate, register, where it is installed and since when."""
    return json_response(MeterOut.of(metering().meters.get(id)))


@staff_route(
    blueprint, UTILITY + "/properties/{id}/meters", "GET", Role.CLERK, tag=TAG, response=MeterList
)
def property_meters(request: Request, staff: StaffIdentity, id: str) -> Response:
    """Every meter ever installed at a property (removed ones too), oldest first."""
    api().properties.get(id)  # 404 for an unknown property, not an empty list
    meters = metering().meters.at_property(id)
    return json_response(MeterList(items=[MeterOut.of(m) for m in meters]))


@staff_route(
    blueprint,
    METER + "/exchange",
    "POST",
    Role.CLERK,
    tag=TAG,
    request=ExchangeRequest,
    response=ExchangeResponse,
    status=201,
)
def exchange_meter(request: Request, staff: StaffIdentity, id: str) -> Response:
    """Exchange a meter: its final read and removal, the new meter and its first read, at once."""
    body = parse_body(request, ExchangeRequest, api().settings.max_body_bytes)
    exchange, created = metering().exchange_meter(
        body.to_command(id), staff.as_actor(), correlation_id(request)
    )
    response = ExchangeResponse(
        removed=MeterOut.of(exchange.removed),
        installed=MeterOut.of(exchange.installed),
        final_read=ReadingOut.of(exchange.final_read),
        first_read=ReadingOut.of(exchange.first_read),
    )
    headers = {"Location": f"{METERS}/{exchange.installed.meter_id}"}
    return json_response(response, 201 if created else 200, headers)


@staff_route(
    blueprint,
    READINGS,
    "POST",
    Role.CLERK,
    tag=TAG,
    request=ReadingRequest,
    response=ReadingOut,
    status=201,
)
def record_reading(request: Request, staff: StaffIdentity, id: str) -> Response:
    """Record a read; flagged reads (backwards, high, low) wait for review before they bill."""
    body = parse_body(request, ReadingRequest, api().settings.max_body_bytes)
    reading, created = metering().record_reading(
        body.to_command(id), staff.as_actor(), correlation_id(request)
    )
    headers = {"Location": f"{READINGS.format(id=id)}/{reading.read_on.isoformat()}"}
    return json_response(ReadingOut.of(reading), 201 if created else 200, headers)


@staff_route(
    blueprint, READINGS, "GET", Role.CLERK, tag=TAG, query=ReadingsQuery, response=ReadingList
)
def meter_readings(request: Request, staff: StaffIdentity, id: str) -> Response:
    """A meter's reads (every status and source), oldest first, optionally between two days."""
    query = parse_query(request, ReadingsQuery)
    store = metering().meters
    store.get(id)  # 404 for an unknown meter
    reads = store.of_meter(id, query.after, query.until)
    return json_response(ReadingList(items=[ReadingOut.of(r) for r in reads]))


@staff_route(
    blueprint,
    READINGS + "/{read_on}/review",
    "POST",
    Role.CLERK,
    tag=TAG,
    request=ReviewRequest,
    response=ReadingOut,
)
def review_reading(request: Request, staff: StaffIdentity, id: str, read_on: str) -> Response:
    """Accept a flagged read (as read, or with a corrected value) or reject it."""
    body = parse_body(request, ReviewRequest, api().settings.max_body_bytes)
    reading = metering().review_reading(
        id,
        _day(read_on, "read_on"),
        body.decision,
        body.corrected_value(),
        body.note,
        staff.as_actor(),
        correlation_id(request),
    )
    return json_response(ReadingOut.of(reading))


@staff_route(
    blueprint, METER + "/history", "GET", Role.CLERK, tag=TAG, query=PageQuery, response=HistoryPage
)
def meter_history(request: Request, staff: StaffIdentity, id: str) -> Response:
    """Every change to the meter and its reads: who, when, before and after; oldest first."""
    query = parse_query(request, PageQuery)
    metering().meters.get(id)
    return history_response(meter_subject(id), query)


@staff_route(
    blueprint,
    UTILITY + "/readings/review",
    "GET",
    Role.CLERK,
    tag=TAG,
    query=PageQuery,
    response=ReadingPage,
)
def reads_to_review(request: Request, staff: StaffIdentity) -> Response:
    """Reads waiting for review, oldest first."""
    query = parse_query(request, PageQuery)
    page = metering().meters.pending_review(query.limit, query.cursor)
    items = [ReadingOut.of(r) for r in page.items]
    return json_response(ReadingPage(items=items, next_cursor=page.next_cursor))


@staff_route(
    blueprint,
    IMPORTS,
    "POST",
    Role.CLERK,
    tag=TAG,
    request=ImportRequest,
    response=ImportResponse,
    status=201,
)
def start_import(request: Request, staff: StaffIdentity) -> Response:
    """Start a reading-file import: upload the CSV with the returned link (HTTP PUT)."""
    body = parse_body(request, ImportRequest, api().settings.max_body_bytes)
    job, upload = reading_imports().start_import(body.source, staff.as_actor())
    headers = {"Location": f"{IMPORTS}/{job.import_id}"}
    return json_response(ImportResponse.of(job, upload=upload), 201, headers)


@staff_route(
    blueprint,
    IMPORTS + "/{id}",
    "GET",
    Role.CLERK,
    tag=TAG,
    query=PageQuery,
    response=ImportResponse,
)
def get_import(request: Request, staff: StaffIdentity, id: str) -> Response:
    """An import's progress: rows loaded and rejected, and the rejected rows' errors."""
    query = parse_query(request, PageQuery)
    imports = reading_imports().imports
    job = imports.get(id)
    errors = imports.errors(id, query.limit, query.cursor)
    return json_response(ImportResponse.of(job, list(errors.items), errors.next_cursor))
