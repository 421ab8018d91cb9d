"""The console's queue of bank remittance lines waiting for a clerk (Chalice routing over
in-process moto): a line with a number that matches no account waits there; a clerk posts it to
the account found, another is returned to the bank; a decision without its note is a page
naming the field, and the queue is empty once both are decided."""

from __future__ import annotations

from datetime import date, timedelta
from types import ModuleType
from typing import Any

from chalice.test import Client

from civiq.core.staff import Role
from tests.helpers.api import API, call, ok, token
from tests.helpers.builders import open_body
from tests.helpers.remittance_queue import drain
from tests.helpers.web import Browser

HOME = "/dashboard/utilities"
QUEUE = HOME + "/remittance-exceptions"
PAID = (date.today() - timedelta(days=2)).isoformat()


def test_a_clerk_posts_one_waiting_line_and_returns_another(
    chalice_app: Any, remittance_queue: str, remittance_worker: ModuleType
) -> None:
    client = Client(chalice_app)
    body = open_body()
    body["property"].pop("roll_number", None)
    body["services"] = [{"service_type": "water", "start_date": "2026-01-01"}]
    account = ok(call(client, "POST", f"{API}/accounts", body), 201)
    text = "\n".join(
        [
            "date,amount,reference,payer_name",
            f"{PAID},30.00,UB99999997,E Tremblay",
            f"{PAID},12.00,,Nobody Known",
        ]
    )
    uploaded = client.http.post(
        f"{API}/remittances?file_name=bank.csv",
        headers={"Content-Type": "text/csv", "Authorization": f"Bearer {token(Role.CLERK)}"},
        body=text.encode(),
    )
    remittance_id = uploaded.headers["Location"].rsplit("/", 1)[-1]
    drain(remittance_queue, remittance_worker)

    clerk = Browser(client, form_page="/dashboard/local-sign-in")
    assert (
        clerk.post("/dashboard/local-sign-in", {"role": "clerk", "next": HOME}).status_code == 303
    )
    page = clerk.get(QUEUE).body.decode()
    assert "Nobody Known" in page and "UB99999997" in page
    line_two = f"{QUEUE}/{remittance_id}/2/decision"
    decision = {"decision-action": "post", "decision-account_id": account["id"]}
    silent = clerk.post(line_two, decision)
    assert silent.status_code == 400
    assert 'href="#decision-note"' in silent.body.decode()
    posted = clerk.post(
        line_two,
        {
            "decision-action": "post",
            "decision-account_id": account["id"],
            "decision-note": "called",
        },
    )
    assert posted.status_code == 303
    returned = clerk.post(
        f"{QUEUE}/{remittance_id}/3/decision",
        {"decision-action": "return", "decision-note": "not ours"},
    )
    assert returned.status_code == 303
    assert "No remittance lines are waiting." in clerk.get(QUEUE).body.decode()
    payments = ok(call(client, "GET", f"{API}/accounts/{account['id']}/payments"))
    assert [p["amount"] for p in payments["items"]] == ["30.00"]
