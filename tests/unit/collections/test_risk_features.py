"""The risk score's input: an account's ledger replayed oldest due date first, the features it
reads as of a day (never anything posted later), and the label it learns (60 days delinquent
within the 90 days after), by hand and against a day-by-day count on a generated town."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from civiq.collections.domain.risk_features import FEATURES, Timeline, history_from
from civiq.collections.domain.risk_history import (
    NEVER,
    AccountHistory,
    ArrangementSpan,
    Piece,
    settle,
)
from tests.helpers.risk_builders import charge, history, payment, penalty, returned
from tests.helpers.risk_town import town

JAN10, MAR10, MAY10, JUL10 = (date(2025, m, 10) for m in (1, 3, 5, 7))
DAY = date(2025, 8, 15)


def named(timeline: Timeline, day: date) -> dict[str, float | None]:
    return dict(zip(FEATURES, timeline.features(day), strict=True))


def four_bills() -> AccountHistory:
    """January's bill paid early; March's 20 days late, with a penalty paid in May; May's on
    time; July's paid in part by a cheque the bank returned."""
    return history(
        charge(JAN10, 10000),
        payment(date(2025, 1, 25), 10000),
        charge(MAR10, 12000),
        penalty(date(2025, 4, 1), 150, date(2025, 3, 31)),
        payment(date(2025, 4, 20), 12000),
        charge(MAY10, 11000),
        payment(date(2025, 5, 28), 11150),
        charge(JUL10, 13000),
        payment(date(2025, 7, 15), 5000),
        returned(date(2025, 7, 25), 5000),
    )


def test_payments_pay_what_has_been_due_longest_and_every_charge_is_cut_where_paid() -> None:
    pieces = settle(four_bills())
    by_statement = {
        sid: [
            (p.cents, date.fromordinal(p.paid) if p.paid != NEVER else None)
            for p in pieces
            if p.statement_id == sid
        ]
        for sid in {p.statement_id for p in pieces if p.statement_id}
    }
    assert by_statement == {
        "S-20250110": [(10000, date(2025, 1, 25))],
        "S-20250310": [(12000, date(2025, 4, 20))],  # before its penalty, due the same day
        "S-20250510": [(11000, date(2025, 5, 28))],
        "S-20250710": [(5000, date(2025, 7, 15)), (8000, None)],
    }
    penalty_piece, returned_piece = (p for p in pieces if p.statement_id is None)
    assert (penalty_piece.cents, date.fromordinal(penalty_piece.paid)) == (150, date(2025, 5, 28))
    assert (returned_piece.cents, returned_piece.paid) == (5000, NEVER)
    assert date.fromordinal(returned_piece.due) == date(2025, 7, 25)  # owed the day it was posted


def test_a_credit_pays_the_next_charge_the_day_it_is_posted() -> None:
    (piece,) = settle(history(payment(JAN10, 3000), charge(MAR10, 2500)))
    assert piece == Piece(
        date(2025, 3, 31).toordinal(), MAR10.toordinal(), 2500, MAR10.toordinal(), "S-20250310"
    )


def test_the_features_of_a_day_by_hand() -> None:
    features = named(Timeline.of(four_bills()), DAY)
    assert features == pytest.approx(
        {
            "on_time_share": 2 / 4,  # January's and May's
            "average_days_late": (0 + 20 + 0 + 15) / 4,  # July's is still unpaid: 15 days so far
            "returned_payments": 1,
            "penalties": 1,
            "broken_arrangements": 0,
            "arrangement_in_force": 0,
            "autopay": 0,
            "tenure_years": 1993 / 365.25,  # since March 1, 2020
            "balance_trend": 13000 / 11500,  # 0.00 on Feb. 14; the bills average 115.00
            "past_due_bills": 13000 / 11500,  # July's 80.00 and the returned 50.00
            "days_past_due": 21,  # the returned cheque, owed since July 25
        }
    )


def test_a_day_without_a_statement_due_has_no_payment_record_and_nothing_past_due() -> None:
    features = named(Timeline.of(history(charge(JUL10, 9000))), date(2025, 7, 20))
    assert features["on_time_share"] is None and features["average_days_late"] is None
    assert features["past_due_bills"] == 0 and features["days_past_due"] == 0


