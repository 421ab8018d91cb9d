"""The staff dashboard through real Chalice routing, against in-process moto: accounts opened
through the API in every status, statements issued by the billing adapter, and the figures the
dashboard reads back from the maintained aggregates, to the cent."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from chalice.test import Client

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.adapters.dynamodb_changes import DynamoChanges
from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.services.recording import Recorder, Step
from civiq.billing.adapters.dynamodb import DynamoRuns, DynamoStatements
from civiq.billing.domain.cycles import Outcome, RunStatus
from civiq.billing.domain.statements import Statement, StatementKind
from civiq.core.audit import AuditEntry
from civiq.core.clock import SystemClock
from civiq.core.dates import MUNICIPAL_TIME_ZONE
from civiq.core.events import Actor
from civiq.core.ids import UlidGenerator
from civiq.core.staff import Role
from tests.helpers.api import CYCLE, CYCLES, DEFINITION, call, ok, open_account
from tests.helpers.statement_builders import issue_with_ledger, statement

API = "/api/v1/utility"
DASHBOARD = f"{API}/dashboard"
TOTAL = Decimal("269.90")  # each statement's new charges (the builder's bill)
SUPERVISOR = Actor("supervisor-1", "supervisor")


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def move_out(account_id: str, on: date) -> None:
    before = DynamoAccountRepository().get(account_id)
    step = Step(before.moved_out(on), "MoveOutCompleted", before)
    recorder = Recorder(SystemClock(), UlidGenerator())
    DynamoChanges().commit(recorder.change([step], SUPERVISOR, "corr-move"))


def issue(account: dict[str, Any], period_end: date, **fields: Any) -> Statement:
    issued = statement(
        account_id=account["id"],
        account_number=account["account_number"],
        statement_id=f"{account['account_number']}-{period_end:%Y%m%d}",
        **fields,
    )
    entry = AuditEntry(
        f"E-{issued.statement_id}",
        "ACCOUNT#x",
        "T",
        "s",
        "s",
        datetime.now(MUNICIPAL_TIME_ZONE),
        "c",
        {},
    )
    assert issue_with_ledger(DynamoStatements(), issued, entry)
    return issued


@dataclass
class Town:
    today: date
    run_id: str
    accounts: dict[str, dict[str, Any]]
    statements: dict[str, Statement]


@pytest.fixture
def town(chalice_app: Any, billing_machine: str) -> Any:
    """Five accounts (two active, one pending, one final-billed, one closed), a cycle with a run,
    and four statements: one past due, one not yet due, one from over a year ago (past due too)
    and a final bill."""
    today = datetime.now(MUNICIPAL_TIME_ZONE).date()
    with Client(chalice_app) as client:
        accounts = {
            "active": open_account(client, "1 Rue Principale"),
            "active-2": open_account(client, "2 Rue Principale"),
            "pending": open_account(client, "3 Rue Principale", "2099-01-01"),
            "final-billed": open_account(client, "4 Rue Principale"),
            "closed": open_account(client, "5 Rue Principale"),
        }
        move_out(accounts["final-billed"]["id"], today)
        move_out(accounts["closed"]["id"], today)
        closing = {"version": 2}
        closed = call(
            client,
            "POST",
            f"{API}/accounts/{accounts['closed']['id']}/closure",
            closing,
            Role.SUPERVISOR,
        )
        assert ok(closed)["status"] == "closed"
        ok(call(client, "POST", CYCLES, DEFINITION, Role.SUPERVISOR), 201)
        run = ok(
            call(client, "POST", f"{CYCLE}/runs", {"period_end": "2026-09-30"}, Role.SUPERVISOR),
            202,
        )
        statements = {
            "past-due": issue(
                accounts["active"],
                date(2026, 9, 30),
                issued_on=today - timedelta(days=30),
                due_on=today - timedelta(days=9),
                run_id=run["id"],
            ),
            "not-due": issue(
                accounts["active-2"],
                date(2026, 9, 30),
                issued_on=today,
                due_on=today + timedelta(days=21),
                run_id=run["id"],
            ),
            "old": issue(
                accounts["active"],
                date(2024, 9, 30),
                issued_on=today - timedelta(days=430),
                due_on=today - timedelta(days=409),
                run_id="residential-2024-09-30",
            ),
            "final": issue(
                accounts["final-billed"],
                today,
                kind=StatementKind.FINAL,
                cycle_id=None,
                run_id=None,
                issued_on=today,
                due_on=today + timedelta(days=21),
            ),
        }
        yield client, Town(today, run["id"], accounts, statements)


def month(day: date) -> str:
    return f"{day:%Y-%m}"


def test_the_summary_reads_every_figure_from_the_aggregates(town: Any) -> None:
    client, t = town
    summary = ok(call(client, "GET", DASHBOARD))

    assert summary["as_of"] == t.today.isoformat()
    assert summary["billed_last_12_months"] == {
        "statements": 3,
        "billed": money(TOTAL * 3),
        "collected": "0.00",
    }
    assert summary["billed_all_time"] == {
        "statements": 4,
        "billed": money(TOTAL * 4),
        "collected": "0.00",
    }
    months = summary["months"]
    assert len(months) == 12 and months[-1]["month"] == month(t.today)
    expected: dict[str, int] = {}
    for key in ("past-due", "not-due", "final"):
        issued_month = month(t.statements[key].issued_on)
        expected[issued_month] = expected.get(issued_month, 0) + 1
    assert {m["month"]: m["statements"] for m in months if m["statements"]} == expected
    assert all(
        m["billed"] == money(TOTAL * m["statements"]) and m["collected"] == "0.00" for m in months
    )
    assert summary["outstanding_balance"] == money(TOTAL * 4)
    assert summary["accounts"] == {
        "pending": 1,
        "active": 2,
        "final_billed": 1,
        "closed": 1,
        "total": 5,
    }
    assert summary["delinquency"] == {
        "past_due_statements": 2,  # the one due nine days ago and the old one
        "past_due_amount": money(TOTAL * 2),
        "shutoff_warned_accounts": 0,
    }


def test_the_delinquency_view_lists_the_oldest_first_page_by_page(town: Any) -> None:
    client, t = town
    first = ok(call(client, "GET", f"{DASHBOARD}/delinquency?limit=1"))
    rest = ok(call(client, "GET", f"{DASHBOARD}/delinquency?limit=1&cursor={first['next_cursor']}"))
    listed = [*first["items"], *rest["items"]]
    assert rest["next_cursor"] is None
    old, late = t.statements["old"], t.statements["past-due"]
    assert listed == [
        {
            "account_id": t.accounts["active"]["id"],
            "account_number": t.accounts["active"]["account_number"],
            "statement_id": s.statement_id,
            "due_on": s.due_on.isoformat(),
            "days_past_due": days,
            "amount_owed": money(TOTAL),
        }
        for s, days in ((old, 409), (late, 9))
    ]
    assert first["as_of"] == t.today.isoformat()


def test_the_cycles_view_shows_each_cycles_latest_runs(town: Any) -> None:
    client, t = town
    runs = DynamoRuns()
    finished = replace(
        runs.get(t.run_id),
        status=RunStatus.COMPLETED,
        selected=3,
        counts={Outcome.BILLED: 2, Outcome.SKIPPED: 1, Outcome.FAILED: 0},
    )
    runs.finish(finished)
    (cycle,) = ok(call(client, "GET", f"{DASHBOARD}/cycles"))["items"]
    assert (cycle["id"], cycle["name"], cycle["frequency"]) == (
        "residential",
        "Residential (bimonthly)",
        "bimonthly",
    )
    (run,) = cycle["runs"]
    assert (run["id"], run["status"], run["selected"]) == (t.run_id, "completed", 3)
    assert (run["billed"], run["skipped"], run["failed"]) == (2, 1, 0)


def test_a_runs_statements_come_a_page_at_a_time_with_the_pages_totals(town: Any) -> None:
    client, t = town
    path = f"{DASHBOARD}/statements?run_id={t.run_id}&limit=1"
    first = ok(call(client, "GET", path))
    rest = ok(call(client, "GET", f"{path}&cursor={first['next_cursor']}"))
    listed = [*first["items"], *rest["items"]]
    numbers = sorted(t.accounts[k]["account_number"] for k in ("active", "active-2"))
    assert [s["account_number"] for s in listed] == numbers
    assert first["page_totals"] == {
        "statements": 1,
        "new_charges": money(TOTAL),
        "total_due": listed[0]["total_due"],
    }
    assert first["run_id"] == t.run_id
    final = ok(call(client, "GET", f"{DASHBOARD}/statements?run_id=final-{month(t.today)}"))
    assert [s["id"] for s in final["items"]] == [t.statements["final"].statement_id]
    assert final["next_cursor"] is None and final["page_totals"]["statements"] == 1


def test_the_types_view_splits_each_month_by_charge_type(town: Any) -> None:
    client, t = town
    months = ok(call(client, "GET", f"{DASHBOARD}/types?months=24"))["months"]
    assert len(months) == 24 and months[-1]["month"] == month(t.today)
    shown = {m["month"]: m for m in months if m["statements"]}
    this_month = shown[month(t.today)]
    count = this_month["statements"]
    assert this_month["water"] == money(Decimal("109.48") * count)
    assert this_month["sewer"] == money(Decimal("71.54") * count)
    assert this_month["miscellaneous"] == money(Decimal("45.00") * count)
    assert this_month["tax"] == money(Decimal("5.85") * count)
    assert this_month["billed"] == money(TOTAL * count)
    assert sum(m["statements"] for m in months) == 4  # the old statement is 14 months back


def test_an_accounts_balance_shows_its_latest_statement(town: Any) -> None:
    client, t = town
    active = t.accounts["active"]
    by_number = ok(call(client, "GET", f"{API}/accounts/{active['account_number']}/balance"))
    latest = t.statements["past-due"]
    assert by_number == {
        "account_id": active["id"],
        "account_number": active["account_number"],
        "balance": money(TOTAL * 2),
        "latest_statement": {
            "id": latest.statement_id,
            "issued_on": latest.issued_on.isoformat(),
            "due_on": latest.due_on.isoformat(),
            "total_due": money(latest.total_due),
            "amount_owed": money(TOTAL),
            "days_past_due": 9,
        },
    }
    pending = ok(call(client, "GET", f"{API}/accounts/{t.accounts['pending']['id']}/balance"))
    assert (pending["balance"], pending["latest_statement"]) == ("0.00", None)
    not_due = ok(call(client, "GET", f"{API}/accounts/{t.accounts['active-2']['id']}/balance"))
    assert not_due["latest_statement"]["days_past_due"] == 0


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        (f"{DASHBOARD}/types?months=0", 400, "months"),
        (f"{DASHBOARD}/types?months=x", 400, "months"),
        (f"{DASHBOARD}/types?since=2026", 400, "since"),
        (f"{DASHBOARD}/statements", 400, "run_id"),
        (f"{DASHBOARD}/statements?run_id=../etc", 400, "run_id"),
        (f"{DASHBOARD}/statements?run_id=final-2026-13", 400, "run_id"),
        (f"{DASHBOARD}/delinquency?cursor=bm90LWEtY3Vyc29y", 404, "cursor"),
        (f"{DASHBOARD}/delinquency?limit=101", 400, "limit"),
        (f"{API}/accounts/{AccountNumberScheme().number_for(9_999_999)}/balance", 404, "id"),
        (f"{API}/accounts/nope/balance", 400, "id"),
    ],
)
def test_bad_queries_name_their_field(chalice_app: Any, path: str, status: int, field: str) -> None:
    with Client(chalice_app) as client:
        answer = call(client, "GET", path)
    assert answer.status_code == status, answer.json_body
    assert answer.json_body["error"]["field"] == field


def test_the_dashboard_needs_a_staff_token(chalice_app: Any) -> None:
    with Client(chalice_app) as client:
        for path in (DASHBOARD, f"{DASHBOARD}/delinquency", f"{API}/accounts/X/balance"):
            assert client.http.get(path).status_code == 401
