"""Readings: high/low use against the account's own history, and estimates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civiq.metering.domain.readings import (
    Estimate,
    EstimateBasis,
    Period,
    UseFlag,
    estimate,
    judge,
    usual_daily_use,
)


def period(start: str, end: str, volume: str) -> Period:
    return Period(date.fromisoformat(start), date.fromisoformat(end), Decimal(volume))


QUARTERS = [
    period("2025-01-01", "2025-04-01", "45"),  # 90 days, 0.5 m3/day
    period("2025-04-01", "2025-07-01", "54.6"),  # 91 days, 0.6
    period("2025-07-01", "2025-10-01", "73.6"),  # 92 days, 0.8
    period("2025-10-01", "2026-01-01", "46"),  # 92 days, 0.5
]


def test_usual_use_is_the_median_daily_use() -> None:
    assert usual_daily_use(QUARTERS) == Decimal("0.55")
    assert usual_daily_use(QUARTERS[:1]) is None  # too little history


@pytest.mark.parametrize(
    ("volume", "flag"),
    [("90", None), ("160", UseFlag.HIGH), ("148", None), ("9", UseFlag.LOW), ("10", None)],
)
def test_use_is_judged_per_day_against_history(volume: str, flag: UseFlag | None) -> None:
    assert judge(period("2026-01-01", "2026-04-01", volume), QUARTERS) is flag


def test_a_short_history_judges_nothing() -> None:
    assert judge(period("2026-01-01", "2026-04-01", "1000"), QUARTERS[:1]) is None


def test_an_estimate_prefers_the_same_period_last_year() -> None:
    found = estimate(date(2026, 7, 1), date(2026, 10, 1), QUARTERS)
    assert found == Estimate(Decimal("73.600"), EstimateBasis.SAME_PERIOD_LAST_YEAR)


def test_without_last_year_an_estimate_uses_the_average_daily_use() -> None:
    history = QUARTERS[:2]  # 99.6 m3 over 181 days
    found = estimate(date(2025, 7, 1), date(2025, 8, 1), history)
    assert found == Estimate(Decimal("17.059"), EstimateBasis.AVERAGE_DAILY_USE)


def test_no_history_no_estimate() -> None:
    assert estimate(date(2026, 1, 1), date(2026, 2, 1), []) is None


def test_a_period_ends_after_it_starts() -> None:
    with pytest.raises(ValueError):
        period("2026-01-01", "2026-01-01", "1")


@given(st.lists(st.decimals(min_value=0, max_value=500, places=3), min_size=1, max_size=8))
def test_an_average_estimate_over_all_history_days_equals_its_total(volumes: list[Decimal]) -> None:
    history = [
        Period(
            date(2020, 1, 1) + (date(2020, 4, 1) - date(2020, 1, 1)) * i,
            date(2020, 4, 1) + (date(2020, 4, 1) - date(2020, 1, 1)) * i,
            v,
        )
        for i, v in enumerate(volumes)
    ]
    found = estimate(history[0].start, history[-1].end, history)
    assert found is not None
    if found.basis is EstimateBasis.AVERAGE_DAILY_USE:
        assert found.volume == sum(volumes, Decimal(0)).quantize(Decimal("0.001"))
