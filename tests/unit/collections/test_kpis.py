"""The collection KPIs' arithmetic, by hand: the 60-day collection rate of a due month (partial
payments, payments after the 60 days, credits), pending and incomplete months, DSO over the 90
days before a month's end, the due dates each daily fold reads (catching up days missed), and
what each dunning stage reached and recovered as a case moves."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D

from civiq.collections.domain.aging import Aging, Bucket, Tally
from civiq.collections.domain.dunning import (
    CaseEnd,
    CustomerClass,
    DunningPolicy,
    PastDue,
    advance,
    close,
    open_case,
    past_due,
    pause,
    reanchor,
)
from civiq.collections.domain.kpis import (
    DayFold,
    KpiMonth,
    RateStatus,
    StageFigures,
    collection_rate,
    day_fold,
    dso,
    due_dates_to_fold,
    kpis_of,
    month_changes,
    months_ending,
    stage_figures,
    stage_figures_change,
    stage_totals,
)
from civiq.ledger.domain.billed import DUE_BILLED
from civiq.ledger.domain.journal import OpenStatement
from civiq.ledger.domain.receivable_cells import TYPE_FAMILY, CellKey

LADDER = DunningPolicy().default_ladder(CustomerClass.RESIDENTIAL, "utility")


def kept(owed_cents: int, days: int, month: str = "2026-09") -> KpiMonth:
    return KpiMonth(month, None, owed_cents, days)


def test_the_rate_is_what_was_billed_less_what_is_still_owed_on_day_61() -> None:
    # September's items were billed 150.00: one of 100.00 paid 30.00 within its 60 days (and
    # the rest later: it still owed 70.00 on day 61), one of 50.00 credited 20.00 within its
    # 60 days (owing 30.00 on day 61)
    rate = collection_rate("2026-09", 15000, kept(10000, 30), date(2026, 12, 1))

    assert rate.status is RateStatus.MEASURED
    assert (rate.billed, rate.collected, rate.rate) == (D("150.00"), D("50.00"), D("0.3333"))


def test_a_month_is_pending_until_its_last_due_dates_60_days_are_folded() -> None:
    # folded through 29 November: due dates through 29 September (61 days before) were read
    assert collection_rate("2026-09", 15000, kept(0, 29), date(2026, 11, 29)).status is (
        RateStatus.PENDING
    )
    pending = collection_rate("2026-10", 8000, None, date(2026, 12, 1))
    assert (pending.status, pending.collected, pending.rate) == (RateStatus.PENDING, None, None)
    assert collection_rate("2026-09", 15000, kept(0, 30), None).status is RateStatus.PENDING


def test_a_month_whose_due_dates_were_not_all_folded_is_incomplete() -> None:
    # the KPIs began to be kept on 20 November: 1 to 19 September were never read
    rate = collection_rate("2026-09", 15000, kept(7000, 11), date(2026, 12, 1))

    assert (rate.status, rate.collected, rate.rate) == (RateStatus.INCOMPLETE, None, None)
    assert collection_rate("2026-09", 15000, None, date(2026, 12, 1)).status is (
        RateStatus.INCOMPLETE
    )


def test_a_month_that_billed_nothing_has_no_rate_and_a_rate_is_at_most_one() -> None:
    assert collection_rate("2026-09", 0, kept(0, 30), date(2026, 12, 1)).rate is None
    # owing more on day 61 than billed (a payment taken back reopened an older item) is 0
    short = collection_rate("2026-09", 5000, kept(9000, 30), date(2026, 12, 1))
    assert (short.collected, short.rate) == (D("0.00"), D("0.0000"))


def aging(as_of: date, bucket: Bucket, owed: str) -> Aging:
    return Aging(as_of, {bucket: Tally(D(owed), 1, 1)})


def test_dso_is_receivables_over_the_90_days_billing_times_90() -> None:
    end = date(2026, 11, 30)
    billed = {
        ("2026-09", "d01"): 10000,  # 1 September: 90 days before 30 November, left out
        ("2026-09", "d05"): 5000,
        ("2026-09", "d20"): 8000,
        ("2026-11", "d30"): 0,
    }

    figures = dso(aging(end, Bucket.DAYS_31_60, "10.00"), billed)

    # 10.00 / 130.00 x 90 = 6.923...
    assert (figures.as_of, figures.receivables, figures.billed_90_days, figures.days) == (
        end,
        D("10.00"),
        D("130.00"),
        D("6.9"),
    )
    assert dso(aging(end, Bucket.CURRENT, "10.00"), {}).days is None  # nothing billed
    assert dso(None, billed).days is None  # no aging kept for the month


def test_each_fold_reads_the_due_dates_whose_60_days_ended_since_the_last() -> None:
    assert due_dates_to_fold(None, date(2026, 11, 20)) == [date(2026, 9, 20)]
    assert due_dates_to_fold(date(2026, 11, 20), date(2026, 11, 21)) == [date(2026, 9, 21)]
    # two days missed: the next fold catches them up
    assert due_dates_to_fold(date(2026, 11, 20), date(2026, 11, 23)) == [
        date(2026, 9, 21),
        date(2026, 9, 22),
        date(2026, 9, 23),
    ]
    # after a long stop, the due dates of the last year's upkeep days at most
    caught_up = due_dates_to_fold(date(2020, 1, 1), date(2026, 11, 20))
    assert (caught_up[0], caught_up[-1]) == (date(2025, 11, 19), date(2026, 9, 20))
    assert len(caught_up) == 306


def test_a_fold_adds_up_the_cells_of_each_due_date_and_ages_them_on_the_day_before() -> None:
    cells = [
        (CellKey(TYPE_FAMILY, "single-family", date(2026, 9, 20)), {"c": 7000, "n": 1, "a": 1}),
        (CellKey(TYPE_FAMILY, "commercial", date(2026, 9, 20)), {"c": 2500, "n": 1, "a": 1}),
        (CellKey(TYPE_FAMILY, "commercial", date(2026, 11, 10)), {"c": 4000, "n": 1, "a": 1}),
        (CellKey(TYPE_FAMILY, "commercial", None), {"cr": 1500, "ca": 1}),
    ]

    fold = day_fold(date(2026, 11, 21), date(2026, 11, 19), cells)

    assert fold.owed_at_60 == {date(2026, 9, 20): 9500, date(2026, 9, 21): 0}
    assert fold.aging.as_of == date(2026, 11, 20)
    assert fold.aging.tally(Bucket.DAYS_61_90).amount == D("95.00")
    assert fold.aging.tally(Bucket.DAYS_1_30).amount == D("40.00")
    assert fold.aging.credit.amount == D("15.00")
    changes = month_changes(fold)
    assert changes["2026-09"] == KpiMonth("2026-09", None, 9500, 2)
    assert changes["2026-11"] == KpiMonth("2026-11", fold.aging, 0, 0)


def test_a_fold_on_the_first_of_a_month_keeps_the_aging_of_the_month_before() -> None:
    fold = DayFold(date(2026, 12, 1), aging(date(2026, 11, 30), Bucket.CURRENT, "1.00"), {})

    assert list(month_changes(fold)) == ["2026-11"]


def statement(due: date, owed: str, n: int = 1) -> OpenStatement:
    return OpenStatement(f"S-{n}", due, D(owed))


def test_a_stage_counts_what_was_past_due_when_reached_and_what_is_recovered_since() -> None:
    due = date(2026, 9, 20)
    owing = (statement(due, "100.00", 1), statement(date(2026, 9, 25), "50.00", 2))
    on = date(2026, 10, 25)
    opened = open_case("C-1", "A-1", LADDER, past_due(owing, on), on)
    assert opened is not None
    reminder = advance(LADDER, opened, past_due(owing, on), on)
    assert reminder.reached is not None and reminder.reached.code == "reminder"
    reached = reminder.case

    assert stage_figures(opened) == {}
    assert stage_figures(reached) == {"reminder": StageFigures(1, 15000, 0)}
    assert stage_figures_change(opened, reached) == {"reminder": StageFigures(1, 15000, 0)}

    # 30.00 paid: 120.00 past due
    paid = (statement(due, "70.00", 1), statement(date(2026, 9, 25), "50.00", 2))
    after_payment = reanchor(LADDER, reached, past_due(paid, date(2026, 11, 2)), date(2026, 11, 2))
    assert stage_figures_change(reached, after_payment) == {"reminder": StageFigures(0, 0, 3000)}

    # the second notice at 120.00, then a new bill of 40.00 falls past due: net, the reminder's
    # recovery is 150 - 160 = nothing, the second notice's too
    second = advance(LADDER, after_payment, past_due(paid, date(2026, 11, 4)), date(2026, 11, 4))
    assert second.reached is not None
    more = (*paid, statement(date(2026, 11, 5), "40.00", 3))
    worse = reanchor(LADDER, second.case, past_due(more, date(2026, 11, 6)), date(2026, 11, 6))
    assert stage_figures(worse) == {
        "reminder": StageFigures(1, 15000, 0),
        "second-notice": StageFigures(1, 12000, 0),
    }

    # everything paid: the case closes with nothing past due, each stage recovered in full
    closed = close(worse, PastDue(None, D(0)), date(2026, 11, 9), CaseEnd.PAID)
    assert stage_figures_change(worse, closed) == {
        "reminder": StageFigures(0, 0, 15000),
        "second-notice": StageFigures(0, 0, 12000),
    }
    assert stage_totals([closed, replace(closed, case_id="C-2")]) == {
        "reminder": StageFigures(2, 30000, 30000),
        "second-notice": StageFigures(2, 24000, 24000),
    }


def test_the_report_lists_the_months_oldest_first_and_the_stages_most_reached_first() -> None:
    today = date(2026, 12, 3)
    november = aging(date(2026, 11, 30), Bucket.DAYS_31_60, "10.00")
    report = kpis_of(
        today,
        4,
        {("2026-09", DUE_BILLED): 15000, ("2026-11", "d05"): 9000},
        {"2026-09": kept(10000, 30), "2026-11": KpiMonth("2026-11", november, 0, 0)},
        date(2026, 12, 3),
        {
            "demand": StageFigures(1, 20000, 5000),
            "reminder": StageFigures(3, 30000, 30000),
            "second-notice": StageFigures(0, 0, 0),
        },
    )

    assert [m.month for m in report.months] == months_ending(today, 4)
    assert [m.month for m in report.months] == ["2026-09", "2026-10", "2026-11", "2026-12"]
    september, october, november_kpis, december = report.months
    assert september.collection_rate.rate == D("0.3333")
    assert october.collection_rate.status is RateStatus.PENDING
    assert (november_kpis.dso.days, november_kpis.aging) == (D("10.0"), november)
    assert december.aging is None and december.dso.days is None
    assert [(s.stage, s.reached, s.rate) for s in report.stages] == [
        ("reminder", 3, D("1.0000")),
        ("demand", 1, D("0.2500")),
    ]
    assert report.months[0].collection_rate.billed == D("150.00")
    assert months_ending(date(2027, 1, 15), 2) == ["2026-12", "2027-01"]
    assert date(2026, 12, 3) - timedelta(days=61) == date(2026, 10, 3)


def test_arrears_moved_to_the_tax_roll_are_not_recovered() -> None:
    due = date(2026, 7, 20)
    owing = (statement(due, "400.00"),)
    on = date(2026, 8, 20)
    opened = open_case("C-1", "A-1", LADDER, past_due(owing, on), on)
    assert opened is not None
    reached = advance(LADDER, opened, past_due(owing, on), on).case
    paid = (statement(due, "300.00"),)  # 100.00 paid
    paused = pause(reanchor(LADDER, reached, past_due(paid, on), on), "tax-roll:T-1", on)
    # the 300.00 transferred: nothing past due any more, the case closed by the transfer
    moved = close(paused, PastDue(None, D(0)), date(2026, 10, 1), CaseEnd.TAX_ROLL)

    assert stage_figures(moved) == {"reminder": StageFigures(1, 40000, 10000)}
    assert stage_figures_change(paused, moved) == {}
