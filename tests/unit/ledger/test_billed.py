"""What each posting bills, by the day it is posted and by its items' due month: a statement's
charges count on its day and, posted within 60 days of its due date, in its due month; a
payment or a credit bills nothing; a penalty bills its statement; a rebill takes the cancelled
statement's charge back; the counters of a billing day add up as the window asks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

from civiq.ledger.domain.billed import DUE_BILLED, billed_between, billed_by, posting_day
from civiq.ledger.domain.journal import (
    AccountLedger,
    AllocationOrder,
    OpenStatement,
    Posting,
    StatementChange,
    allocate,
    paying,
    statement_posting,
)

WATER = (("water/water", D("60.00")), ("water/water-tax", D("7.80")))


def ledger(*items: OpenStatement, credit: str = "0") -> AccountLedger:
    return AccountLedger("A-1", None, sum((i.owed for i in items), D(0)), D(credit), items)


def issued(basis: AccountLedger, due_on: date, at: datetime, total: str = "67.80") -> Posting:
    return statement_posting(
        basis, f"S-{due_on:%m%d}", due_on, D(total), at, "system", "billed", charged=WATER
    )


def test_a_statement_bills_its_charges_on_its_day_and_in_its_due_month() -> None:
    posting = issued(ledger(), date(2026, 10, 20), datetime(2026, 9, 28, 14, tzinfo=UTC))

    assert posting_day(posting) == date(2026, 9, 28)
    assert billed_by(posting) == {("2026-09", "d28"): 6780, ("2026-10", DUE_BILLED): 6780}


def test_the_posting_day_is_the_municipal_date() -> None:
    # 02:00 UTC on 1 October is still 30 September in Toronto
    posting = issued(ledger(), date(2026, 10, 20), datetime(2026, 10, 1, 2, tzinfo=UTC))

    assert billed_by(posting) == {("2026-09", "d30"): 6780, ("2026-10", DUE_BILLED): 6780}


def test_a_statement_paid_off_by_the_credit_is_billed_all_the_same() -> None:
    posting = issued(
        ledger(credit="100.00"), date(2026, 10, 20), datetime(2026, 9, 28, 14, tzinfo=UTC)
    )

    assert posting.statements[-1].owed == 0
    assert billed_by(posting) == {("2026-09", "d28"): 6780, ("2026-10", DUE_BILLED): 6780}


def test_payments_and_credits_bill_nothing() -> None:
    owing = OpenStatement("S-1020", date(2026, 10, 20), D("67.80"), WATER)
    basis = ledger(owing)
    changes, credit = paying(basis, allocate(D("50.00"), (owing,), AllocationOrder.OLDEST_FIRST))
    payment = Posting(basis, "payment:P-1", (), changes, credit, booked_on=date(2026, 11, 2))

    assert billed_by(payment) == {}


def penalized(on: date) -> Posting:
    """A 5.00 late penalty raising a statement due on 20 July, posted ``on``."""
    owing = OpenStatement("S-0720", date(2026, 7, 20), D("67.80"), WATER)
    penalty = (("none/penalty", D("5.00")),)
    change = StatementChange(owing.statement_id, owing.due_on, D("72.80"), penalty)
    return Posting(ledger(owing), "penalty:S-0720", (), (change,), D(0), booked_on=on)


def test_a_charge_more_than_60_days_after_the_due_date_counts_on_its_day_alone() -> None:
    # 62 days after the due date, then 60
    assert billed_by(penalized(date(2026, 9, 20))) == {("2026-09", "d20"): 500}
    assert billed_by(penalized(date(2026, 9, 18))) == {
        ("2026-09", "d18"): 500,
        ("2026-07", DUE_BILLED): 500,
    }


def test_a_rebill_takes_the_cancelled_statements_charge_back() -> None:
    at = datetime(2026, 10, 5, 14, tzinfo=UTC)
    first = issued(ledger(), date(2026, 10, 20), datetime(2026, 9, 28, 14, tzinfo=UTC))
    after_first = ledger(OpenStatement("S-1020", date(2026, 10, 20), D("67.80"), WATER))
    rebill = statement_posting(
        after_first,
        "S-1020-R",
        date(2026, 10, 20),
        D("50.00"),
        at,
        "system",
        "rebilled",
        replacing=("S-1020", D("67.80")),
        charged=(("water/water", D("50.00")),),
    )

    assert billed_by(first)[("2026-10", DUE_BILLED)] == 6780
    # 50.00 billed anew less the 67.80 taken back: 50.00 is all the month was billed
    assert billed_by(rebill) == {("2026-10", "d05"): -1780, ("2026-10", DUE_BILLED): -1780}


def test_what_was_billed_in_a_window_adds_its_days_across_months() -> None:
    counters = {
        ("2026-09", "d01"): 100,
        ("2026-09", "d30"): 20,
        ("2026-10", "d01"): 3,
        ("2026-10", "d31"): 4000,
        ("2026-10", DUE_BILLED): 99999,
    }

    assert billed_between(counters, date(2026, 9, 2), date(2026, 10, 1)) == 23
    assert billed_between(counters, date(2026, 9, 1), date(2026, 10, 31)) == 4123
