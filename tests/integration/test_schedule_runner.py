"""The local runner fires each scheduled rule's target when its expression says, on a clock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from infra.local.stack import LocalStack

RULES = [
    ("activation", "cron(5 5 * * ? *)", "arn:aws:lambda:ca-central-1:1:function:activate"),
    ("relay", "rate(5 minutes)", "arn:aws:lambda:ca-central-1:1:function:relay"),
]


class RecordingStack(LocalStack):
    """A stack whose rules are :data:`RULES` and whose targets only record being fired."""

    fired: list[tuple[str, datetime | None]]

    def scheduled_targets(self) -> list[tuple[str, str, str]]:
        return RULES

    def fire_schedule(
        self, rule_name: str, target_arn: str, at: datetime | None = None
    ) -> dict[str, Any]:
        self.fired.append((rule_name, at))
        return {}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_cron_and_rate_rules_fire_at_their_instants_and_again_at_the_next() -> None:
    clock = Clock(datetime(2026, 12, 6, 5, 0, tzinfo=UTC))
    stack = RecordingStack(endpoint="http://127.0.0.1:1", parameters={})
    fired = stack.fired = []
    ticked = threading.Semaphore(0)

    def step(to: datetime) -> None:
        clock.now = to
        for _ in range(2):  # the loop has looked at least once at this instant
            ticked.acquire(timeout=5)

    real_wait = stack._stop_schedules.wait

    def wait(timeout: float | None = None) -> bool:
        ticked.release()
        return real_wait(0.01)

    stack._stop_schedules.wait = wait  # type: ignore[method-assign]
    thread = stack.run_schedules(tick=0.01, clock=clock)
    try:
        step(datetime(2026, 12, 6, 5, 4, tzinfo=UTC))
        assert fired == []  # neither is due: 05:05 UTC, and 05:00 + 5 minutes
        step(datetime(2026, 12, 6, 5, 5, 30, tzinfo=UTC))
        assert sorted(fired) == [
            ("activation", datetime(2026, 12, 6, 5, 5, tzinfo=UTC)),
            ("relay", datetime(2026, 12, 6, 5, 5, tzinfo=UTC)),
        ]
        fired.clear()
        step(datetime(2026, 12, 6, 5, 10, tzinfo=UTC))
        assert fired == [("relay", datetime(2026, 12, 6, 5, 10, tzinfo=UTC))]
        fired.clear()
        # a day later (the machine slept): each fires once, not once per missed instant
        step(datetime(2026, 12, 7, 5, 6, tzinfo=UTC))
        assert sorted(fired) == [
            ("activation", datetime(2026, 12, 7, 5, 5, tzinfo=UTC)),
            ("relay", datetime(2026, 12, 6, 5, 15, tzinfo=UTC)),
        ]
    finally:
        stack.stop()
        thread.join(timeout=5)
