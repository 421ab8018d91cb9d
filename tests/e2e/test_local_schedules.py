"""Every scheduled rule the template creates is one the local runner can fire: the daily cron()
rules as well as the rate() ones, each with a target; the daily arrangement check and the daily
opening of collection cases answer when fired."""

from __future__ import annotations

from datetime import UTC, datetime

from infra.local.stack import LocalStack


def test_every_scheduled_rule_of_the_template_has_a_next_instant(stack: LocalStack) -> None:
    after = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    upcoming = stack.upcoming(after)
    assert len(upcoming) == len(stack.scheduled_targets())  # none was left out
    by_target = {
        target.rsplit(":", 1)[-1]: (at, expression) for at, _, expression, target in upcoming
    }

    def of(logical_id: str) -> tuple[datetime, str]:
        return by_target[stack.physical_ids[logical_id]]

    # the daily rules name UTC instants: 05:05, 10:00, 11:00 and 12:00 UTC the next day, and
    # 22:00 UTC the same day
    assert of("AccountActivationFunction") == (
        datetime(2026, 12, 7, 5, 5, tzinfo=UTC),
        "cron(5 5 * * ? *)",
    )
    assert of("BillingSchedulerFunction")[0] == datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    assert of("LatePenaltiesFunction")[0] == datetime(2026, 12, 7, 11, 0, tzinfo=UTC)
    assert of("ArrangementCheckFunction")[0] == datetime(2026, 12, 7, 11, 30, tzinfo=UTC)
    assert of("CaseOpeningFunction")[0] == datetime(2026, 12, 7, 11, 45, tzinfo=UTC)
    assert of("ReadReminderSchedulerFunction")[0] == datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    assert of("PrintFileFunction")[0] == datetime(2026, 12, 6, 22, 0, tzinfo=UTC)
    # rate(): counted from the runner's start
    assert of("OutboxRelayFunction") == (
        datetime(2026, 12, 6, 12, 5, tzinfo=UTC),
        "rate(5 minutes)",
    )
    assert {expression.split("(")[0] for _, expression in by_target.values()} == {"cron", "rate"}


def fire(stack: LocalStack, logical_id: str) -> object:
    (rule, target) = next(
        (rule, target)
        for rule, _, target in stack.scheduled_targets()
        if target.rsplit(":", 1)[-1] == stack.physical_ids[logical_id]
    )
    return stack.fire_schedule(rule, target)


def test_the_daily_arrangement_check_runs_on_the_local_stack(stack: LocalStack) -> None:
    answer = fire(stack, "ArrangementCheckFunction")

    assert answer == {"kept": 0, "broken": 0, "completed": 0}  # none in force here


def test_the_daily_opening_of_collection_cases_runs_on_the_local_stack(stack: LocalStack) -> None:
    first = fire(stack, "CaseOpeningFunction")
    again = fire(stack, "CaseOpeningFunction")

    assert isinstance(first, dict) and first["complete"] is True
    assert set(first) == {"opened", "already", "not_followed", "complete"}
    assert again == {"opened": 0, "already": 0, "not_followed": 0, "complete": True}


def test_the_daily_small_balance_write_off_runs_on_the_local_stack(stack: LocalStack) -> None:
    first = fire(stack, "SmallBalanceWriteOffFunction")
    again = fire(stack, "SmallBalanceWriteOffFunction")

    assert isinstance(first, dict) and first["complete"] is True
    assert set(first) == {"written_off", "looked_at", "complete"}
    assert again == {"written_off": 0, "looked_at": 0, "complete": True}  # the day is done
