"""The demo town's 13 months of history, as `make run` loads it into the local stack: a
statement for every bimonthly period since, issued on its own day, paid by most, charged by
autopay, and one account in arrears and one past due with their penalties; loading it again adds
nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp import Timestamp

from civiq.billing.domain.cycles import add_months
from civiq.collections.domain.dunning import CustomerClass, DunningPolicy
from civiq.core.clock import SystemClock
from civiq.core.dates import local_today
from civiq.core.staff import Role
from infra.local import municipal_waits
from infra.local.demo import Send, Town, load_via_api, municipality
from infra.local.demo_billing import cycle, define_rates_and_cycle
from infra.local.demo_collections import CollectionsStory
from infra.local.demo_history import ARREARS_BILLS, HISTORY_MONTHS, DemoHistory, load_history
from infra.local.demo_rates import SCHEDULE_ID, previous_version
from infra.local.run import local_gateway, staff_token
from infra.local.stack import LocalStack
from tests.helpers.polling import wait_for
from tests.helpers.stack import http_sender

pytestmark = pytest.mark.e2e

ROUTES = ("71", "72", "73")  # a town of its own: no other test's run bills its accounts


def _statements(clerk: Send, account_id: str) -> list[dict[str, Any]]:
    _, page = clerk("GET", f"/api/v1/utility/accounts/{account_id}/statements", {})
    return sorted(page["items"], key=lambda s: s["period_end"])


def _ledger(clerk: Send, account_id: str) -> dict[str, Any]:
    _, page = clerk("GET", f"/api/v1/utility/accounts/{account_id}/ledger?limit=200", {})
    return dict(page)


def _kinds(ledger: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in ledger["items"] if e["kind"] == kind]


def test_the_demo_town_has_thirteen_months_of_bills_payments_and_arrears(
    stack: LocalStack, api_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thirteen months of history through the real functions, the account in arrears taken
    through collections on its days; then a rate-change simulation runs on its year of bills in
    the stack's own worker."""
    # as in `make run`: the story's case executions wake on the municipal clock
    monkeypatch.setattr(Timestamp, "_eval_body", municipal_waits._wait_for_the_municipal_clock)
    clerk = http_sender(api_url, staff_token(stack, Role.CLERK))
    town = Town(name="Val-des-Historiques", municipality_code="0415", routes=ROUTES)
    definition = cycle(ROUTES, cycle_id="demo-history")
    # its routes are billed before its accounts open (an account opens on a billed route)
    define_rates_and_cycle(http_sender(api_url, staff_token(stack, Role.SUPERVISOR)), definition)
    accounts = load_via_api(municipality(accounts=6, seed=7, town=town), clerk)
    today = local_today(SystemClock())

    history = load_history(
        stack,
        local_gateway(stack),
        accounts,
        today,
        definition,
        story=lambda account_id, send, post: CollectionsStory(stack, send, post, account_id),
    )

    assert history.latest.run["status"] == "completed", history.latest.run
    _assert_the_collections_story(clerk, history)
    statements = {a["id"]: _statements(clerk, a["id"]) for a in accounts}
    for account_id, bills in statements.items():
        assert len(bills) == len(history.periods) + 1, account_id
        first, latest = bills[0], bills[-1]
        # the first bill's period starts at least 13 months back: 12-month views are full
        assert date.fromisoformat(first["period_start"]) <= add_months(
            today, -HISTORY_MONTHS, today.day
        )
        assert latest["issued_on"] == today.isoformat()
        for bill in bills[:-1]:  # issued on its own day: the run 5 days after the period
            period_end = date.fromisoformat(bill["period_end"])
            assert bill["issued_on"] == (period_end + timedelta(days=5)).isoformat()

    paid_at_counter = [
        a["id"] for a in accounts if a["id"] not in {history.arrears, history.past_due}
    ]
    assert history.autopay
    for account_id in paid_at_counter:
        ledger = _ledger(clerk, account_id)
        assert not _kinds(ledger, "penalty"), account_id
        if account_id in history.autopay:  # charged on each statement, today's included
            assert len(_kinds(ledger, "payment")) == len(history.periods) + 1, account_id
            assert Decimal(ledger["balance"]) == 0, account_id
        else:  # all paid but the latest, not due yet
            assert len(_kinds(ledger, "payment")) == len(history.periods), account_id
            latest = statements[account_id][-1]
            assert Decimal(ledger["balance"]) == Decimal(latest["total_due"]), account_id

    arrears = _ledger(clerk, history.arrears)
    unpaid = statements[history.arrears][-ARREARS_BILLS:]
    assert len(_kinds(arrears, "penalty")) == ARREARS_BILLS - 1
    assert Decimal(arrears["balance"]) > sum(Decimal(s["new_charges"]) for s in unpaid)
    past_due = _ledger(clerk, history.past_due)
    assert len(_kinds(past_due, "penalty")) == 1
    assert len(_kinds(past_due, "payment")) == len(history.periods) - 1

    again = load_history(stack, local_gateway(stack), accounts, today, definition)

    assert again.statements == history.statements and again.payments == history.payments
    for account in accounts:
        assert _statements(clerk, account["id"]) == statements[account["id"]]
    assert _ledger(clerk, history.arrears)["items"] == arrears["items"]

    simulated = _simulate(api_url, staff_token(stack, Role.SUPERVISOR), previous_version())
    report = simulated["report"]
    # every demo account has a year of bills; last year's rates (every figure 4% lower) bill less
    assert report["accounts"] >= len(accounts) and report["unrated_count"] == 0, report
    assert report["bills"] >= len(accounts) * (len(history.periods) - 1), report
    revenue = report["revenue"]
    assert Decimal(revenue["draft"]) < Decimal(revenue["current"]), revenue
    assert Decimal(report["change_dollars"]["median"]) < 0, report["change_dollars"]
    assert {t["label"] for t in report["typical_bills"]} == {"low", "median", "high"}


