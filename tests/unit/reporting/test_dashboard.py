"""The dashboard: month series, sums and days past due (domain), and the dashboard service over
the in-memory billing fakes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civiq.accounts.domain.accounts import Account, AccountStatus
from civiq.billing.domain.statements import Statement
from civiq.core.audit import AuditEntry
from civiq.core.money import Money
from civiq.rates.domain.charges import ChargeType
from civiq.reporting.adapters.memory import InMemoryDashboard
from civiq.reporting.domain.dashboard import (
    BillingTotals,
    StatementTotals,
    days_past_due,
    month_of,
    month_series,
    months_ending,
    sum_totals,
)
from civiq.reporting.services.dashboard import Dashboard
from tests.helpers.billing_world import BillingWorld
from tests.helpers.statement_builders import issue_with_ledger, statement

TOTAL = D("269.90")  # the builder's bill: charges 264.05 and HST 5.85
TOTAL_DUE = D("259.90")  # with its balance forward of -10.00


@given(st.dates(date(2000, 1, 1), date(2099, 12, 31)), st.integers(1, 60))
def test_a_month_series_is_consecutive_and_ends_this_month(today: date, count: int) -> None:
    months = months_ending(today, count)
    assert len(months) == count and months[-1] == month_of(today)
    for earlier, later in pairwise(months):
        year, month = int(earlier[:4]), int(earlier[5:])
        assert later == (f"{year + 1}-01" if month == 12 else f"{year}-{month + 1:02d}")


def test_months_cross_the_new_year() -> None:
    assert months_ending(date(2026, 2, 15), 3) == ("2025-12", "2026-01", "2026-02")


def test_a_month_without_totals_shows_zeros() -> None:
    november = BillingTotals(statements=2, billed=Money.of("10.00"))
    series = month_series(("2026-10", "2026-11"), {"2026-11": november})
    assert series == (("2026-10", BillingTotals()), ("2026-11", november))
    assert series[0][1].charged(ChargeType.WATER) == Money.zero()


def test_a_statement_is_past_due_from_the_day_after_its_due_date() -> None:
    due = date(2026, 11, 23)
    assert [days_past_due(due, due + timedelta(days=d)) for d in (-5, 0, 1, 30)] == [0, 0, 1, 30]


cents = st.integers(-10_000_000, 10_000_000)


@given(st.lists(st.tuples(st.integers(0, 50), cents, cents, cents), max_size=20))
def test_totals_add_up_field_by_field_in_any_order(
    rows: list[tuple[int, int, int, int]],
) -> None:
    totals = [
        BillingTotals(
            statements=n,
            billed=Money.from_cents(billed),
            tax=Money.from_cents(tax),
            by_type={ChargeType.SEWER: Money.from_cents(sewer)},
        )
        for n, billed, tax, sewer in rows
    ]
    summed = sum_totals(totals)
    assert summed == sum_totals(reversed(totals))
    assert summed.statements == sum(r[0] for r in rows)
    assert summed.billed.to_cents() == sum(r[1] for r in rows)
    assert summed.tax.to_cents() == sum(r[2] for r in rows)
    assert summed.charged(ChargeType.SEWER).to_cents() == sum(r[3] for r in rows)
    assert summed.charged(ChargeType.WATER) == Money.zero()


def test_a_page_of_statements_adds_up() -> None:
    totals = StatementTotals.of([statement(), statement(statement_id="other")])
    assert (totals.statements, totals.new_charges, totals.total_due) == (
        2,
        Money(TOTAL * 2),
        Money(TOTAL_DUE * 2),
    )


# ---------------------------------------------------------------- the service over the fakes


@pytest.fixture
def world() -> BillingWorld:
    return BillingWorld()  # the clock: 2026-12-03 15:00 UTC (10:00 in Toronto)


def dashboard_of(world: BillingWorld) -> Dashboard:
    reader = InMemoryDashboard(world.store, world.statements)
    return Dashboard(reader, world.cycles, world.runs, world.balances, world.clock)


def issue(world: BillingWorld, account: Account, period_end: date, **fields: object) -> Statement:
    issued = statement(
        account_id=account.account_id,
        account_number=account.account_number,
        statement_id=f"{account.account_number}-{period_end:%Y%m%d}",
        **fields,
    )
    entry = AuditEntry(
        issued.statement_id, "ACCOUNT#x", "Issued", "s", "s", world.clock.now(), "c", {}
    )
    assert issue_with_ledger(world.statements, issued, entry)
    return issued


def test_the_summary_adds_up_the_months_accounts_and_what_is_past_due(world: BillingWorld) -> None:
    first, second = world.account(), world.account(name="Marc Côté")
    world.account(name="Zoé Lévesque", started=date(2027, 1, 1))  # pending
    issue(world, first, date(2026, 10, 31))  # issued 2026-11-02, due 2026-11-23: past due
    issue(world, second, date(2026, 10, 31), due_on=date(2026, 12, 24))
    issue(world, first, date(2024, 10, 31), issued_on=date(2024, 11, 2), due_on=date(2024, 11, 23))
    issue(world, second, date(2026, 11, 30), issued_on=date(2026, 12, 1), due_on=date(2026, 12, 22))

    summary = dashboard_of(world).summary()

    assert summary.as_of == date(2026, 12, 3)
    assert [m for m, _ in summary.months] == [f"2026-{n:02d}" for n in range(1, 13)]
    by_month = dict(summary.months)
    assert (by_month["2026-11"].statements, by_month["2026-11"].billed) == (2, Money(TOTAL * 2))
    assert by_month["2026-12"].billed == Money(TOTAL) and by_month["2026-10"] == BillingTotals()
    assert by_month["2026-11"].charged(ChargeType.WATER) == Money.of("218.96")
    assert by_month["2026-11"].tax == Money.of("11.70")
    assert summary.recent.billed == Money(TOTAL * 3) and summary.recent.statements == 3
    assert summary.all_time.billed == Money(TOTAL * 4) and summary.all_time.statements == 4
    assert summary.outstanding == Money(TOTAL * 4)
    assert summary.accounts[AccountStatus.ACTIVE] == 2
    assert summary.accounts[AccountStatus.PENDING] == 1 and summary.account_total == 3
    past_due = summary.delinquency.past_due  # the 2024 statement and the one due 2026-11-23
    assert (past_due.count, past_due.owed) == (2, Money(TOTAL * 2))
    assert summary.delinquency.shutoff_warned == 0


def test_past_due_counts_the_municipal_date_not_utc(world: BillingWorld) -> None:
    account = world.account()
    issue(world, account, date(2026, 10, 31), due_on=date(2026, 12, 2))
    world.clock.current = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)  # still Dec. 2 in Toronto
    assert dashboard_of(world).summary().delinquency.past_due.count == 0
    world.clock.current = datetime(2026, 12, 3, 5, 0, tzinfo=UTC)  # Dec. 3, 00:00 in Toronto
    assert dashboard_of(world).summary().delinquency.past_due.count == 1


def test_a_credit_statement_is_never_past_due(world: BillingWorld) -> None:
    account = world.account()
    credit = replace(statement().bill, lines=(), taxes=())
    issue(world, account, date(2026, 10, 31), bill=credit)
    summary = dashboard_of(world).summary()
    assert summary.delinquency.past_due.count == 0 and summary.all_time.statements == 1


def test_the_delinquency_list_is_oldest_due_first_with_days_past_due(world: BillingWorld) -> None:
    accounts = [world.account(name=f"Holder {n}") for n in range(3)]
    dues = [date(2026, 11, 20), date(2026, 10, 1), date(2026, 11, 30)]
    for account, due in zip(accounts, dues, strict=True):
        issue(world, account, date(2026, 9, 30), due_on=due)
    service = dashboard_of(world)

    today, first = service.delinquent(2, None)
    _, rest = service.delinquent(2, first.next_cursor)

    listed = [*first.items, *rest.items]
    assert [s.due_on for s in listed] == sorted(dues)
    assert [s.days_past_due(today) for s in listed] == [63, 13, 3]
    assert rest.next_cursor is None and listed[0].owed == Money(TOTAL)


def test_billed_by_type_covers_the_months_asked_for(world: BillingWorld) -> None:
    issue(world, world.account(), date(2026, 10, 31))
    months = dashboard_of(world).billed_by_type(2)
    assert [m for m, _ in months] == ["2026-11", "2026-12"]
    november = months[0][1]
    assert [november.charged(t) for t in ChargeType] == [
        Money.of(a) for a in ("109.48", "71.54", "9.53", "28.50", "45.00")
    ]
    assert months[1][1] == BillingTotals()


def test_cycles_show_their_latest_runs(world: BillingWorld) -> None:
    run = world.run()
    (entry,) = dashboard_of(world).cycles_with_runs()
    assert entry.cycle.cycle_id == "residential-a" and [r.run_id for r in entry.runs] == [
        run.run_id
    ]


def test_a_run_lists_its_statements_in_account_number_order(world: BillingWorld) -> None:
    accounts = [world.account(name=f"Holder {n}") for n in range(3)]
    for account in reversed(accounts):
        issue(world, account, date(2026, 10, 31))
    issue(world, accounts[0], date(2026, 12, 31), run_id="other-run")
    page = dashboard_of(world).run_statements("run-2026-11-01", 2, None)
    assert [s.account_number for s in page.items] == sorted(a.account_number for a in accounts)[:2]
    assert page.next_cursor is not None


def test_an_accounts_balance_shows_its_latest_statement(world: BillingWorld) -> None:
    account = world.account()
    service = dashboard_of(world)
    nothing_yet = service.balance(account)
    assert (nothing_yet.balance, nothing_yet.latest) == (Money.zero(), None)
    issue(world, account, date(2026, 8, 31), due_on=date(2026, 9, 21))
    latest = issue(world, account, date(2026, 10, 31))

    balance = service.balance(account)

    assert balance.balance == Money(TOTAL * 2)
    assert balance.latest == latest and balance.latest_owed == Money(TOTAL)
    assert balance.days_past_due(date(2026, 12, 3)) == 10  # due 2026-11-23
