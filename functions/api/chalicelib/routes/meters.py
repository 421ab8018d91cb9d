"""Meters and readings: /api/v1/utility/meters, /api/v1/utility/readings (clerks and up).

The same installation, exchange or read sent again answers 200 with what the first one did
(201); a read for a date that has another value is a 409 naming ``value``. Reading files are
uploaded straight to S3 with the link an import returns; the import reports each row's outcome.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from chalice import Blueprint
from chalice.app import Request

from chalicelib.composition import account_services
from chalicelib.http import Reply, correlation_id, json_response, staff_route
from chalicelib.metering_composition import metering, reading_imports
from chalicelib.routes import deferred
from chalicelib.routes.history import history_response
from civiq.core.staff import Role, StaffIdentity

if TYPE_CHECKING:
    from civiq.core import schemas as common
    from civiq.metering.schemas import meters as schemas
    from civiq.metering.services import history
else:
    common = deferred("civiq.core.schemas")
    schemas = deferred("civiq.metering.schemas.meters")
    history = deferred("civiq.metering.services.history")

blueprint = Blueprint(__name__)
UTILITY = "/api/v1/utility"
METERS = UTILITY + "/meters"
METER = METERS + "/{id}"
READINGS = METER + "/readings"
IMPORTS = UTILITY + "/readings/imports"
TAG = "meters"
AGAIN = {200: "The same request again: what the first one did."}


@staff_route(blueprint, METERS, "POST", Role.CLERK, tag=TAG, status=201, also=AGAIN)
def install_meter(
    request: Request, staff: StaffIdentity, body: schemas.InstallMeterRequest
) -> Reply[schemas.MeterOut]:
    """Install a meter at a property (a unit's, or the whole property's), with its first read."""
    meter, created = metering().install_meter(
        body.to_command(), staff.as_actor(), correlation_id(request)
    )
    headers = {"Location": f"{METERS}/{meter.meter_id}"}
    return json_response(schemas.MeterOut.of(meter), 201 if created else 200, headers)


@staff_route(blueprint, METER, "GET", Role.CLERK, tag=TAG)
def get_meter(id: str) -> Reply[schemas.MeterOut]:
    """A meter: nameplate, register, where it is installed and since when."""
    return json_response(schemas.MeterOut.of(metering().meters.get(id)))


@staff_route(blueprint, UTILITY + "/properties/{id}/meters", "GET", Role.CLERK, tag=TAG)
def property_meters(id: str) -> Reply[schemas.MeterList]:
    """Every meter ever installed at a property (removed ones too), oldest first."""
    account_services().properties.get(id)  # 404 for an unknown property, not an empty list
    meters = metering().meters.at_property(id)
    return json_response(schemas.MeterList(items=[schemas.MeterOut.of(m) for m in meters]))


@staff_route(blueprint, METER + "/exchange", "POST", Role.CLERK, tag=TAG, status=201, also=AGAIN)
def exchange_meter(
    request: Request, staff: StaffIdentity, id: str, body: schemas.ExchangeRequest
) -> Reply[schemas.ExchangeResponse]:
    """Exchange a meter: its final read and removal, the new meter and its first read, at once."""
    exchange, created = metering().exchange_meter(
        body.to_command(id), staff.as_actor(), correlation_id(request)
    )
    response = schemas.ExchangeResponse(
        removed=schemas.MeterOut.of(exchange.removed),
        installed=schemas.MeterOut.of(exchange.installed),
        final_read=schemas.ReadingOut.of(exchange.final_read),
        first_read=schemas.ReadingOut.of(exchange.first_read),
    )
    headers = {"Location": f"{METERS}/{exchange.installed.meter_id}"}
    return json_response(response, 201 if created else 200, headers)


@staff_route(blueprint, READINGS, "POST", Role.CLERK, tag=TAG, status=201, also=AGAIN)
def record_reading(
    request: Request, staff: StaffIdentity, id: str, body: schemas.ReadingRequest
) -> Reply[schemas.ReadingOut]:
    """Record a read; flagged reads (backwards, high, low) wait for review before they bill."""
    reading, created = metering().record_reading(
        body.to_command(id), staff.as_actor(), correlation_id(request)
    )
    headers = {"Location": f"{READINGS.format(id=id)}/{reading.read_on.isoformat()}"}
    return json_response(schemas.ReadingOut.of(reading), 201 if created else 200, headers)


@staff_route(blueprint, READINGS, "GET", Role.CLERK, tag=TAG)
def meter_readings(id: str, query: schemas.ReadingsQuery) -> Reply[schemas.ReadingList]:
    """A meter's reads (every status and source), oldest first, optionally between two days."""
    store = metering().meters
    store.get(id)  # 404 for an unknown meter
    reads = store.of_meter(id, query.after, query.until)
    return json_response(schemas.ReadingList(items=[schemas.ReadingOut.of(r) for r in reads]))


@staff_route(blueprint, READINGS + "/{read_on}/review", "POST", Role.CLERK, tag=TAG)
def review_reading(
    request: Request, staff: StaffIdentity, id: str, read_on: date, body: schemas.ReviewRequest
) -> Reply[schemas.ReadingOut]:
    """Accept a flagged read (as read, or with a corrected value) or reject it."""
    reading = metering().review_reading(
        id,
        read_on,
        body.decision,
        body.corrected_value(),
        body.note,
        staff.as_actor(),
        correlation_id(request),
    )
    return json_response(schemas.ReadingOut.of(reading))


@staff_route(blueprint, METER + "/history", "GET", Role.CLERK, tag=TAG)
def meter_history(id: str, query: common.PageQuery) -> Reply[common.HistoryPage]:
    """Every change to the meter and its reads: who, when, before and after; oldest first."""
    metering().meters.get(id)
    return history_response(history.meter_subject(id), query)


@staff_route(blueprint, UTILITY + "/readings/review", "GET", Role.CLERK, tag=TAG)
def reads_to_review(query: common.PageQuery) -> Reply[schemas.ReadingPage]:
    """Reads waiting for review, oldest first."""
    page = metering().meters.pending_review(query.limit, query.cursor)
    items = [schemas.ReadingOut.of(r) for r in page.items]
    return json_response(schemas.ReadingPage(items=items, next_cursor=page.next_cursor))


@staff_route(blueprint, IMPORTS, "POST", Role.CLERK, tag=TAG, status=201)
def start_import(
    staff: StaffIdentity, body: schemas.ImportRequest
) -> Reply[schemas.ImportResponse]:
    """Start a reading-file import: upload the CSV with the returned link (HTTP PUT)."""
    job, upload = reading_imports().start_import(body.source, staff.as_actor())
    headers = {"Location": f"{IMPORTS}/{job.import_id}"}
    return json_response(schemas.ImportResponse.of(job, upload=upload), 201, headers)


@staff_route(blueprint, IMPORTS + "/{id}", "GET", Role.CLERK, tag=TAG)
def get_import(id: str, query: common.PageQuery) -> Reply[schemas.ImportResponse]:
    """An import's progress: rows loaded and rejected, and the rejected rows' errors."""
    imports = reading_imports().imports
    job = imports.get(id)
    errors = imports.errors(id, query.limit, query.cursor)
    return json_response(schemas.ImportResponse.of(job, list(errors.items), errors.next_cursor))
