"""When the local runner fires a scheduled rule: AWS's rate() and six-field cron(), in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from infra.local.schedule_expressions import (
    InvalidExpression,
    UnsupportedExpression,
    next_fire,
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_daily_cron_fires_at_its_utc_minute_today_then_tomorrow() -> None:
    assert next_fire("cron(5 5 * * ? *)", at("2026-12-06T05:04:59")) == at("2026-12-06T05:05")
    # strictly after: at 05:05 itself the next one is tomorrow's
    assert next_fire("cron(5 5 * * ? *)", at("2026-12-06T05:05")) == at("2026-12-07T05:05")
    assert next_fire("cron(0 10 * * ? *)", at("2026-12-31T22:00")) == at("2027-01-01T10:00")


def test_the_template_crons_are_utc_instants_chosen_for_eastern_time() -> None:
    """05:05 UTC is 00:05 in Toronto in winter (UTC-5) and 01:05 in summer (UTC-4): AWS does
    not move a rule's cron with daylight saving time, and neither does the runner."""
    toronto = ZoneInfo("America/Toronto")
    winter = next_fire("cron(5 5 * * ? *)", at("2026-12-06T12:00"))
    summer = next_fire("cron(5 5 * * ? *)", at("2026-07-06T12:00"))
    assert winter is not None and summer is not None
    assert winter.astimezone(toronto).strftime("%H:%M") == "00:05"
    assert summer.astimezone(toronto).strftime("%H:%M") == "01:05"


def test_an_aware_datetime_in_another_zone_is_read_as_its_utc_instant() -> None:
    # 23:00 in Toronto on Dec 6 is 04:00 UTC on Dec 7: the 05:05 UTC fire is an hour later
    late_evening = datetime(2026, 12, 6, 23, 0, tzinfo=ZoneInfo("America/Toronto"))
    assert next_fire("cron(5 5 * * ? *)", late_evening) == at("2026-12-07T05:05")


def test_lists_ranges_and_steps() -> None:
    # minutes 0/15: 0, 15, 30, 45; hours 8-10
    assert next_fire("cron(0/15 8-10 * * ? *)", at("2026-03-02T08:16")) == at("2026-03-02T08:30")
    assert next_fire("cron(0/15 8-10 * * ? *)", at("2026-03-02T10:45")) == at("2026-03-03T08:00")
    # */20 in minutes: 0, 20, 40; a list of hours
    assert next_fire("cron(*/20 6,18 * * ? *)", at("2026-03-02T06:41")) == at("2026-03-02T18:00")
    # a range with a step: days 1-10/3 are 1, 4, 7, 10
    assert next_fire("cron(0 0 1-10/3 * ? *)", at("2026-03-04T00:00")) == at("2026-03-07T00:00")
    assert next_fire("cron(0 0 1-10/3 * ? *)", at("2026-03-10T00:01")) == at("2026-04-01T00:00")


def test_day_of_month_skips_months_without_that_day() -> None:
    # the 31st: after Jan 31 the next is Mar 31 (February and no 31st in between)
    assert next_fire("cron(0 9 31 * ? *)", at("2026-01-31T09:00")) == at("2026-03-31T09:00")
    # the 29th of February: the next leap year
    assert next_fire("cron(0 0 29 2 ? *)", at("2026-01-01T00:00")) == at("2028-02-29T00:00")


def test_day_of_week_counts_sunday_as_one() -> None:
    # 2026-12-06 is a Sunday: 1 and SUN are that day; MON-FRI resumes on the 7th
    assert next_fire("cron(0 12 ? * 1 *)", at("2026-12-06T11:00")) == at("2026-12-06T12:00")
    assert next_fire("cron(0 12 ? * SUN *)", at("2026-12-06T11:00")) == at("2026-12-06T12:00")
    assert next_fire("cron(0 12 ? * MON-FRI *)", at("2026-12-05T13:00")) == at("2026-12-07T12:00")
    # 7 is Saturday: from Sunday the 6th, the next Saturday is the 12th
    assert next_fire("cron(0 12 ? * 7 *)", at("2026-12-06T13:00")) == at("2026-12-12T12:00")


def test_month_names_and_years() -> None:
    assert next_fire("cron(0 9 1 JUL ? *)", at("2026-07-01T09:00")) == at("2027-07-01T09:00")
    assert next_fire("cron(0 9 1 jan-mar ? 2027)", at("2026-07-01T09:00")) == at("2027-01-01T09:00")
    assert next_fire("cron(0 9 1 * ? 2025)", at("2026-07-01T09:00")) is None  # years passed


def test_a_rate_counts_its_periods_from_the_rules_creation() -> None:
    created = at("2026-12-06T22:00:00")
    # rate(5 minutes) created at 22:00: 22:05, 22:10...; at 22:07 the next is 22:10
    assert next_fire("rate(5 minutes)", at("2026-12-06T22:07"), created) == at("2026-12-06T22:10")
    assert next_fire("rate(5 minutes)", at("2026-12-06T22:10"), created) == at("2026-12-06T22:15")
    assert next_fire("rate(1 hour)", created, created) == created + timedelta(hours=1)
    assert next_fire("rate(2 days)", created) == created + timedelta(days=2)


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 10 * * *)",  # five fields: AWS needs the year
        "cron(0 10 * * * *)",  # day of month and day of week both given
        "cron(0 10 ? * ? *)",  # neither given
        "cron(60 10 * * ? *)",  # minute out of range
        "cron(0 10 0 * ? *)",  # day of month starts at 1
        "cron(0 10 ? * 8 *)",  # day of week is 1-7
        "cron(0 10 5-1 * ? *)",  # backwards range
        "cron(0/0 10 * * ? *)",  # step 0
        "cron(x 10 * * ? *)",
        "rate(5 weeks)",
        "at(2026-12-06T10:00:00)",  # a one-time Scheduler expression, not a rule's
    ],
)
def test_expressions_eventbridge_refuses_are_refused(expression: str) -> None:
    with pytest.raises(InvalidExpression):
        next_fire(expression, at("2026-12-06T00:00"))


@pytest.mark.parametrize(
    "expression",
    ["cron(0 10 L * ? *)", "cron(0 10 15W * ? *)", "cron(0 10 ? * 6L *)", "cron(0 10 ? * 2#1 *)"],
)
def test_last_weekday_and_nth_are_refused_as_unsupported_naming_the_field(expression: str) -> None:
    with pytest.raises(UnsupportedExpression, match="not supported by the local runner"):
        next_fire(expression, at("2026-12-06T00:00"))
