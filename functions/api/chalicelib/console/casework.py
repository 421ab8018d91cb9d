"""The console's collections worklist and the ownership transfers waiting for a supervisor:
the cases most exposed first (what is past due times the account's risk), as
``GET /api/v1/ar/worklist`` lists them, and the transfers awaiting approval with their approve /
reject form, decided as ``POST /api/v1/utility/transfers/{id}/decision`` decides."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from chalice import Blueprint

from chalicelib.collections_composition import cases
from chalicelib.console.forms import fields_of, parsed, refusal
from chalicelib.console.session import console_page, query_of
from chalicelib.console_composition import HOME, pages
from chalicelib.http import correlation_id
from chalicelib.workflow_composition import workflows
from civiq.core.errors import InvalidInput
from civiq.core.staff import Role, StaffIdentity
from civiq.platform.web import PageRequest, PageResponse, redirect

blueprint = Blueprint(__name__)
COLLECTIONS = HOME + "/collections"
TRANSFERS = HOME + "/transfers"
UNASSIGNED = "unassigned"


@console_page(blueprint, COLLECTIONS, Role.CLERK)
def worklist(request: PageRequest, staff: StaffIdentity) -> PageResponse:
    """Yours, or the cases nobody has (``?assignee=unassigned``), a page at a time."""
    from civiq.collections.schemas.cases import CaseOut, WorklistQuery

    query = query_of(request, WorklistQuery)
    assignee = query.assignee or staff.subject
    page = cases().views.worklist(
        None if assignee == UNASSIGNED else assignee, query.limit, query.cursor
    )
    next_page = None
    if page.next_cursor:
        next_page = request.link(COLLECTIONS, assignee=assignee, cursor=page.next_cursor)
    return pages().render(
        request,
        "console_collections",
        {
            # each case, with its amounts as numbers for the page to write in its language
            "cases": [
                (out, Decimal(out.past_due), Decimal(out.exposure))
                for out in (CaseOut.of(c) for c in page.items)
            ],
            "unassigned": assignee == UNASSIGNED,
            "next_page": next_page,
            "view": "collections",
            "dashboard": HOME,
        },
    )


@console_page(blueprint, TRANSFERS, Role.CLERK)
def transfers(request: PageRequest, staff: StaffIdentity) -> PageResponse:
    notice = (
        pages().say(request, "console.transfer_decided") if "decided" in request.query else None
    )
    return render_transfers(request, staff, {"notice": notice})


@console_page(blueprint, TRANSFERS + "/{transfer_id}/decision", Role.SUPERVISOR, method="POST")
def decide(request: PageRequest, staff: StaffIdentity, transfer_id: str) -> PageResponse:
    from civiq.accounts.schemas.transfers import DecisionRequest

    form = fields_of(request, "decision", ("decision", "reason"))
    try:
        body = parsed(DecisionRequest, form, optional=("reason",))
        workflows().decide_transfer(
            transfer_id,
            body.decision,
            body.reason,
            staff.as_actor(),
            correlation_id(blueprint.current_request),
        )
    except InvalidInput as invalid:
        context = {**refusal(invalid, "decision", form, request), "refused": transfer_id}
        answer = render_transfers(request, staff, context)
        answer.status = 400
        return answer
    return redirect(request.link(TRANSFERS, decided="1"))


def render_transfers(
    request: PageRequest, staff: StaffIdentity, context: Mapping[str, object]
) -> PageResponse:
    """Transfers awaiting approval, oldest submitted first (the decision forms for a
    supervisor)."""
    from civiq.accounts.domain.transfers import TransferStatus
    from civiq.accounts.schemas.transfers import TransferResponse

    page = workflows().transfers.with_status(
        TransferStatus.AWAITING_APPROVAL, 50, request.query.get("cursor") or None
    )
    return pages().render(
        request,
        "console_transfers",
        {
            "transfers": [TransferResponse.of(t) for t in page.items],
            "may_decide": staff.role.rank >= Role.SUPERVISOR.rank,
            "refused": None,
            "decision_form": {},
            "field_errors": {},
            "view": "transfers",
            "dashboard": HOME,
            **context,
        },
    )
