"""Collection cases (/api/v1/ar/cases, /api/v1/ar/tasks, /api/v1/ar/stages, and each account's
/collection-cases).

A case follows a delinquent account up its ladder of stages, one at a time, each stage's notice
going out as it is reached; staff read every step with the rule, the bill and the dates that
decided it. Cases open by themselves the day after a bill falls past due; a clerk may open one
sooner. A dispute pauses a case (so does a payment arrangement, by itself) until a clerk resumes
it. A supervisor sets each customer class's ladder; a ladder out of order, or a shutoff warning
with less notice than the bylaw's, is refused field by field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint
from chalice.app import Request

from chalicelib.collections_composition import cases
from chalicelib.http import Reply, correlation_id, json_response, staff_route
from chalicelib.routes import deferred
from civiq.collections.domain.dunning import UTILITY, CustomerClass
from civiq.collections.services.case_holds import DISPUTE
from civiq.core.errors import Conflict, NotFound
from civiq.core.schemas import PageQuery
from civiq.core.staff import Role, StaffIdentity

if TYPE_CHECKING:
    from civiq.collections.schemas import cases as schemas
else:
    schemas = deferred("civiq.collections.schemas.cases")

blueprint = Blueprint(__name__)
CASES = "/api/v1/ar/cases"
TASKS = "/api/v1/ar/tasks"
WORKLIST = "/api/v1/ar/worklist"
UNASSIGNED = "unassigned"
STAGES = "/api/v1/ar/stages"
ACCOUNT_CASES = "/api/v1/utility/accounts/{id}/collection-cases"
ACCOUNT_CASE = "/api/v1/utility/accounts/{id}/collection-case"
TAG = "collections"


@staff_route(blueprint, CASES, "GET", Role.CLERK, tag=TAG)
def list_collection_cases(query: PageQuery) -> Reply[schemas.CaseList]:
    """The cases open or paused, by account."""
    page = cases().views.current(query.limit, query.cursor)
    return json_response(
        schemas.CaseList(
            cases=[schemas.CaseOut.of(c) for c in page.items], next_cursor=page.next_cursor
        )
    )


@staff_route(blueprint, CASES, "POST", Role.CLERK, tag=TAG, status=201)
def open_a_collection_case(
    request: Request, staff: StaffIdentity, body: schemas.OpenCaseRequest
) -> Reply[schemas.CaseOut]:
    """Open a case for an account with something past due (one per account at a time)."""
    case = cases().open(body.account_id, staff.as_actor(), correlation_id(request))
    return json_response(schemas.CaseOut.of(case), 201)


@staff_route(blueprint, ACCOUNT_CASES, "GET", Role.CLERK, tag=TAG)
def list_account_collection_cases(id: str) -> Reply[schemas.CaseList]:
    """The account's cases, newest first, each step with why it happened."""
    found = cases().views.of_account(id)
    return json_response(
        schemas.CaseList(cases=[schemas.CaseOut.of(c) for c in found], next_cursor=None)
    )


@staff_route(blueprint, ACCOUNT_CASE + "/pause", "POST", Role.CLERK, tag=TAG)
def pause_collection_case(
    request: Request, staff: StaffIdentity, id: str, body: schemas.PauseCaseRequest
) -> Reply[schemas.CaseOut]:
    """Pause the account's open case while a dispute is looked into: no stage advances."""
    case = cases().pause(id, body.reason, staff.as_actor(), correlation_id(request))
    if case is None:
        raise Conflict("the account has no collection case open", "id")
    return json_response(schemas.CaseOut.of(case))


@staff_route(blueprint, ACCOUNT_CASE + "/resume", "POST", Role.CLERK, tag=TAG)
def resume_collection_case(
    request: Request, staff: StaffIdentity, id: str
) -> Reply[schemas.CaseOut]:
    """Resume the account's case paused for a dispute where it left off (closed if nothing is
    past due). A case held by a payment arrangement, an agency referral or a tax-roll notice
    resumes when that ends, not here."""
    case = cases().resume(id, staff.as_actor(), correlation_id(request), held_by=DISPUTE)
    if case is None:
        raise Conflict(
            "the account has no collection case paused for a dispute (a case held by a payment "
            "arrangement, an agency referral or a tax-roll notice resumes when that ends)",
            "id",
        )
    return json_response(schemas.CaseOut.of(case))


