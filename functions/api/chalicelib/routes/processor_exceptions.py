"""Processor exceptions: /api/v1/utility/processor-exceptions.

Events of the payment processor that were acknowledged but cannot be posted as they stand (a
wrong account number, money the ledger cannot take) wait here, like the remittance exceptions,
until a clerk posts the payment to the right account or records that it goes back to the payer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint
from chalice.app import Request

from chalicelib.http import Reply, correlation_id, json_response, staff_route
from chalicelib.processor_exceptions_composition import processor_exceptions
from chalicelib.routes import deferred
from civiq.core.staff import Role, StaffIdentity

if TYPE_CHECKING:
    from civiq.payments.domain import processor_exceptions as domain
    from civiq.payments.schemas import processor_exceptions as schemas
    from civiq.payments.services import processor_exceptions as services
else:
    domain = deferred("civiq.payments.domain.processor_exceptions")
    schemas = deferred("civiq.payments.schemas.processor_exceptions")
    services = deferred("civiq.payments.services.processor_exceptions")

blueprint = Blueprint(__name__)
EXCEPTIONS = "/api/v1/utility/processor-exceptions"
EXCEPTION = EXCEPTIONS + "/{event_id}"
TAG = "payments"
HISTORY_SHOWN = 100  # an exception is recorded, then decided: a few entries at most


@staff_route(blueprint, EXCEPTIONS, "GET", Role.CLERK, tag=TAG)
def list_processor_exceptions(
    query: schemas.ExceptionsQuery,
) -> Reply[schemas.ProcessorExceptionPage]:
    """Processor events waiting for a clerk (status=resolved: the ones decided)."""
    status = domain.ExceptionStatus(query.status)
    page = processor_exceptions().exceptions.listed(status, query.limit, query.cursor)
    items = [schemas.ProcessorExceptionOut.of(e) for e in page.items]
    return json_response(schemas.ProcessorExceptionPage(items=items, next_cursor=page.next_cursor))


@staff_route(blueprint, EXCEPTION, "GET", Role.CLERK, tag=TAG)
def get_processor_exception(event_id: str) -> Reply[schemas.ProcessorExceptionDetail]:
    """A processor exception with its history: who recorded and decided it, and when."""
    found = processor_exceptions()
    exception = found.exceptions.get(event_id)
    history = found.history.entries_for(services.exception_subject(event_id), HISTORY_SHOWN, None)
    return json_response(schemas.ProcessorExceptionDetail.of(exception, list(history.items)))


@staff_route(blueprint, EXCEPTION + "/decision", "POST", Role.CLERK, tag=TAG)
def decide_processor_exception(
    request: Request, staff: StaffIdentity, event_id: str, body: schemas.DecisionRequest
) -> Reply[schemas.ProcessorExceptionOut]:
    """Post a waiting event's payment to the account a clerk found, or refund it to the payer.
    The same decision again answers the same; another one is 409."""
    decided = body.apply(
        processor_exceptions().decide, event_id, staff.as_actor(), correlation_id(request)
    )
    return json_response(schemas.ProcessorExceptionOut.of(decided))
