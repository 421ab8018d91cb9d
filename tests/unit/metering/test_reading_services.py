"""Recording reads: validation, idempotency, flags, review, estimates and their true-up."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from civiq.core.errors import Conflict, InvalidInput, NotFound
from civiq.metering.domain.metering import (
    InstalledMeter,
    ReadSource,
    ReadStatus,
    ReviewDecision,
    estimates_trued_up_by,
    trued_up_volume,
)
from civiq.metering.domain.meters import ReadFlag
from civiq.metering.domain.readings import EstimateBasis, UseFlag
from civiq.metering.services.readings import ReadingCommand
from tests.helpers.metering_world import CLERK, World


@pytest.fixture
def world() -> World:
    return World()


def quarterly(world: World, start: str = "2025-01-01") -> InstalledMeter:
    """A meter installed on ``start`` read every quarter at about 0.5 m3 a day until 2026-01-01."""
    meter = world.meter(installed_on=date.fromisoformat(start))
    for on, value in [
        ("2025-04-01", "45"),
        ("2025-07-01", "90.5"),
        ("2025-10-01", "136.5"),
        ("2026-01-01", "182.5"),
    ]:
        world.read(meter, on, value)
    return meter


def test_a_read_measures_the_use_since_the_previous_read(world: World) -> None:
    meter = world.meter(multiplier=Decimal(10))
    reading = world.read(meter, "2024-04-01", "12.5")
    assert (reading.volume, reading.previous_read_on, reading.status, reading.flags) == (
        Decimal("125.000"),
        date(2024, 1, 1),
        ReadStatus.ACCEPTED,
        (),
    )
    assert not reading.estimated and reading.recorded_by == "clerk-1"
    (entry,) = [e for e in world.metering.commits[-1].history]
    assert (entry.action, entry.subject_id) == ("ReadingRecorded", f"METER#{meter.meter_id}")


def test_the_first_read_of_a_meter_without_an_installation_read_is_its_baseline(
    world: World,
) -> None:
    meter = world.meter(first_value=None)
    reading = world.read(meter, "2024-04-01", "300")
    assert (reading.volume, reading.previous_read_on, reading.flags) == (Decimal(0), None, ())


def test_an_unknown_meter_is_not_found(world: World) -> None:
    with pytest.raises(NotFound) as error:
        world.record(ReadingCommand("nope", date(2026, 1, 1), Decimal(1)), CLERK, "c")
    assert error.value.field == "id"


def test_a_read_dated_tomorrow_in_the_municipality_is_in_the_future(world: World) -> None:
    # 03:00 UTC on the 27th is still the 26th in Toronto: the 27th is the future there
    world.clock.current = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
    meter = world.meter()
    world.read(meter, "2026-11-26", "10")
    with pytest.raises(InvalidInput, match="future") as error:
        world.read(meter, "2026-11-27", "11")
    assert error.value.field == "read_on"


@pytest.mark.parametrize(
    ("on", "value", "field", "message"),
    [
        ("2023-12-31", "10", "read_on", "before the meter was installed"),
        ("2026-01-01", "1000000", "value", "6-digit register"),
        ("2026-01-01", "-1", "value", "6-digit register"),
        ("2026-01-01", "10.0001", "value", "3 decimal"),
    ],
)
def test_bad_reads_are_refused_and_nothing_is_written(
    world: World, on: str, value: str, field: str, message: str
) -> None:
    meter = world.meter()
    commits = len(world.metering.commits)
    with pytest.raises(InvalidInput, match=message) as error:
        world.read(meter, on, value)
    assert error.value.field == field
    assert len(world.metering.commits) == commits


def test_a_read_taken_on_another_day_than_its_date_is_refused(world: World) -> None:
    meter = world.meter()
    taken = datetime(2026, 1, 2, 9, 30, tzinfo=UTC)
    command = ReadingCommand(meter.meter_id, date(2026, 1, 1), Decimal(10), read_at=taken)
    with pytest.raises(InvalidInput) as error:
        world.record(command, CLERK, "c")
    assert error.value.field == "read_at"


def test_a_read_after_the_meter_was_removed_is_refused(world: World) -> None:
    meter = world.meter()
    world.exchange(world.exchange_command(meter, "2026-06-01", "100"), CLERK, "c")
    with pytest.raises(InvalidInput, match="removed") as error:
        world.read(meter, "2026-07-01", "120")
    assert error.value.field == "read_on"


def test_the_same_read_again_is_a_no_op_and_another_value_a_conflict(world: World) -> None:
    meter = world.meter()
    first = world.read(meter, "2026-01-01", "100")
    commits = len(world.metering.commits)
    command = ReadingCommand(meter.meter_id, date(2026, 1, 1), Decimal("100.000"))
    assert world.record(command, CLERK, "again") == (first, False)
    with pytest.raises(Conflict) as error:
        world.read(meter, "2026-01-01", "101")
    assert error.value.field == "value"
    assert len(world.metering.commits) == commits


def test_reads_are_recorded_in_date_order(world: World) -> None:
    meter = world.meter()
    world.read(meter, "2026-03-01", "100")
    with pytest.raises(Conflict, match="later read") as error:
        world.read(meter, "2026-02-01", "50")
    assert error.value.field == "read_on"


def test_a_backwards_read_waits_for_review_and_is_announced(world: World) -> None:
    meter = world.meter(register_digits=4)
    world.read(meter, "2026-01-01", "5000")
    reading = world.read(meter, "2026-02-01", "4990")
    assert (reading.status, reading.flags, reading.volume) == (
        ReadStatus.PENDING_REVIEW,
        (ReadFlag.BACKWARDS,),
        Decimal(0),
    )
    (flagged,) = world.published("ReadingFlagged")
    assert flagged["read_on"] == "2026-02-01" and flagged["value"] == "4990"
    assert list(world.metering.pending_review(10, None).items) == [reading]
    event = world.publisher.published[-1]
    assert event.event_id in world.store.history  # its history entry has the event's id


def test_a_rollover_is_billed(world: World) -> None:
    meter = world.meter(register_digits=4)
    world.read(meter, "2026-01-01", "9990")
    reading = world.read(meter, "2026-02-01", "15")
    assert (reading.status, reading.flags, reading.volume) == (
        ReadStatus.ACCEPTED,
        (ReadFlag.ROLLOVER,),
        Decimal(25),
    )
    assert world.publisher.published == []


def test_zero_use_is_flagged_but_billable_until_history_says_it_is_low(world: World) -> None:
    meter = world.meter()
    world.read(meter, "2024-04-01", "0")  # no history yet: zero bills (as zero)
    zero = world.metering.find(meter.meter_id, date(2024, 4, 1))
    assert zero is not None and zero.flags == (ReadFlag.ZERO,) and zero.billable
    other = World()
    used = quarterly(other)
    low = other.read(used, "2026-04-01", "182.5")  # 0 m3 where ~0.5 m3/day is usual
    assert set(low.flags) == {ReadFlag.ZERO, UseFlag.LOW}
    assert low.status is ReadStatus.PENDING_REVIEW


def test_high_use_waits_for_review_and_alerts_the_resident(world: World) -> None:
    meter = quarterly(world)
    reading = world.read(meter, "2026-04-01", "362.5")  # 180 m3 in 90 days: 2 m3/day
    assert reading.flags == (UseFlag.HIGH,)
    assert reading.status is ReadStatus.PENDING_REVIEW
    (alert,) = world.published("HighConsumptionDetected")
    assert alert == {
        "property_id": alert["property_id"],
        "unit": None,
        "meter_id": reading.meter_id,
        "read_on": "2026-04-01",
        "previous_read_on": "2026-01-01",
        "volume": "180.000",
        "daily_use": "2.000",
        "usual_daily_use": "0.500",
    }
    assert world.published("ReadingFlagged")[0]["flags"] == ["high"]
    commit = world.metering.commits[-1]
    assert {e.entry_id for e in commit.history} >= {e.event_id for e in commit.events}


def test_normal_use_is_accepted(world: World) -> None:
    meter = quarterly(world)
    assert world.read(meter, "2026-04-01", "230").status is ReadStatus.ACCEPTED


def test_review_accepts_a_flagged_read(world: World) -> None:
    meter = quarterly(world)
    flagged = world.read(meter, "2026-04-01", "362.5")
    reviewed = world.review(
        meter.meter_id, flagged.read_on, ReviewDecision.ACCEPT, None, "leak fixed", CLERK, "r"
    )
    assert (reviewed.status, reviewed.reviewed_by, reviewed.review_note) == (
        ReadStatus.ACCEPTED,
        "clerk-1",
        "leak fixed",
    )
    assert reviewed.version == 2 and reviewed.billable
    assert list(world.metering.pending_review(10, None).items) == []
    (entry,) = world.metering.commits[-1].history
    assert entry.action == "ReadingReviewed"
    assert entry.detail["changes"]["status"] == {"before": "pending-review", "after": "accepted"}


def test_review_corrects_a_misread_and_the_misread_again_is_a_no_op(world: World) -> None:
    meter = quarterly(world)
    misread = world.read(meter, "2026-04-01", "362.5")
    corrected = world.review(
        meter.meter_id, misread.read_on, ReviewDecision.ACCEPT, Decimal("226.5"), None, CLERK, "r"
    )
    assert (corrected.value, corrected.original_value, corrected.volume, corrected.flags) == (
        Decimal("226.5"),
        Decimal("362.5"),
        Decimal(44),
        (),
    )
    # the handheld file that held the misread, loaded again, changes nothing
    again = ReadingCommand(meter.meter_id, misread.read_on, Decimal("362.5"))
    assert world.record(again, CLERK, "again") == (corrected, False)


def test_a_rejected_read_is_not_what_the_next_read_is_measured_from(world: World) -> None:
    meter = quarterly(world)
    misread = world.read(meter, "2026-04-01", "362.5")
    world.review(
        meter.meter_id, misread.read_on, ReviewDecision.REJECT, None, "misread", CLERK, "r"
    )
    assert world.metering.find(meter.meter_id, misread.read_on).status is ReadStatus.REJECTED  # type: ignore[union-attr]
    after = world.read(meter, "2026-05-01", "242.5")
    assert (after.previous_read_on, after.volume) == (date(2026, 1, 1), Decimal(60))


def test_a_read_a_later_read_is_measured_from_can_only_be_accepted_as_read(world: World) -> None:
    meter = quarterly(world)
    flagged = world.read(meter, "2026-04-01", "362.5")
    world.read(meter, "2026-05-01", "380")
    for decision, value in [(ReviewDecision.REJECT, None), (ReviewDecision.ACCEPT, Decimal(200))]:
        with pytest.raises(Conflict, match="later read") as error:
            world.review(meter.meter_id, flagged.read_on, decision, value, None, CLERK, "r")
        assert error.value.field == "read_on"
    accepted = world.review(
        meter.meter_id, flagged.read_on, ReviewDecision.ACCEPT, None, None, CLERK, "r"
    )
    assert accepted.status is ReadStatus.ACCEPTED


def test_only_a_pending_read_is_reviewed(world: World) -> None:
    meter = world.meter()
    world.read(meter, "2026-01-01", "10")
    with pytest.raises(Conflict) as error:
        world.review(
            meter.meter_id, date(2026, 1, 1), ReviewDecision.ACCEPT, None, None, CLERK, "r"
        )
    assert error.value.field == "status"
    with pytest.raises(NotFound) as missing:
        world.review(
            meter.meter_id, date(2026, 1, 2), ReviewDecision.ACCEPT, None, None, CLERK, "r"
        )
    assert missing.value.field == "read_on"


def test_an_estimate_uses_the_average_daily_use_and_is_trued_up(world: World) -> None:
    meter = quarterly(world)
    estimate = world.estimate(meter.meter_id, date(2026, 3, 1), CLERK, "cycle")
    assert estimate.estimated and estimate.source is ReadSource.ESTIMATE
    assert (estimate.estimate_basis, estimate.previous_read_on) == (
        EstimateBasis.AVERAGE_DAILY_USE,
        date(2026, 1, 1),
    )
    assert estimate.volume == Decimal("29.500")  # 182.5 m3 / 365 days x 59 days
    assert estimate.value == Decimal("212.000") and estimate.billable
    # the same estimate again is the stored one
    assert world.estimate(meter.meter_id, date(2026, 3, 1), CLERK, "retry") == estimate
    actual = world.read(meter, "2026-05-01", "250.5")
    assert (actual.previous_read_on, actual.volume) == (date(2026, 1, 1), Decimal(68))
    reads = world.metering.of_meter(meter.meter_id)
    assert estimates_trued_up_by(actual, reads) == [estimate]
    assert trued_up_volume(actual, reads) == Decimal("38.5")  # 68 used, 29.5 billed before


def test_an_estimate_prefers_the_same_period_last_year(world: World) -> None:
    meter = quarterly(world)
    world.read(meter, "2026-04-01", "230.5")
    estimate = world.estimate(meter.meter_id, date(2026, 7, 1), CLERK, "cycle")
    assert estimate.estimate_basis is EstimateBasis.SAME_PERIOD_LAST_YEAR
    assert estimate.volume == Decimal("45.500")  # 2025-04-01..07-01 used 45.5 m3


def test_a_meter_without_history_cannot_be_estimated(world: World) -> None:
    meter = world.meter()
    with pytest.raises(Conflict, match="no history") as error:
        world.estimate(meter.meter_id, date(2026, 1, 1), CLERK, "cycle")
    assert error.value.field == "meter_id"
    assert world.read(meter, "2026-01-01", "10").previous_read_on == date(2024, 1, 1)


def test_an_actual_read_on_an_estimated_date_is_refused(world: World) -> None:
    meter = quarterly(world)
    world.estimate(meter.meter_id, date(2026, 4, 1), CLERK, "cycle")
    with pytest.raises(Conflict, match="estimate") as error:
        world.read(meter, "2026-04-01", "230")
    assert error.value.field == "read_on"
