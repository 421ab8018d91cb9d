"""Step Functions waits on the municipal clock, in the local stack.

moto's Wait state with ``Timestamp`` or ``TimestampPath`` sleeps in real time until the
timestamp. The local stack's demo tells stories over months (a collection case climbing its
ladder, a tax-roll transfer's notice period) by setting the clock every service reads
(:class:`civiq.core.clock.SystemClock`, see :func:`infra.local.demo_history.municipal_clock_at`).
With this patch a timestamp wait ends when that clock reaches its timestamp, so the executions
the story started wake on the story's days. Left alone, the clock is the real time and a wait
ends as in AWS (to the second). A stopped execution stops waiting.
"""

from __future__ import annotations

from datetime import UTC

from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp import Timestamp
from moto.stepfunctions.parser.asl.eval.environment import Environment

from civiq.core.clock import SystemClock

POLL_S = 0.2  # how often a waiting execution looks at the clock


def _wait_for_the_municipal_clock(self: Timestamp, env: Environment) -> None:
    self.string.eval(env=env)
    text: str = env.stack.pop()
    until = self._from_timestamp_string(timestamp=text)
    if until is None:
        raise FailureEventException(self._create_failure_event(env, text))
    until = until.replace(tzinfo=UTC)
    clock = SystemClock()
    while env.is_running() and clock.now() < until:
        env.program_state_event.wait(POLL_S)


def install() -> None:
    Timestamp._eval_body = _wait_for_the_municipal_clock