def test_autopay_arrangements_and_tenure_as_of_the_day() -> None:
    timeline = Timeline.of(
        history(
            charge(JAN10, 10000),
            charge(MAY10, 10000),
            autopay=[MAY10],
            arrangements=[
                ArrangementSpan(date(2024, 2, 1), date(2024, 3, 15), broken=True),
                ArrangementSpan(date(2025, 6, 1), date(2025, 9, 1), broken=True),
            ],
            opened_on=date(2025, 1, 1),
        )
    )
    before = named(timeline, date(2025, 3, 1))
    assert (before["autopay"], before["broken_arrangements"], before["arrangement_in_force"]) == (
        0,
        1,
        0,
    )
    assert before["tenure_years"] == pytest.approx(59 / 365.25)
    during = named(timeline, DAY)  # May's bill was charged by autopay; the second is in force
    assert (during["autopay"], during["broken_arrangements"], during["arrangement_in_force"]) == (
        1,
        1,
        1,
    )
    after = named(timeline, date(2026, 4, 1))  # two years after the first broke: forgotten
    assert (after["broken_arrangements"], after["arrangement_in_force"]) == (1, 0)


def unpaid_january(*more: object) -> Timeline:
    return Timeline.of(history(charge(JAN10, 10000), *more))  # type: ignore[arg-type]


def test_delinquent_once_more_than_ten_dollars_is_sixty_days_past_due() -> None:
    due = date(2025, 1, 31)
    unpaid = unpaid_january()
    assert not unpaid.delinquent_on(due + timedelta(days=59))
    assert unpaid.delinquent_on(due + timedelta(days=60))
    assert not unpaid_january(payment(date(2025, 4, 1), 10000)).delinquent_on(date(2025, 4, 1))
    assert not unpaid_january(payment(date(2025, 2, 1), 9001)).delinquent_on(date(2025, 6, 1))
    assert unpaid_january(payment(date(2025, 2, 1), 8999)).delinquent_on(date(2025, 6, 1))


def test_the_label_looks_ninety_days_past_the_day_and_no_further() -> None:
    delinquent_from = date(2025, 4, 1)  # January's bill 60 days past due
    unpaid = unpaid_january()
    assert unpaid.becomes_delinquent(delinquent_from - timedelta(days=90))
    assert not unpaid.becomes_delinquent(delinquent_from - timedelta(days=91))
    paid_late = unpaid_january(payment(date(2025, 3, 31), 10000))
    assert not paid_late.becomes_delinquent(date(2025, 1, 15))


def test_an_account_already_delinquent_or_not_open_is_not_scored() -> None:
    unpaid = unpaid_january()
    assert unpaid.scoreable_on(date(2025, 3, 31))
    assert not unpaid.scoreable_on(date(2025, 4, 1))
    moved = Timeline.of(history(charge(JAN10, 100), closed_on=date(2025, 2, 1)))
    assert moved.scoreable_on(date(2025, 1, 31)) and not moved.scoreable_on(date(2025, 2, 1))
    newcomer = Timeline.of(history(opened_on=date(2025, 6, 1)))
    assert not newcomer.scoreable_on(date(2025, 5, 31)) and newcomer.scoreable_on(date(2025, 6, 1))


TOWN_END = date(2026, 11, 30)
DAYS = [TOWN_END - timedelta(days=d) for d in range(0, 700, 47)]


@pytest.fixture(scope="module")
def town_timelines() -> list[Timeline]:
    return [Timeline.of(h) for h in town(300, date(2024, 1, 1), TOWN_END, seed=11)]


def test_features_never_read_what_was_posted_after_the_day(
    town_timelines: list[Timeline],
) -> None:
    for timeline in town_timelines:
        for day in DAYS:
            cut = Timeline.of(timeline.history.until(day))
            assert timeline.features(day) == cut.features(day), (timeline.history.account_id, day)
            assert timeline.scoreable_on(day) == cut.scoreable_on(day)


def test_the_label_is_the_day_by_day_count_of_the_ninety_days_after(
    town_timelines: list[Timeline],
) -> None:
    checked = positives = 0
    for timeline in town_timelines[:120]:
        for day in DAYS[2:]:
            counted = any(timeline.delinquent_on(day + timedelta(days=k)) for k in range(1, 91))
            assert timeline.becomes_delinquent(day) == counted, (timeline.history.account_id, day)
            checked += 1
            positives += counted
    assert checked > 1000 and 20 < positives < checked / 2  # the town has both


def test_the_history_a_day_reads_gives_that_day_the_features_of_the_whole_history(
    town_timelines: list[Timeline],
) -> None:
    """What the DynamoDB adapter reads for a day's features (from ``history_from(day)``, the
    earlier entries in the opening balance) is enough: the features are the same."""
    for timeline in town_timelines:
        for day in DAYS[:8]:
            read = Timeline.of(timeline.history.from_day(history_from(day)))
            assert read.features(day) == timeline.features(day), timeline.history.account_id
            assert read.scoreable_on(day) == timeline.scoreable_on(day)
