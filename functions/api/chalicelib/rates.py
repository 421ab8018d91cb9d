"""Rate schedules (bylaw rates as versioned data) and quotes: /api/v1/utility/rates.

Rates are bylaw data: supervisors create schedules and add versions; clerks read them and
quote what an account would be charged.
"""

from __future__ import annotations

from chalice import Blueprint, Response
from chalice.app import Request

from chalicelib.composition import api
from chalicelib.http import correlation_id, json_response, parse_body, staff_route
from chalicelib.rates_composition import rates
from civiq.core.staff import Role, StaffIdentity
from civiq.rates.schemas.rates import (
    NewRateSchedule,
    NewRateVersion,
    QuoteRequest,
    QuoteResponse,
    RateScheduleList,
    RateScheduleResponse,
)

blueprint = Blueprint(__name__)
RATES = "/api/v1/utility/rates"
RATE = RATES + "/{schedule_id}"
TAG = "rates"


@staff_route(
    blueprint,
    RATES,
    "POST",
    Role.SUPERVISOR,
    tag=TAG,
    request=NewRateSchedule,
    response=RateScheduleResponse,
    status=201,
)
def create_rate_schedule(request: Request, staff: StaffIdentity) -> Response:
    """Create a rate schedule with its first version (supervisors)."""
    body = parse_body(request, NewRateSchedule, api().settings.max_body_bytes)
    schedule = rates().create_schedule(body.to_domain(), staff.as_actor(), correlation_id(request))
    location = f"{RATES}/{schedule.schedule_id}"
    return json_response(RateScheduleResponse.of(schedule), 201, {"Location": location})


@staff_route(blueprint, RATES, "GET", Role.CLERK, tag=TAG, response=RateScheduleList)
def list_rate_schedules(request: Request, staff: StaffIdentity) -> Response:
    """Every rate schedule with its versions."""
    schedules = rates().schedules.list()
    return json_response(RateScheduleList(items=[RateScheduleResponse.of(s) for s in schedules]))


@staff_route(blueprint, RATE, "GET", Role.CLERK, tag=TAG, response=RateScheduleResponse)
def get_rate_schedule(request: Request, staff: StaffIdentity, schedule_id: str) -> Response:
    """A rate schedule with its versions."""
    return json_response(RateScheduleResponse.of(rates().schedules.get(schedule_id)))


@staff_route(
    blueprint,
    RATE + "/versions",
    "POST",
    Role.SUPERVISOR,
    tag=TAG,
    request=NewRateVersion,
    response=RateScheduleResponse,
    status=201,
)
def add_rate_version(request: Request, staff: StaffIdentity, schedule_id: str) -> Response:
    """Add a rate version (supervisors); it closes an open-ended last version the day before."""
    body = parse_body(request, NewRateVersion, api().settings.max_body_bytes)
    schedule = rates().add_version(
        schedule_id, body.version, body.to_domain(), staff.as_actor(), correlation_id(request)
    )
    return json_response(RateScheduleResponse.of(schedule), 201)


@staff_route(
    blueprint,
    RATE + "/quote",
    "POST",
    Role.CLERK,
    tag=TAG,
    request=QuoteRequest,
    response=QuoteResponse,
)
def quote_rate(request: Request, staff: StaffIdentity, schedule_id: str) -> Response:
    """What an account would be charged for a period: itemized lines, taxes and totals."""
    body = parse_body(request, QuoteRequest, api().settings.max_body_bytes)
    bill = rates().quote(schedule_id, body.to_domain())
    return json_response(QuoteResponse.of(schedule_id, bill))
