"""Payments and the ledger: /api/v1/utility/accounts/{id}/payments and /ledger.

Every request that moves money carries an ``Idempotency-Key`` header: a retry with the same key
and body gets the first response, the same key with another body 422, a retry while the first
is still running 409. The payment's own id is derived from the key, so it is posted once even
after the key's record has expired.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from chalice import Blueprint, Response
from chalice.app import Request
from pydantic import BaseModel

from chalicelib.composition import api
from chalicelib.http import correlation_id, json_response, parse_body, parse_query, staff_route
from chalicelib.payments_composition import payments
from civiq.core.errors import InvalidInput
from civiq.core.staff import Role, StaffIdentity
from civiq.ledger.domain.payments import PaymentChannel, PaymentStatus, derived_id, refund_id_for
from civiq.payments.schemas.payments import (
    AdjustmentRequest,
    LedgerEntryOut,
    LedgerPage,
    LedgerQuery,
    PaymentList,
    PaymentResponse,
    RecordPaymentRequest,
    RefundRequest,
    RefundResponse,
    ReversalRequest,
    money,
)
from civiq.payments.services.payments import ReceivedPayment
from civiq.platform.idempotency import KEY_FIELD

blueprint = Blueprint(__name__)
PAYMENTS = "/api/v1/utility/accounts/{id}/payments"
PAYMENT = PAYMENTS + "/{payment_id}"
LEDGER = "/api/v1/utility/accounts/{id}/ledger"
ADJUSTMENTS = "/api/v1/utility/accounts/{id}/adjustments"
TAG = "payments"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{8,100}$")


def idempotency_key(request: Request) -> str:
    key = (request.headers.get(KEY_FIELD.lower()) or "").strip()
    if not key:
        raise InvalidInput(f"the {KEY_FIELD} header is required (a UUID per payment)", KEY_FIELD)
    if not KEY_PATTERN.match(key):
        raise InvalidInput(
            f"{KEY_FIELD} is 8 to 100 letters, digits, dots, dashes, colons or underscores",
            KEY_FIELD,
        )
    return key


def once(
    request: Request,
    scope: str,
    key: str,
    body: BaseModel,
    path: dict[str, str],
    respond: Callable[[], tuple[int, BaseModel, dict[str, str]]],
) -> Response:
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


@staff_route(
    blueprint,
    PAYMENTS,
    "POST",
    Role.CLERK,
    tag=TAG,
    request=RecordPaymentRequest,
    response=PaymentResponse,
    status=201,
)
def record_payment(request: Request, staff: StaffIdentity, id: str) -> Response:
    """Record a payment received at the counter or by mail (cheque, cash, e-transfer)."""
    key = idempotency_key(request)
    body = parse_body(request, RecordPaymentRequest, api().settings.max_body_bytes)

    def respond() -> tuple[int, BaseModel, dict[str, str]]:
        payment_id = derived_id("PAY", id, key)
        posted = payments().post(
            ReceivedPayment(
                payment_id=payment_id,
                account_id=id,
                amount=Decimal(body.amount),
                method=body.payment_method,
                channel=PaymentChannel.STAFF,
                received_on=body.received_on,
                reference=body.reference,
                payer_name=body.payer_name,
            ),
            staff.as_actor(),
            correlation_id(request),
        )
        location = PAYMENT.format(id=id, payment_id=payment_id)
        return 201, PaymentResponse.of(posted.payment), {"Location": location}

    return once(request, "record-payment", key, body, {"id": id}, respond)


@staff_route(blueprint, PAYMENTS, "GET", Role.CLERK, tag=TAG, response=PaymentList)
def list_payments(request: Request, staff: StaffIdentity, id: str) -> Response:
    """The account's payments, newest received first."""
    api().accounts.get(id)  # 404 for an unknown account
    found = payments().payments.of_account(id)
    return json_response(PaymentList(items=[PaymentResponse.of(p) for p in found]))