def _assert_the_collections_story(clerk: Send, history: DemoHistory) -> None:
    """The account in arrears climbed its ladder one stage at a time, each stage's notice by
    mail and by email in the holder's language; its arrangement paused the case, was broken, and
    the case resumed where it left off."""
    account = f"/api/v1/utility/accounts/{history.arrears}"
    _, found = clerk("GET", f"{account}/collection-cases", {})
    case = found["cases"][0]
    steps = case["steps"]
    reached = [s["stage"] for s in steps if s["kind"] == "advanced"]
    ladder = DunningPolicy().default_ladder(CustomerClass.RESIDENTIAL, "utility").stages
    assert len(reached) >= 3 and reached == [s.code for s in ladder[: len(reached)]], steps
    kinds = [s["kind"] for s in steps]
    paused, resumed = kinds.index("paused"), kinds.index("resumed")
    assert kinds[:paused].count("advanced") == 2 and paused < resumed, kinds
    assert steps[paused]["reason"].startswith("arrangement:"), steps[paused]
    _, arrangements = clerk("GET", f"{account}/arrangements", {})
    assert [a["status"] for a in arrangements["items"]] == ["broken"], arrangements
    _, holder = clerk("GET", account, {})
    _, sent = clerk("GET", f"{account}/correspondence?limit=100", {})
    language = holder["language"]
    notices = {(m["kind"], m["channel"]) for m in sent["items"] if m["language"] == language}
    for stage in ladder[: len(reached)]:
        if stage.notice is not None:  # a letter, and an email: the holder consented
            kind = f"collection-{stage.notice.value}"
            assert {(kind, "mail"), (kind, "email")} <= notices, (stage, notices)
    assert {("arrangement-broken", "mail"), ("arrangement-broken", "email")} <= notices
    # after the escalation: noticed to the owner, transferred with its fee at the deadline (the
    # case closed), then reversed: owed on the utility account again
    _, transfers = clerk("GET", f"/api/v1/ar/tax-roll-transfers?account_id={history.arrears}", {})
    (transfer,) = transfers["items"]
    assert transfer["status"] == "reversed" and transfer["transferred_on"], transfer
    assert case["status"] == "closed" and case["ended"] == "tax-roll", case
    assert {("tax-roll-notice", "mail"), ("tax-roll-notice", "email")} <= notices
    entries = _kinds(_ledger(clerk, history.arrears), "tax-roll")
    assert [Decimal(e["amount"]) for e in entries] == [
        -Decimal(transfer["total"]),
        Decimal(transfer["total"]),
    ], entries
    assert len(history.story) >= len(reached) + 6, history.story


def _simulate(api_url: str, token: str, draft: dict[str, Any]) -> dict[str, Any]:
    """A simulation of ``draft`` on the demo town's year of bills, run by the stack's worker."""
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "demo-history-simulation"}
    simulations = f"{api_url}/api/v1/utility/rate-simulations"
    body = {"schedule_id": SCHEDULE_ID, "draft": draft}
    asked = requests.post(simulations, json=body, headers=headers, timeout=60)
    assert asked.status_code == 202, asked.text

    def done() -> dict[str, Any] | None:
        job = requests.get(f"{simulations}/{asked.json()['id']}", headers=headers, timeout=60)
        answer: dict[str, Any] = job.json()
        return answer if answer["status"] == "done" else None

    return dict(wait_for(done, timeout=300, interval=1))
