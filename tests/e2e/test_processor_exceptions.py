"""A processor event that cannot be posted, end to end in the local stack as `make run` runs it:
the signed webhook acknowledges it, the processor-event function (fed by the stack's queue)
keeps it as a processor exception instead of failing into the dead-letter queue, and a clerk
posts it to the right account through the API, once."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests

from civiq.core.staff import Role
from civiq.payments.domain.webhooks import sign
from infra.local.demo import Town, load_via_api, municipality
from infra.local.run import staff_token
from infra.local.stack import LocalStack
from tests.helpers.stack import http_sender

pytestmark = pytest.mark.e2e
API = "/api/v1/utility"


def eventually(check: Callable[[], Any], seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def test_a_mistyped_account_number_waits_for_a_clerk_who_posts_it_once(
    stack: LocalStack, api_url: str
) -> None:
    token = staff_token(stack, Role.CLERK)
    headers = {"Authorization": f"Bearer {token}"}
    town = Town(name="Saint-Exception", municipality_code="0412")
    clerk = http_sender(api_url, token)
    account = load_via_api(municipality(properties=1, seed=5, town=town), clerk)[0]
    number = account["account_number"]
    mistyped = number[:-1] + str((int(number[-1]) + 1) % 10)
    event = json.dumps(
        {
            "id": "evt_e2etypo1",
            "type": "payment.succeeded",
            "created": int(time.time()),
            "data": {
                "payment_id": "pay_e2etypo1",
                "amount": "31.50",
                "currency": "CAD",
                "method": "card",
                "account_number": mistyped,
            },
        }
    ).encode()
    secret = stack.secret("PaymentWebhookSecret")
    delivered = requests.post(
        f"{api_url}{API}/webhooks/payments",
        data=event,
        headers={
            "Content-Type": "application/json",
            "Civiq-Signature": sign(event, secret, int(time.time())),
        },
        timeout=30,
    )
    assert delivered.status_code == 200, delivered.text

    def waiting() -> list[dict[str, Any]]:
        answer = requests.get(f"{api_url}{API}/processor-exceptions", headers=headers, timeout=30)
        assert answer.status_code == 200, answer.text
        return [e for e in answer.json()["items"] if e["event_id"] == "evt_e2etypo1"]

    (kept,) = eventually(waiting)
    assert (kept["reason"], kept["account_number"]) == ("invalid-account-number", mistyped)

    decision = {"action": "post", "account": number, "note": "last digit mistyped"}
    for _ in range(2):
        decided = requests.post(
            f"{api_url}{API}/processor-exceptions/evt_e2etypo1/decision",
            json=decision,
            headers=headers,
            timeout=60,
        )
        assert decided.status_code == 200, decided.text
        assert decided.json()["account_id"] == account["id"]
    payments = requests.get(
        f"{api_url}{API}/accounts/{account['id']}/payments", headers=headers, timeout=30
    ).json()["items"]
    assert [(p["payment_id"], p["amount"]) for p in payments] == [("pay_e2etypo1", "31.50")]
    assert waiting() == []
