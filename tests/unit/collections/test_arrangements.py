"""Payment arrangements: the instalments of a plan (even cents, interest by days), every reason
a policy refuses terms, and whether a plan is kept, missed or completed as payments come in."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from civiq.collections.domain.arrangements import (
    ArrangementPolicy,
    ArrangementTerms,
    InstalmentFrequency,
    Standing,
    compliance,
    due_dates,
    instalments,
    refusals,
)
from civiq.core.errors import FieldError

MONTHLY = InstalmentFrequency.MONTHLY
POLICY = ArrangementPolicy()


def terms(
    owed: str = "350.00",
    down: str = "50.00",
    count: int = 3,
    first_due: date = date(2027, 1, 15),
    frequency: InstalmentFrequency = MONTHLY,
) -> ArrangementTerms:
    return ArrangementTerms(D(owed), D(down), count, frequency, first_due, date(2026, 12, 15))


def test_monthly_instalments_keep_their_day_or_the_months_last() -> None:
    assert due_dates(date(2027, 1, 31), MONTHLY, 4) == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
    ]
    assert due_dates(date(2027, 1, 4), InstalmentFrequency.BIWEEKLY, 3) == [
        date(2027, 1, 4),
        date(2027, 1, 18),
        date(2027, 2, 1),
    ]


def test_the_rest_is_split_evenly_the_first_instalments_taking_the_odd_cents() -> None:
    plan = instalments(terms(owed="100.00", down="0.00"), POLICY)

    assert [i.amount for i in plan] == [D("33.34"), D("33.33"), D("33.33")]
    assert [i.due_on for i in plan] == [date(2027, 1, 15), date(2027, 2, 15), date(2027, 3, 15)]


def test_each_instalment_carries_its_periods_interest_on_what_was_still_owed() -> None:
    policy = ArrangementPolicy(interest_percent_per_year=D("12"))
    plan = instalments(terms(owed="1200.00", down="0.00", count=2), policy)

    # 1200.00 x 12% x 31/365 (Dec. 15 to Jan. 15) = 12.230 -> 12.23;
    # then 600.00 x 12% x 31/365 (to Feb. 15) = 6.115 -> 6.12
    assert [(i.principal, i.interest) for i in plan] == [
        (D("600.00"), D("12.23")),
        (D("600.00"), D("6.12")),
    ]


def test_every_reason_a_policy_refuses_is_given_at_once() -> None:
    policy = ArrangementPolicy(min_down_payment_percent=D("10"), frequencies=frozenset({MONTHLY}))
    asked = terms(
        owed="1000.00",
        down="50.00",
        count=24,
        first_due=date(2027, 2, 20),
        frequency=InstalmentFrequency.WEEKLY,
    )
    broken = [date(2025, 3, 1), date(2026, 6, 1)]

    assert [r.field for r in refusals(asked, policy, broken)] == [
        "down_payment",
        "instalments",
        "frequency",
        "first_due",
        "account",
    ]


def test_instalments_below_the_minimum_are_refused() -> None:
    (refusal,) = refusals(terms(owed="100.00", down="0.00", count=12), POLICY)

    assert refusal == FieldError(
        "instalments", "each instalment must be at least 25.00: fewer instalments are needed"
    )
    assert refusals(terms(owed="100.00", down="0.00", count=4), POLICY) == []


def test_an_arrangement_broken_long_ago_does_not_count() -> None:
    assert refusals(terms(), POLICY, [date(2024, 1, 10), date(2026, 6, 1)]) == []


def test_no_arrears_or_a_down_payment_of_everything_leaves_nothing_to_arrange() -> None:
    assert [r.field for r in refusals(terms(owed="0.00", down="0.00"), POLICY)] == [
        "owed",
        "down_payment",
    ]
    assert [r.field for r in refusals(terms(down="350.00"), POLICY)] == ["down_payment"]


def standing(payments: list[tuple[str, str]], as_of: str) -> tuple[Standing, int | None]:
    asked = terms()  # 50.00 down on Dec. 15, then 100.00 on Jan. 15, Feb. 15, Mar. 15
    plan = instalments(asked, POLICY)
    received = [(date.fromisoformat(day), D(amount)) for day, amount in payments]
    found = compliance(asked, plan, received, date.fromisoformat(as_of), grace_days=5)
    return found.standing, found.missed.number if found.missed else None


def test_an_instalment_is_missed_only_once_its_grace_days_are_over() -> None:
    down = [("2026-12-15", "50.00")]
    assert standing(down, "2027-01-20") == (Standing.KEPT, None)  # Jan. 15 + 5 days
    assert standing(down, "2027-01-21") == (Standing.MISSED, 1)


def test_partial_payments_add_up_whatever_they_were_for() -> None:
    paid = [("2026-12-15", "50.00"), ("2027-01-10", "60.00"), ("2027-01-18", "40.00")]
    assert standing(paid, "2027-01-21") == (Standing.KEPT, None)
    assert standing(paid[:2], "2027-01-21") == (Standing.MISSED, 1)
    assert standing([*paid, ("2027-02-19", "99.99")], "2027-02-21") == (Standing.MISSED, 2)


def test_a_missed_down_payment_and_payments_before_the_arrangement() -> None:
    assert standing([("2026-12-01", "50.00")], "2026-12-21") == (Standing.MISSED, 0)
    assert standing([], "2026-12-20") == (Standing.KEPT, None)


def test_an_arrangement_paid_in_full_is_completed_early() -> None:
    assert standing([("2026-12-15", "350.00")], "2026-12-16") == (Standing.COMPLETED, None)
