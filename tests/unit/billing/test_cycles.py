"""Billing cycle periods: anchored to a day of the month, clamped at month ends, never drifting."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civiq.billing.domain.cycles import (
    CycleDefinition,
    Frequency,
    add_months,
    cycle_of_route,
    run_id_of,
)
from civiq.billing.schemas.billing import CycleIn
from civiq.core.errors import Conflict, InvalidInput


def cycle(**overrides: object) -> CycleDefinition:
    fields: dict[str, object] = {
        "cycle_id": "residential-a",
        "name": "Residential A",
        "frequency": Frequency.BIMONTHLY,
        "routes": ("1", "2a"),
        "rate_schedule_id": "water-2026",
        "first_period_end": date(2026, 1, 31),
    }
    fields.update(overrides)
    return CycleDefinition(**fields)  # type: ignore[arg-type]


def test_periods_end_on_the_anchor_day_clamped_to_short_months() -> None:
    monthly = cycle(frequency=Frequency.MONTHLY)
    assert [monthly.period_end(i) for i in range(4)] == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]
    assert monthly.period_start(date(2026, 3, 31)) == date(2026, 2, 28)


def test_quarterly_and_bimonthly_step_by_their_months() -> None:
    assert cycle(frequency=Frequency.QUARTERLY).period_end(2) == date(2026, 7, 31)
    assert cycle().period_end(6) == date(2027, 1, 31)


def test_latest_period_end_waits_for_the_read_days() -> None:
    bimonthly = cycle(read_days=5)
    assert bimonthly.latest_period_end(date(2026, 1, 31)) is None
    assert bimonthly.latest_period_end(date(2026, 2, 5)) == date(2026, 1, 31)
    assert bimonthly.latest_period_end(date(2026, 4, 4)) == date(2026, 1, 31)
    assert bimonthly.latest_period_end(date(2026, 4, 5)) == date(2026, 3, 31)


@given(st.dates(date(2026, 1, 31), date(2040, 1, 1)))
def test_the_latest_period_end_is_a_period_end_within_one_period(today: date) -> None:
    bimonthly = cycle(read_days=0)
    end = bimonthly.latest_period_end(today)
    assert end is not None and end <= today
    bimonthly.check_period_end(end)
    following = bimonthly.period_end(
        next(i for i in range(200) if bimonthly.period_end(i) == end) + 1
    )
    assert following > today


def test_a_date_that_is_not_a_period_end_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        cycle().check_period_end(date(2026, 2, 28))
    assert error.value.field == "period_end"
    with pytest.raises(InvalidInput):
        cycle().check_period_end(date(2025, 11, 30))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"routes": ()}, "routes"),
        ({"routes": ("1", "1")}, "routes"),
        ({"routes": ("bad route!",)}, "routes.0"),
        ({"name": " "}, "name"),
        ({"read_days": 31}, "read_days"),
        ({"due_days": 5}, "due_days"),
    ],
)
def test_bad_definitions_name_their_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        cycle(**overrides)
    assert error.value.field == field


def test_routes_are_upper_case_and_a_run_is_its_cycle_and_period() -> None:
    assert cycle(routes=("2a", " n-3 ")).routes == ("2A", "N-3")
    assert run_id_of("residential-a", date(2026, 3, 31)) == "residential-a-2026-03-31"


def test_a_cycle_anchored_on_a_month_end_ends_every_period_on_one() -> None:
    monthly = cycle(frequency=Frequency.MONTHLY, first_period_end=date(2026, 9, 30))
    assert [monthly.period_end(i) for i in range(3)] == [
        date(2026, 9, 30),
        date(2026, 10, 31),
        date(2026, 11, 30),
    ]
    assert monthly.period_start(date(2026, 10, 31)) == date(2026, 9, 30)
    mid_month = cycle(frequency=Frequency.MONTHLY, first_period_end=date(2026, 1, 15))
    assert mid_month.period_end(1) == date(2026, 2, 15)


@given(st.dates(date(2026, 2, 1), date(2040, 1, 1)))
def test_a_day_falls_after_the_last_period_end_before_it(day: date) -> None:
    bimonthly = cycle()
    start = bimonthly.period_start_before(day)
    assert start < day
    bimonthly.check_period_end(start)
    assert (
        bimonthly.period_end(next(i for i in range(200) if bimonthly.period_end(i) == start) + 1)
        >= day
    )


def test_a_route_is_billed_by_the_cycle_that_lists_it() -> None:
    east, west = cycle(routes=("1", "2")), cycle(cycle_id="west", routes=("3",))
    assert cycle_of_route([east, west], "3") is west
    with pytest.raises(Conflict) as error:
        cycle_of_route([east, west], "9")
    assert error.value.field == "route"


def test_a_four_monthly_cycle_bills_three_periods_a_year() -> None:
    four_monthly = cycle(frequency=Frequency.FOUR_MONTHLY, first_period_end=date(2026, 4, 30))
    assert [four_monthly.period_end(i) for i in range(4)] == [
        date(2026, 4, 30),
        date(2026, 8, 31),
        date(2026, 12, 31),
        date(2027, 4, 30),
    ]
    assert four_monthly.period_start(date(2026, 8, 31)) == date(2026, 4, 30)
    assert four_monthly.period_start_before(date(2026, 8, 31)) == date(2026, 4, 30)
    # the daily scheduler starts the period ending 31 August once its 5 read days have passed
    assert four_monthly.latest_period_end(date(2026, 9, 4)) == date(2026, 4, 30)
    assert four_monthly.latest_period_end(date(2026, 9, 5)) == date(2026, 8, 31)
    with pytest.raises(InvalidInput):
        four_monthly.check_period_end(date(2026, 6, 30))


@pytest.mark.parametrize("frequency", list(Frequency))
def test_every_frequency_is_accepted_by_the_cycle_request(frequency: Frequency) -> None:
    sent = {
        "name": "Residential",
        "frequency": frequency.value,
        "routes": ["1"],
        "rate_schedule_id": "water-2026",
        "first_period_end": "2026-03-31",
    }
    defined = CycleIn.model_validate_json(json.dumps(sent)).to_domain("residential-a")
    assert defined.frequency is frequency
    assert defined.period_end(1) == add_months(date(2026, 3, 31), frequency.months, 31)


@given(st.sampled_from(list(Frequency)), st.dates(date(2026, 3, 31), date(2040, 1, 1)))
def test_the_latest_period_end_of_any_frequency_is_within_one_period(
    frequency: Frequency, today: date
) -> None:
    defined = cycle(frequency=frequency, first_period_end=date(2026, 3, 31), read_days=0)
    end = defined.latest_period_end(today)
    assert end is not None and end <= today
    defined.check_period_end(end)
    assert defined.period_start(end) < end
    index = next(i for i in range(200) if defined.period_end(i) == end)
    assert defined.period_end(index + 1) > today
