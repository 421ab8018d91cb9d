"""Late-payment penalties: each kind, the grace period, the minimum, rounding, and settings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from civiq.core.errors import InvalidInput
from civiq.payments.domain.penalties import (
    PenaltyKind,
    PenaltyPolicy,
    after_due_extra,
    assess,
    penalty_reason,
)
from civiq.rates.domain.charges import RatedBill

DUE = date(2026, 3, 31)
LATE = date(2026, 4, 30)

MONTHLY = PenaltyPolicy.parse(kind="monthly-percent", percent="1.25")
FLAT = PenaltyPolicy.parse(kind="flat-fee", fee="15.00")
AFTER_DUE = PenaltyPolicy.parse(kind="after-due-rate")


def penalty(policy: PenaltyPolicy, owed: str, today: date = LATE, extra: str = "0") -> D | None:
    return assess(policy, due_on=DUE, owed=D(owed), after_due_extra=D(extra), today=today)


def test_a_monthly_percent_is_charged_on_what_is_still_owed() -> None:
    assert penalty(MONTHLY, "80.00") == D("1.00")
    assert penalty(MONTHLY, "250.00") == D("3.13")  # 3.125


def test_a_flat_fee_is_the_same_whatever_is_owed() -> None:
    assert penalty(FLAT, "80.00") == D("15.00")
    assert penalty(FLAT, "2000.00") == D("15.00")


def test_the_after_due_rate_charges_what_the_statement_says_paying_late_adds() -> None:
    bill = RatedBill(
        date(2026, 1, 1), date(2026, 3, 1), lines=(), taxes=(), total_after_due=D("4.37")
    )
    assert after_due_extra(bill) == D("4.37")
    assert penalty(AFTER_DUE, "80.00", extra="4.37") == D("4.37")
    assert penalty(MONTHLY, "80.00", extra="4.37") == D("1.00")  # only its own kind uses it


def test_the_after_due_rate_is_nothing_when_the_schedule_has_none() -> None:
    bill = RatedBill(date(2026, 1, 1), date(2026, 3, 1), lines=(), taxes=())
    assert after_due_extra(bill) == D(0)
    assert penalty(AFTER_DUE, "80.00", extra=str(after_due_extra(bill))) is None


@pytest.mark.parametrize(
    ("grace_days", "today", "penalized"),
    [
        (0, date(2026, 3, 31), False),  # the due date itself
        (0, date(2026, 4, 1), True),  # the day after
        (10, date(2026, 4, 10), False),  # the last day of grace
        (10, date(2026, 4, 11), True),  # the day after it
        (10, date(2026, 3, 1), False),  # before the due date
    ],
)
def test_nothing_is_charged_until_the_grace_period_is_over(
    grace_days: int, today: date, penalized: bool
) -> None:
    policy = PenaltyPolicy.parse(kind="flat-fee", fee="15.00", grace_days=grace_days)
    assert (penalty(policy, "80.00", today) is not None) is penalized


def test_a_statement_owing_at_most_the_minimum_is_not_penalized() -> None:
    policy = PenaltyPolicy.parse(kind="flat-fee", fee="15.00", minimum="1.00")
    assert penalty(policy, "0.99") is None
    assert penalty(policy, "1.00") is None
    assert penalty(policy, "1.01") == D("15.00")
    assert penalty(FLAT, "0.00") is None  # paid: nothing owed, nothing charged
    assert penalty(FLAT, "-5.00") is None


def test_a_percent_is_rounded_half_up_to_the_cent_once() -> None:
    assert penalty(MONTHLY, "83.60") == D("1.05")  # 1.045: half-up, not half-even's 1.04
    assert penalty(MONTHLY, "83.59") == D("1.04")  # 1.044875
    assert penalty(MONTHLY, "0.40") == D("0.01")  # 0.005


def test_a_percent_that_rounds_to_nothing_charges_nothing() -> None:
    assert penalty(MONTHLY, "0.39") is None  # 0.004875


def test_settings_are_read_from_strings() -> None:
    policy = PenaltyPolicy.parse(
        kind="monthly-percent", percent=" 1.5 ", fee="0", grace_days="14", minimum="1.00"
    )
    assert policy == PenaltyPolicy(
        kind=PenaltyKind.MONTHLY_PERCENT,
        percent=D("1.5"),
        fee=D(0),
        grace_days=14,
        minimum=D("1.00"),
    )


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"kind": "weekly"}, "kind"),
        ({"kind": "monthly-percent", "percent": "5.01"}, "percent"),
        ({"kind": "monthly-percent", "percent": "-1"}, "percent"),
        ({"kind": "monthly-percent", "percent": "1.00001"}, "percent"),
        ({"kind": "monthly-percent", "percent": "abc"}, "percent"),
        ({"kind": "monthly-percent", "percent": "0"}, "percent"),
        ({"kind": "flat-fee", "fee": "100.01"}, "fee"),
        ({"kind": "flat-fee", "fee": "10.005"}, "fee"),
        ({"kind": "flat-fee", "fee": "0"}, "fee"),
        ({"kind": "flat-fee", "fee": "15", "grace_days": 61}, "grace_days"),
        ({"kind": "flat-fee", "fee": "15", "grace_days": -1}, "grace_days"),
        ({"kind": "flat-fee", "fee": "15", "grace_days": "ten"}, "grace_days"),
        ({"kind": "flat-fee", "fee": "15", "minimum": "-0.01"}, "minimum"),
        ({"kind": "flat-fee", "fee": "15", "minimum": "nan"}, "minimum"),
    ],
)
def test_an_invalid_setting_is_named(settings: dict[str, str | int], field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        PenaltyPolicy.parse(**settings)  # type: ignore[arg-type]
    assert raised.value.field == field


def test_the_reason_says_what_was_charged_on_which_statement() -> None:
    assert (
        penalty_reason(MONTHLY, "ST-1", D("80.00"))
        == "late payment penalty: 1.25% of 80.00 overdue on statement ST-1"
    )
    assert penalty_reason(FLAT, "ST-1", D("80")) == (
        "late payment penalty: flat fee on 80.00 overdue on statement ST-1"
    )
    assert penalty_reason(AFTER_DUE, "ST-2", D("12.50")) == (
        "late payment penalty: after-due-date rate on 12.50 overdue on statement ST-2"
    )
