"""The console's accounts: the list (by status, or searched by number, name or address, with
each account's balance and an Autopay badge), an account's page (services, meters and their
reads, statements, ledger, payments, history) and its forms: a payment received (a clerk's,
like POST .../payments) and a balance adjustment (a supervisor's, like POST .../adjustments).

Each form carries a key made when the page was shown: posting it twice (a double click, a
reload, a retry) records one payment, the one the key names."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.composition import account_services
from chalicelib.console.forms import fields_of, form_key, parsed, refusal
from chalicelib.console.session import console_page, query_of
from chalicelib.console_composition import HOME, pages
from chalicelib.dashboard_composition import dashboard
from chalicelib.http import correlation_id
from civiq.core.errors import InvalidInput
from civiq.core.staff import Role, StaffIdentity
from civiq.platform.web import PageRequest, PageResponse, redirect

if TYPE_CHECKING:
    from civiq.accounts.domain.accounts import Account

blueprint = Blueprint(__name__)
ACCOUNTS = HOME + "/accounts"
ACCOUNT = ACCOUNTS + "/{id}"
RECENT = 20  # entries of each kind an account's page shows (the JSON routes page the rest)
READS_SINCE = timedelta(days=400)  # a year of reads and the one before it
PAYMENT_FIELDS = ("amount", "method", "received_on", "reference", "payer_name")
ADJUSTMENT_FIELDS = ("amount", "reason")


@console_page(blueprint, ACCOUNTS, Role.CLERK)
def account_list(request: PageRequest, staff: StaffIdentity) -> PageResponse:
    """The accounts of a status, or found by ``q`` (the JSON search's own query), a page at a
    time, each with its balance."""
    from civiq.accounts.domain.accounts import AccountStatus
    from civiq.accounts.domain.search import SearchQuery
    from civiq.accounts.schemas.accounts import AccountSearchQuery

    query = query_of(request, AccountSearchQuery)
    repository = account_services().accounts
    if query.q:
        found = repository.search(
            SearchQuery.parse(query.q), query.status, query.service, query.limit, query.cursor
        )
    else:
        status = query.status or AccountStatus.ACTIVE
        found = repository.list_by_status(status, query.service, query.limit, query.cursor)
    balances = dashboard().balances
    rows = [(summary, balances.balance_of(summary.account_id)) for summary in found.items]
    next_page = None
    if found.next_cursor:
        asked = {k: v for k, v in request.query.items() if k not in ("cursor", "lang")}
        next_page = request.link(ACCOUNTS, **asked, cursor=found.next_cursor)
    return pages().render(
        request,
        "console_accounts",
        {
            "rows": rows,
            "q": query.q or "",
            "status": query.status.value if query.status else "",
            "statuses": [s.value for s in AccountStatus],
            "next_page": next_page,
            "view": "accounts",
            "dashboard": HOME,
        },
    )


@console_page(blueprint, ACCOUNT, Role.CLERK)
def account_page(request: PageRequest, staff: StaffIdentity, id: str) -> PageResponse:
    notice = None
    if "paid" in request.query:
        notice = pages().say(request, "console.payment_recorded")
    elif "adjusted" in request.query:
        notice = pages().say(request, "console.adjustment_recorded")
    account = account_services().find_account(id)
    return render_account(request, staff, account, {"notice": notice})


@console_page(blueprint, ACCOUNT + "/payments", Role.CLERK, method="POST")
def record_payment(request: PageRequest, staff: StaffIdentity, id: str) -> PageResponse:
    """A payment received at the counter or by mail, posted as the JSON route posts it."""
    from chalicelib.payments_composition import payments
    from civiq.payments.schemas.payments import RecordPaymentRequest

    account = account_services().find_account(id)
    form = fields_of(request, "payment", PAYMENT_FIELDS)
    try:
        body = parsed(RecordPaymentRequest, form, optional=("reference", "payer_name"))
        key = form_key(request)
        payments().post(
            body.staff_payment(account.account_id, key),
            staff.as_actor(),
            correlation_id(blueprint.current_request),
        )
    except InvalidInput as invalid:
        return refused(request, staff, account, invalid, "payment", form)
    path = ACCOUNT.format(id=account.account_number)
    return redirect(request.link(path, paid="1"))


@console_page(blueprint, ACCOUNT + "/adjustments", Role.SUPERVISOR, method="POST")
def adjust_balance(request: PageRequest, staff: StaffIdentity, id: str) -> PageResponse:
    """A supervisor's correction of what the account owes, made as the JSON route makes it."""
    from chalicelib.payments_composition import payments
    from civiq.ledger.domain.payments import derived_id
    from civiq.payments.schemas.payments import AdjustmentRequest

    account = account_services().find_account(id)
    form = fields_of(request, "adjustment", ADJUSTMENT_FIELDS)
    try:
        body = parsed(AdjustmentRequest, form)
        key = form_key(request)
        payments().adjust(
            account.account_id,
            derived_id("ADJ", account.account_id, key),
            Decimal(body.amount),
            body.reason,
            staff.as_actor(),
            correlation_id(blueprint.current_request),
        )
    except InvalidInput as invalid:
        return refused(request, staff, account, invalid, "adjustment", form)
    path = ACCOUNT.format(id=account.account_number)
    return redirect(request.link(path, adjusted="1"))


def refused(
    request: PageRequest,
    staff: StaffIdentity,
    account: Account,
    invalid: InvalidInput,
    form_name: str,
    form: dict[str, str],
) -> PageResponse:
    """The account's page again, the form as typed, every invalid field named."""
    answer = render_account(request, staff, account, refusal(invalid, form_name, form, request))
    answer.status = 400
    return answer


def render_account(
    request: PageRequest, staff: StaffIdentity, account: Account, context: Mapping[str, object]
) -> PageResponse:
    """An account's page (its links name it by number, as staff do): read as the JSON routes
    read each part, the latest of each."""
    from chalicelib.billing_composition import billing
    from chalicelib.metering_composition import metering
    from chalicelib.payments_composition import payments
    from civiq.core import history
    from civiq.core.staff import Role as Roles

    today = dashboard().today()
    meters = [
        (installed, metering().meters.of_meter(installed.meter_id, today - READS_SINCE, None))
        for installed in metering().meters.at_property(account.property_id)
        if installed.unit in (None, account.service_address.unit)
    ]
    ledger = payments().ledger
    state = ledger.state(account.account_id)
    head = state.head.sequence if state.head else 0
    entries = ledger.entries(account.account_id, max(0, head - RECENT), RECENT).items
    subject = history.subject_of(account)
    return pages().render(
        request,
        "console_account",
        {
            "account": account,
            "balance": dashboard().balance(account),
            "meters": meters,
            "statements": billing().statements.of_account(account.account_id, RECENT, None).items,
            "ledger": state,
            "entries": list(reversed(entries)),
            "payments": payments().payments.of_account(account.account_id)[:RECENT],
            "history": account_services().history.entries_for(subject, RECENT, None).items,
            "can_adjust": staff.role.rank >= Roles.SUPERVISOR.rank,
            "key": str(uuid.uuid4()),
            "today": today,
            "payment_form": {"received_on": today.isoformat()},
            "adjustment_form": {},
            "field_errors": {},
            "dashboard": HOME,
            "view": "accounts",
            **context,
        },
    )
