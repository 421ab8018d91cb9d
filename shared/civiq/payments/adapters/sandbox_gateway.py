"""The sandbox payment gateway: a processor's test mode, for the local stack and staging.

It answers as a real processor does: a charge is accepted at once with a payment id, and its
outcome comes later, as a signed event posted to the webhook endpoint. The charge goes on an
SQS queue read by functions/sandbox_processor (another invocation, later), which signs each
event with the webhook secret and posts it; a delivery refused or unreachable is retried by the
queue, as a processor retries. (No ``DelaySeconds``: moto's queues never hand a delayed message
to their Lambda consumer.) Outcomes are fixed by the data, like test card numbers:

- an amount ending in .13 is declined (``payment.failed``, ``card_declined``);
- any other amount succeeds (``payment.succeeded``);
- a charge names its method (card or pre-authorized debit), or else accounts whose number ends
  in an even digit pay by card, the others by pre-authorized debit.
"""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
from datetime import datetime
from decimal import Decimal
from typing import Any

from civiq.payments.domain.mandates import BankAccount
from civiq.payments.domain.webhooks import SIGNATURE_HEADER, sign
from civiq.payments.ports import ChargeRequest, RefundRequest

DECLINED_CENTS = "13"
TIMEOUT_S = 10


def _token(prefix: str, *parts: str) -> str:
    return prefix + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


class SandboxGateway:
    def __init__(self, sqs_client: Any, queue_url: str, name: str = "sandbox") -> None:
        self._sqs = sqs_client
        self._url = queue_url
        self.name = name

    def tokenise(self, bank: BankAccount, payor: str) -> str:
        """A token of this gateway's own for the bank account (a real processor stores the
        account and answers with its id)."""
        return _token(f"pm_{self.name}_", bank.institution, bank.transit, bank.account, payor)

    def charge(self, request: ChargeRequest) -> str:
        payment_id = _token("pay_", request.idempotency_key)
        message: dict[str, str | None] = {
            "payment_id": payment_id,
            "account_number": request.account_number,
            "amount": f"{request.amount:.2f}",
            "statement_id": request.statement_id,
        }
        if request.method is not None:
            message["method"] = request.method.value
        if request.instrument is not None:
            message["instrument"] = request.instrument
        self._sqs.send_message(QueueUrl=self._url, MessageBody=json.dumps(message))
        return payment_id

    def refund(self, request: RefundRequest) -> None:
        payment = request.payment
        message = {
            "payment_id": payment.processor_payment_id,
            "account_number": payment.account_number,
            "amount": f"{payment.amount:.2f}",
            "statement_id": payment.statement_id,
            "method": payment.method.value,
            "refund": {"id": request.refund_id, "amount": f"{request.amount:.2f}"},
        }
        self._sqs.send_message(QueueUrl=self._url, MessageBody=json.dumps(message))


def sandbox_event(charge: dict[str, Any], at: datetime) -> bytes:
    """The processor's event for a charge or a refund (the same request gives the same event
    id)."""
    amount = Decimal(charge["amount"])
    refund = charge.get("refund")
    declined = refund is None and f"{amount:.2f}".endswith(DECLINED_CENTS)
    kind = "payment.refunded" if refund else "payment.failed" if declined else "payment.succeeded"
    data: dict[str, Any] = {
        "payment_id": charge["payment_id"],
        "amount": f"{amount:.2f}",
        "currency": "CAD",
        "method": charge.get("method")
        or ("card" if int(charge["account_number"][-1]) % 2 == 0 else "pad"),
        "account_number": charge["account_number"],
        "statement_id": charge["statement_id"],
    }
    if declined:
        data["failure_reason"] = "card_declined"
    if refund:
        data["refund"] = refund
    event = {
        "id": _token("evt_", charge["payment_id"], kind, refund["id"] if refund else ""),
        "type": kind,
        "created": int(at.timestamp()),
        "data": data,
    }
    return json.dumps(event).encode()


def deliver(url: str, body: bytes, secret: str, at: datetime) -> int:
    """POST a signed event; raises for anything but a 2xx answer (the queue retries)."""
    request = urllib.request.Request(  # noqa: S310 (the configured webhook URL)
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(body, secret, int(at.timestamp())),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:  # noqa: S310
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        raise RuntimeError(f"webhook refused the event: {refused.code}") from refused
