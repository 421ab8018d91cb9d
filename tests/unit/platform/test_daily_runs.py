"""A daily file's run: the day named or scheduled, its time budget, and its continuation, which
names the same day and correlation id for the next invocation."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from civiq.core.settings import CommonSettings
from civiq.platform import daily_runs


class Context:
    invoked_function_arn = "arn:aws:lambda:ca-central-1:123456789012:function:files"

    def __init__(self) -> None:
        self.left_ms = 90_000

    def get_remaining_time_in_millis(self) -> int:
        return self.left_ms


class Lambda:
    def __init__(self) -> None:
        self.invoked: list[dict[str, Any]] = []

    def invoke(self, **call: Any) -> None:
        self.invoked.append(call)


def the_day_before(at: datetime) -> date:
    return at.date() - timedelta(days=1)


def test_the_day_is_the_one_named_else_the_one_the_schedule_makes() -> None:
    assert daily_runs.day_of({"day": "2026-11-20"}, the_day_before) == date(2026, 11, 20)
    scheduled = {"time": "2026-11-27T06:00:00Z"}
    assert daily_runs.day_of(scheduled, the_day_before) == date(2026, 11, 26)


def test_the_time_left_is_asked_each_time() -> None:
    context = Context()
    left = daily_runs.time_left(context)
    assert left() == timedelta(seconds=90)
    context.left_ms = 1_500
    assert left() == timedelta(seconds=1.5)


def test_a_continuation_invokes_the_function_again_for_the_same_day(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lambdas = Lambda()
    monkeypatch.setattr(daily_runs, "client", lambda settings, service: lambdas)

    settings = CommonSettings(table_name="main", ledger_table_name="ledger", event_bus_name="bus")
    daily_runs.continue_later(settings, Context(), date(2026, 11, 26), "run-1")

    (call,) = lambdas.invoked
    assert (call["FunctionName"], call["InvocationType"]) == (Context.invoked_function_arn, "Event")
    payload = json.loads(call["Payload"])
    assert payload == {"day": "2026-11-26", "id": "run-1"}
    assert daily_runs.day_of(payload, the_day_before) == date(2026, 11, 26)