@staff_route(blueprint, ACCOUNT_CASE + "/assign", "POST", Role.CLERK, tag=TAG)
def assign_collection_case(
    request: Request, staff: StaffIdentity, id: str, body: schemas.AssignRequest
) -> Reply[schemas.CaseOut]:
    """Put the account's case on a staff member's worklist (null: on nobody's)."""
    case = cases().assign(id, body.assignee, staff.as_actor(), correlation_id(request))
    return json_response(schemas.CaseOut.of(case))


@staff_route(blueprint, ACCOUNT_CASE + "/contacts", "POST", Role.CLERK, tag=TAG, status=201)
def record_collection_contact(
    request: Request, staff: StaffIdentity, id: str, body: schemas.ContactRequest
) -> Reply[schemas.ContactOut]:
    """Record a contact with the holder and its outcome (a promise to pay holds the next stage
    until its day is over; a dispute pauses the case)."""
    contact = cases().record_contact(body.told(id), staff.as_actor(), correlation_id(request))
    return json_response(schemas.ContactOut.of(contact), 201)


@staff_route(blueprint, ACCOUNT_CASE + "/contacts", "GET", Role.CLERK, tag=TAG)
def list_collection_contacts(id: str) -> Reply[schemas.ContactList]:
    """The contacts recorded on the account's cases, newest first."""
    found = cases().views.contacts(id)
    return json_response(schemas.ContactList(contacts=[schemas.ContactOut.of(c) for c in found]))


@staff_route(blueprint, WORKLIST, "GET", Role.CLERK, tag=TAG)
def collection_worklist(
    staff: StaffIdentity, query: schemas.WorklistQuery
) -> Reply[schemas.CaseList]:
    """A staff member's cases (yours unless ``assignee`` says whose), the most exposed first:
    what is past due times the account's risk of becoming 60 days delinquent."""
    assignee = query.assignee or staff.subject
    whose = None if assignee == UNASSIGNED else assignee
    page = cases().views.worklist(whose, query.limit, query.cursor)
    return json_response(
        schemas.CaseList(
            cases=[schemas.CaseOut.of(c) for c in page.items], next_cursor=page.next_cursor
        )
    )


@staff_route(blueprint, TASKS, "GET", Role.CLERK, tag=TAG)
def list_collection_tasks(query: PageQuery) -> Reply[schemas.TaskList]:
    """Staff follow-ups that escalation stages opened, oldest first."""
    page = cases().views.tasks(query.limit, query.cursor)
    return json_response(
        schemas.TaskList(
            tasks=[schemas.TaskOut.of(t) for t in page.items], next_cursor=page.next_cursor
        )
    )


@staff_route(blueprint, STAGES, "GET", Role.CLERK, tag=TAG)
def list_collection_ladders() -> Reply[schemas.LadderList]:
    """Each customer class's ladder of stages (configured, else the default)."""
    found = cases().ladders(UTILITY)
    return json_response(
        schemas.LadderList(ladders=[schemas.LadderOut.of(ladder) for ladder in found])
    )


@staff_route(blueprint, STAGES + "/{customer_class}", "PUT", Role.SUPERVISOR, tag=TAG)
def set_collection_ladder(
    request: Request, staff: StaffIdentity, customer_class: str, body: schemas.LadderIn
) -> Reply[schemas.LadderOut]:
    """Set a customer class's ladder (residential, commercial or institutional)."""
    try:
        chosen = CustomerClass(customer_class)
    except ValueError:
        raise NotFound(f"no customer class {customer_class}", "customer_class") from None
    ladder = cases().set_ladder(
        body.to_domain(chosen, UTILITY), staff.as_actor(), correlation_id(request)
    )
    return json_response(schemas.LadderOut.of(ladder))