@staff_route(blueprint, PAYMENT, "GET", Role.CLERK, tag=TAG, response=PaymentResponse)
def get_payment(request: Request, staff: StaffIdentity, id: str, payment_id: str) -> Response:
    """A payment: what it paid, what is left of it, what happened to it."""
    return json_response(PaymentResponse.of(payments().payments.get(id, payment_id)))


@staff_route(
    blueprint,
    PAYMENT + "/refunds",
    "POST",
    Role.SUPERVISOR,
    tag=TAG,
    request=RefundRequest,
    response=RefundResponse,
    status=201,
)
def refund_payment(request: Request, staff: StaffIdentity, id: str, payment_id: str) -> Response:
    """Refund part or all of a payment (supervisors)."""
    key = idempotency_key(request)
    body = parse_body(request, RefundRequest, api().settings.max_body_bytes)

    def respond() -> tuple[int, BaseModel, dict[str, str]]:
        payment = payments().payments.get(id, payment_id)
        refund = payments().refund(
            id,
            payment_id,
            refund_id_for(payment, id, payment_id, key),
            Decimal(body.amount),
            body.reason,
            staff.as_actor(),
            correlation_id(request),
        )
        return 201, RefundResponse.of(refund), {}

    return once(request, "refund", key, body, {"id": id, "payment_id": payment_id}, respond)


@staff_route(
    blueprint,
    PAYMENT + "/dishonour",
    "POST",
    Role.CLERK,
    tag=TAG,
    request=ReversalRequest,
    response=PaymentResponse,
)
def dishonour_payment(request: Request, staff: StaffIdentity, id: str, payment_id: str) -> Response:
    """Reverse a cheque the bank returned, with the NSF fee."""
    key = idempotency_key(request)
    body = parse_body(request, ReversalRequest, api().settings.max_body_bytes)

    def respond() -> tuple[int, BaseModel, dict[str, str]]:
        payment = payments().reverse(
            id,
            payment_id,
            PaymentStatus.DISHONOURED,
            body.reason,
            staff.as_actor(),
            correlation_id(request),
        )
        return 200, PaymentResponse.of(payment), {}

    return once(request, "dishonour", key, body, {"id": id, "payment_id": payment_id}, respond)


@staff_route(
    blueprint,
    ADJUSTMENTS,
    "POST",
    Role.SUPERVISOR,
    tag=TAG,
    request=AdjustmentRequest,
    response=LedgerEntryOut,
    status=201,
)
def adjust_balance(request: Request, staff: StaffIdentity, id: str) -> Response:
    """Correct what an account owes: a charge (positive) or a credit (negative), with why."""
    key = idempotency_key(request)
    body = parse_body(request, AdjustmentRequest, api().settings.max_body_bytes)

    def respond() -> tuple[int, BaseModel, dict[str, str]]:
        entry = payments().adjust(
            id,
            derived_id("ADJ", id, key),
            Decimal(body.amount),
            body.reason,
            staff.as_actor(),
            correlation_id(request),
        )
        return 201, LedgerEntryOut.of(entry), {}

    return once(request, "adjust", key, body, {"id": id}, respond)


@staff_route(blueprint, LEDGER, "GET", Role.CLERK, tag=TAG, query=LedgerQuery, response=LedgerPage)
def account_ledger(request: Request, staff: StaffIdentity, id: str) -> Response:
    """The account's ledger: every entry in order, the balance and what is still owed."""
    query = parse_query(request, LedgerQuery)
    ledger = payments().ledger
    state = ledger.state(id)
    page = ledger.entries(id, int(query.cursor or 0), query.limit)
    return json_response(
        LedgerPage(
            balance=money(state.balance),
            credit=money(state.credit),
            open_items={s.statement_id: money(s.owed) for s in state.open_statements},
            items=[LedgerEntryOut.of(e) for e in page.items],
            next_cursor=page.next_cursor,
        )
    )
