"""Estimates are billed once and trued up: whatever mix of reads and estimates a meter gets, what
billing charges (estimates, then each actual read less the estimates before it) is exactly what
the register measured."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from civiq.metering.domain.metering import ReadStatus, trued_up_volume
from tests.helpers.metering_world import CLERK, World

MONTH = timedelta(days=30)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.integers(min_value=0, max_value=90)),  # None: an estimate
        min_size=1,
        max_size=8,
    ),
    st.sampled_from([4, 6]),
)
def test_what_bills_is_what_the_register_measured(months: list[int | None], digits: int) -> None:
    world = World()
    start = date(2025, 1, 1)
    meter = world.meter(installed_on=start, register_digits=digits)
    span = 10**digits
    value, day = 0, start
    for used in (30, 31, 29):  # a little history for the estimates
        value, day = value + used, day + MONTH
        world.read(meter, day.isoformat(), str(value))
    for used in months:
        day += MONTH
        if used is None:
            world.estimate(meter.meter_id, day, CLERK, "cycle")
        else:
            value += used
            world.read(meter, day.isoformat(), str(value % span))
    reads = world.metering.of_meter(meter.meter_id)
    assert all(r.status is not ReadStatus.REJECTED for r in reads)
    billed = sum(
        (r.volume if r.estimated else trued_up_volume(r, reads) for r in reads),
        Decimal(0),
    )
    last_actual = max(r.read_on for r in reads if not r.estimated)
    after = sum((r.volume for r in reads if r.estimated and r.read_on > last_actual), Decimal(0))
    assert billed - after == value  # estimates after the last actual read are not trued up yet
