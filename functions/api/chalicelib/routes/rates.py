"""Rate schedules (bylaw rates as versioned data) and quotes: /api/v1/utility/rates.

Rates are bylaw data: supervisors create schedules and add versions; clerks read them and
quote what an account would be charged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint
from chalice.app import Request

from chalicelib.http import Reply, correlation_id, json_response, staff_route
from chalicelib.rates_composition import rates
from chalicelib.routes import deferred
from civiq.core.staff import Role, StaffIdentity

if TYPE_CHECKING:
    from civiq.rates.schemas import rates as schemas
else:
    schemas = deferred("civiq.rates.schemas.rates")

blueprint = Blueprint(__name__)
RATES = "/api/v1/utility/rates"
RATE = RATES + "/{schedule_id}"
TAG = "rates"


@staff_route(blueprint, RATES, "POST", Role.SUPERVISOR, tag=TAG, status=201)
def create_rate_schedule(
    request: Request, staff: StaffIdentity, body: schemas.NewRateSchedule
) -> Reply[schemas.RateScheduleResponse]:
    """Create a rate schedule with its first version (supervisors)."""
    schedule = rates().create_schedule(body.to_domain(), staff.as_actor(), correlation_id(request))
    location = f"{RATES}/{schedule.schedule_id}"
    return json_response(schemas.RateScheduleResponse.of(schedule), 201, {"Location": location})


@staff_route(blueprint, RATES, "GET", Role.CLERK, tag=TAG)
def list_rate_schedules() -> Reply[schemas.RateScheduleList]:
    """Every rate schedule with its versions."""
    items = [schemas.RateScheduleResponse.of(s) for s in rates().schedules.list()]
    return json_response(schemas.RateScheduleList(items=items))


@staff_route(blueprint, RATE, "GET", Role.CLERK, tag=TAG)
def get_rate_schedule(schedule_id: str) -> Reply[schemas.RateScheduleResponse]:
    """A rate schedule with its versions."""
    return json_response(schemas.RateScheduleResponse.of(rates().schedules.get(schedule_id)))


@staff_route(blueprint, RATE + "/versions", "POST", Role.SUPERVISOR, tag=TAG, status=201)
def add_rate_version(
    request: Request, staff: StaffIdentity, schedule_id: str, body: schemas.NewRateVersion
) -> Reply[schemas.RateScheduleResponse]:
    """Add a rate version (supervisors); it closes an open-ended last version the day before."""
    schedule = rates().add_version(
        schedule_id, body.version, body.to_domain(), staff.as_actor(), correlation_id(request)
    )
    return json_response(schemas.RateScheduleResponse.of(schedule), 201)


@staff_route(blueprint, RATE + "/quote", "POST", Role.CLERK, tag=TAG)
def quote_rate(schedule_id: str, body: schemas.QuoteRequest) -> Reply[schemas.QuoteResponse]:
    """What an account would be charged for a period: itemized lines, taxes and totals."""
    bill = rates().quote(schedule_id, body.to_domain())
    return json_response(schemas.QuoteResponse.of(schedule_id, bill))
