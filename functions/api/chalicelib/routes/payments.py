"""Payments and the ledger: /api/v1/utility/accounts/{id}/payments and /ledger.

Every request that moves money carries an ``Idempotency-Key`` header: a retry with the same key
and body gets the first response, the same key with another body 422, a retry while the first
is still running 409. The payment's own id is derived from the key, so it is posted once even
after the key's record has expired.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from chalice import Blueprint
from chalice.app import Request

from chalicelib.composition import account_services
from chalicelib.http import Header, Reply, correlation_id, json_response, staff_route
from chalicelib.payments_composition import payments
from chalicelib.routes import deferred
from civiq.core.staff import Role, StaffIdentity

if TYPE_CHECKING:
    from pydantic import BaseModel

    from civiq.ledger.domain import payments as ledger
    from civiq.payments.schemas import payments as schemas
else:
    ledger = deferred("civiq.ledger.domain.payments")
    schemas = deferred("civiq.payments.schemas.payments")

blueprint = Blueprint(__name__)
PAYMENTS = "/api/v1/utility/accounts/{id}/payments"
PAYMENT = PAYMENTS + "/{payment_id}"
LEDGER = "/api/v1/utility/accounts/{id}/ledger"
ADJUSTMENTS = "/api/v1/utility/accounts/{id}/adjustments"
TAG = "payments"
KEY_PATTERN = r"[A-Za-z0-9._:-]{8,100}"
Out = TypeVar("Out", bound="BaseModel")


# The key is checked with the rest of the request: a request without one is refused for that
# (and for whatever else is wrong with it).
KEYED = {
    "key": Header(
        "Idempotency-Key",
        KEY_PATTERN,
        "8 to 100 letters, digits, dots, dashes, colons or underscores: a new one (a UUID) per "
        "payment, the same one to retry it",
        {422: "This Idempotency-Key was used for a different request."},
    )
}


def once(
    scope: str,
    key: str,
    body: BaseModel,
    path: dict[str, str],
    respond: Callable[[], tuple[int, Out, dict[str, str]]],
) -> Reply[Out]:
    """Answer ``respond()``, or what the first request with this key was answered."""

    def first() -> dict[str, Any]:
        status, payload, headers = respond()
        return {"status": status, "body": payload.model_dump(mode="json"), "headers": headers}

    answer = payments().requests.once(
        scope,
        key,
        {"path": path, "body": body.model_dump(mode="json")},
        first,
        blueprint.lambda_context,
    )
    return json_response(answer["body"], answer["status"], answer["headers"])


@staff_route(blueprint, PAYMENTS, "POST", Role.CLERK, tag=TAG, status=201, inject=KEYED)
def record_payment(
    request: Request, staff: StaffIdentity, id: str, key: str, body: schemas.RecordPaymentRequest
) -> Reply[schemas.PaymentResponse]:
    """Record a payment received at the counter or by mail (cheque, cash, e-transfer)."""

    def respond() -> tuple[int, schemas.PaymentResponse, dict[str, str]]:
        posted = payments().post(
            body.staff_payment(id, key), staff.as_actor(), correlation_id(request)
        )
        location = PAYMENT.format(id=id, payment_id=posted.payment.payment_id)
        return 201, schemas.PaymentResponse.of(posted.payment), {"Location": location}

    return once("record-payment", key, body, {"id": id}, respond)


@staff_route(blueprint, PAYMENTS, "GET", Role.CLERK, tag=TAG)
def list_payments(id: str) -> Reply[schemas.PaymentList]:
    """The account's payments, newest received first."""
    account_services().accounts.get(id)  # 404 for an unknown account
    found = payments().payments.of_account(id)
    return json_response(schemas.PaymentList(items=[schemas.PaymentResponse.of(p) for p in found]))


@staff_route(blueprint, PAYMENT, "GET", Role.CLERK, tag=TAG)
def get_payment(id: str, payment_id: str) -> Reply[schemas.PaymentResponse]:
    """A payment: what it paid, what is left of it, what happened to it."""
    return json_response(schemas.PaymentResponse.of(payments().payments.get(id, payment_id)))


@staff_route(
    blueprint, PAYMENT + "/refunds", "POST", Role.SUPERVISOR, tag=TAG, status=201, inject=KEYED
)
def refund_payment(
    request: Request,
    staff: StaffIdentity,
    id: str,
    payment_id: str,
    key: str,
    body: schemas.RefundRequest,
) -> Reply[schemas.RefundResponse]:
    """Refund part or all of a payment (supervisors)."""

    def respond() -> tuple[int, schemas.RefundResponse, dict[str, str]]:
        payment = payments().payments.get(id, payment_id)
        refund = payments().refund(
            id,
            payment_id,
            ledger.refund_id_for(payment, id, payment_id, key),
            Decimal(body.amount),
            body.reason,
            staff.as_actor(),
            correlation_id(request),
        )
        return 201, schemas.RefundResponse.of(refund), {}

    return once("refund", key, body, {"id": id, "payment_id": payment_id}, respond)


@staff_route(blueprint, PAYMENT + "/dishonour", "POST", Role.CLERK, tag=TAG, inject=KEYED)
def dishonour_payment(
    request: Request,
    staff: StaffIdentity,
    id: str,
    payment_id: str,
    key: str,
    body: schemas.ReversalRequest,
) -> Reply[schemas.PaymentResponse]:
    """Reverse a cheque the bank returned, with the NSF fee."""

    def respond() -> tuple[int, schemas.PaymentResponse, dict[str, str]]:
        payment = payments().reverse(
            id,
            payment_id,
            ledger.PaymentStatus.DISHONOURED,
            body.reason,
            staff.as_actor(),
            correlation_id(request),
        )
        return 200, schemas.PaymentResponse.of(payment), {}

    return once("dishonour", key, body, {"id": id, "payment_id": payment_id}, respond)


@staff_route(blueprint, ADJUSTMENTS, "POST", Role.SUPERVISOR, tag=TAG, status=201, inject=KEYED)
def adjust_balance(
    request: Request, staff: StaffIdentity, id: str, key: str, body: schemas.AdjustmentRequest
) -> Reply[schemas.LedgerEntryOut]:
    """Correct what an account owes: a charge (positive) or a credit (negative), with why."""

    def respond() -> tuple[int, schemas.LedgerEntryOut, dict[str, str]]:
        entry = payments().adjust(
            id,
            ledger.derived_id("ADJ", id, key),
            Decimal(body.amount),
            body.reason,
            staff.as_actor(),
            correlation_id(request),
        )
        return 201, schemas.LedgerEntryOut.of(entry), {}

    return once("adjust", key, body, {"id": id}, respond)


@staff_route(blueprint, LEDGER, "GET", Role.CLERK, tag=TAG)
def account_ledger(id: str, query: schemas.LedgerQuery) -> Reply[schemas.LedgerPage]:
    """The account's ledger: every entry in order, the balance and what is still owed."""
    book = payments().ledger
    state = book.state(id)
    page = book.entries(id, int(query.cursor or 0), query.limit)
    money = schemas.money
    return json_response(
        schemas.LedgerPage(
            balance=money(state.balance),
            credit=money(state.credit),
            open_items={s.statement_id: money(s.owed) for s in state.open_statements},
            items=[schemas.LedgerEntryOut.of(e) for e in page.items],
            next_cursor=page.next_cursor,
        )
    )
