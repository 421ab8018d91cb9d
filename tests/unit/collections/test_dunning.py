"""The ladder and a case on it, as pure rules: a case climbs one stage at a time from the oldest
unpaid item, is re-anchored by partial payments across several bills without skipping a stage,
holds below a stage's minimum, and closes when nothing worth following is past due."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from civiq.collections.domain.dunning import (
    NO_STAGE,
    Case,
    CaseEnd,
    CaseStatus,
    CustomerClass,
    DunningPolicy,
    Ladder,
    Notice,
    Stage,
    StepKind,
    advance,
    customer_class_of,
    ladder_refusals,
    open_case,
    past_due,
    pause,
    reanchor,
    resume,
    shutoff_warnings_change,
)
from civiq.ledger.domain.journal import OpenStatement

POLICY = DunningPolicy()
LADDER = POLICY.default_ladder(CustomerClass.RESIDENTIAL, "utility")
JAN, FEB, MAR = date(2027, 1, 15), date(2027, 2, 15), date(2027, 3, 15)


def bills(*owed: tuple[date, str]) -> tuple[OpenStatement, ...]:
    """Open statements, each named by its due month (S01: January's)."""
    return tuple(OpenStatement(f"S{due:%m}", due, D(amount)) for due, amount in owed)


def day(n: int) -> date:
    """``n`` days after January's bill was due."""
    return JAN + timedelta(days=n)


def opened(*owed: tuple[date, str]) -> Case:
    """A case opened the day after January's bill was due."""
    on = day(1)
    case = open_case("C1", "A1", LADDER, past_due(bills(*owed), on), on)
    assert case is not None
    return case


# --- what is past due ----------------------------------------------------------------------------


def test_due_today_is_not_past_due_and_the_anchor_is_the_oldest_unpaid() -> None:
    owed = bills((FEB, "40.00"), (JAN, "60.00"), (MAR, "50.00"))
    assert past_due(owed, JAN).anchor is None  # due today: current
    late = past_due(owed, FEB + timedelta(days=1))
    assert late.anchor is not None and late.anchor.statement_id == "S01"
    assert late.amount == D("100.00")  # March's bill is not due yet


def test_customer_classes_come_from_the_property_type() -> None:
    assert customer_class_of("single-family") is CustomerClass.RESIDENTIAL
    assert customer_class_of("industrial") is CustomerClass.COMMERCIAL
    assert customer_class_of("institutional") is CustomerClass.INSTITUTIONAL


# --- the ladder ----------------------------------------------------------------------------------


def test_a_ladder_out_of_order_or_short_of_the_bylaws_notice_is_refused_by_field() -> None:
    stages = (
        Stage("reminder", 30, D("10.00"), Notice.REMINDER),
        Stage("demand", 30, D("10.00"), Notice.DEMAND),
        Stage("reminder", 60, D("-1.00"), email=True),
        Stage("cut", 75, D("100.00"), Notice.SHUTOFF_WARNING, shutoff_notice_days=5),
    )
    refused = ladder_refusals(Ladder(CustomerClass.RESIDENTIAL, "utility", stages), 14)
    assert {(e.field, e.message.split(" (")[0]) for e in refused} == {
        ("stages[1].days_past_due", "must be later than the stage before"),
        ("stages[2].code", "reminder is used twice"),
        ("stages[2].minimum", "must not be negative"),
        ("stages[2].notice", "an email or text message needs a notice"),
        ("stages[3].shutoff_notice_days", "the bylaw requires at least 14 days' notice"),
    }
    assert ladder_refusals(LADDER, 14) == []


def test_a_configured_ladder_serves_its_class_and_the_default_the_others() -> None:
    own = replace(LADDER, customer_class=CustomerClass.COMMERCIAL, days_between_stages=3)
    assert POLICY.ladder_for([own], CustomerClass.COMMERCIAL, "utility") == own
    assert POLICY.ladder_for([own], CustomerClass.RESIDENTIAL, "utility") == LADDER


# --- a case up its ladder ------------------------------------------------------------------------


def test_a_case_climbs_one_stage_at_a_time_and_never_skips_one() -> None:
    case = opened((JAN, "120.00"))
    assert case.stage == NO_STAGE and case.next_on == day(30)

    early = advance(LADDER, case, past_due(bills((JAN, "120.00")), day(29)), day(29))
    assert early.reached is None and early.case == case

    first = advance(LADDER, case, past_due(bills((JAN, "120.00")), day(30)), day(30))
    assert first.reached is not None and first.reached.code == "reminder"
    assert first.case.next_on == day(45)

    # the case's execution woke late, on day 100: only the next stage, never the ones after it
    late = advance(LADDER, first.case, past_due(bills((JAN, "120.00")), day(100)), day(100))
    assert late.reached is not None and late.reached.code == "second-notice"
    assert late.case.next_on == day(107)  # at least days_between_stages after the last stage
    step = late.case.steps[-1]
    assert step.anchor is not None
    assert (step.kind, step.stage, step.anchor.statement_id) == (
        StepKind.ADVANCED,
        "second-notice",
        "S01",
    )
    assert step.rule == "second-notice: 45 days past due and at least 10.00"


def test_partial_payments_across_several_bills_reanchor_without_skipping() -> None:
    """Three bills, partial payments: January's is paid off and February's partly. The case
    counts from February's due date now; the next stage is the one after the last reached."""
    case = opened((JAN, "60.00"), (FEB, "60.00"))
    on = day(60)
    owed = bills((JAN, "60.00"), (FEB, "60.00"), (MAR, "60.00"))
    for _ in range(3):  # reminder on day 60, second notice a week later, then demand
        case = advance(LADDER, case, past_due(owed, on), on).case
        on += timedelta(days=7)
    assert LADDER.stages[case.stage].code == "demand"

    paid = bills((FEB, "20.00"), (MAR, "60.00"))  # January's paid, 40.00 of February's
    after = reanchor(LADDER, case, past_due(paid, on), on)
    assert after.anchor.statement_id == "S02" and after.anchor.due_on == FEB
    assert after.steps[-1].kind is StepKind.REANCHORED
    assert after.stage == case.stage  # what was sent stays sent
    # the next stage (the shutoff warning, 75 days) counts from February's due date
    assert after.next_on == FEB + timedelta(days=75)
    reached = advance(LADDER, after, past_due(paid, after.next_on), after.next_on)
    assert reached.reached is None  # 80.00 past due, below the shutoff warning's 100.00
    assert reached.case.steps[-1].kind is StepKind.HELD
    assert reached.case.steps[-1].stage == "shutoff-warning"
    assert reached.case.next_on == after.next_on + timedelta(days=30)


def test_the_case_closes_when_nothing_worth_following_is_past_due() -> None:
    case = opened((JAN, "120.00"))
    assert reanchor(LADDER, case, past_due((), day(10)), day(10)).ended is CaseEnd.PAID
    small = reanchor(LADDER, case, past_due(bills((JAN, "4.00")), day(10)), day(10))
    assert (small.status, small.ended) == (CaseStatus.CLOSED, CaseEnd.BELOW_MINIMUM)
    assert open_case("C2", "A1", LADDER, past_due(bills((JAN, "9.99")), day(1)), day(1)) is None


def test_a_shutoff_warning_names_the_bylaws_notice_period() -> None:
    case = opened((JAN, "500.00"))
    owed = past_due(bills((JAN, "500.00")), day(200))
    on = day(75)
    for _ in range(4):
        moved = advance(LADDER, case, owed, on)
        case, on = moved.case, max(moved.case.next_on or on, on)
    assert moved.reached is not None and moved.reached.code == "shutoff-warning"
    assert case.steps[-1].shutoff_on == case.steps[-1].on + timedelta(days=14)
    # the dashboard counts the account while its case is not closed
    before = replace(case, steps=case.steps[:-1])
    assert shutoff_warnings_change(before, case) == 1
    assert shutoff_warnings_change(case, pause(case, "dispute", on)) == 0
    paid = reanchor(LADDER, case, past_due((), on), on)
    assert shutoff_warnings_change(case, paid) == -1


@pytest.mark.parametrize("paid_meanwhile", [False, True])
def test_a_paused_case_resumes_where_it_left_off(paid_meanwhile: bool) -> None:
    case = advance(
        LADDER, opened((JAN, "120.00")), past_due(bills((JAN, "120.00")), day(30)), day(30)
    ).case
    held = pause(case, "arrangement:R1", day(35))
    assert (held.status, held.next_on) == (CaseStatus.PAUSED, None)

    owed = () if paid_meanwhile else bills((JAN, "120.00"))
    back = resume(LADDER, held, past_due(owed, day(90)), day(90))
    if paid_meanwhile:
        assert (back.status, back.ended) == (CaseStatus.CLOSED, CaseEnd.PAID)
        return
    assert back.status is CaseStatus.OPEN and back.run == 2  # a new execution
    assert back.stage == case.stage and back.next_on == day(90)  # the second notice, today
    assert [s.kind for s in back.steps[-2:]] == [StepKind.PAUSED, StepKind.RESUMED]
