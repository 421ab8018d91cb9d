"""Billing cycles and their runs.

A cycle bills the accounts on its meter-reading routes every one, two, three or four months. Its
periods end on the same day of the month as its ``first_period_end`` (clamped to the month's
last day; a first period ending on a month's last day ends every period on one), so a cycle
never drifts. A run bills one period: its id is the cycle and the period
end, so starting the same period twice is the same run, and an account is billed at most once
per period whatever is retried.
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from civiq.accounts.domain.properties import check_route
from civiq.billing.domain.billing import BillingRequest
from civiq.billing.domain.statements import StatementKind
from civiq.core.dates import period_first_day
from civiq.core.errors import Conflict, InvalidInput

MAX_ROUTES = 50


class Frequency(StrEnum):
    MONTHLY = "monthly"
    BIMONTHLY = "bimonthly"
    QUARTERLY = "quarterly"
    FOUR_MONTHLY = "four-monthly"  # three bills a year

    @property
    def months(self) -> int:
        return {"monthly": 1, "bimonthly": 2, "quarterly": 3, "four-monthly": 4}[self.value]


def add_months(day: date, months: int, anchor_day: int) -> date:
    """``day`` moved by ``months``, on ``anchor_day`` or the month's last day if shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(anchor_day, last))


@dataclass(frozen=True, slots=True)
class CycleDefinition:
    """What to bill, how often, at which rates, and when payment is due.

    ``read_days`` is how long after a period ends the run waits for reads before it estimates;
    ``due_days`` is how long after issue a statement is due.
    """

    cycle_id: str
    name: str
    frequency: Frequency
    routes: tuple[str, ...]
    rate_schedule_id: str
    first_period_end: date
    read_days: int = 5
    due_days: int = 21
    version: int = 1

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidInput("name is required", "name")
        if not self.routes:
            raise InvalidInput("a cycle bills at least one route", "routes")
        if len(self.routes) > MAX_ROUTES:
            raise InvalidInput(f"a cycle bills at most {MAX_ROUTES} routes", "routes")
        routes = tuple(check_route(r, f"routes.{i}") for i, r in enumerate(self.routes))
        if len(set(routes)) != len(routes):
            raise InvalidInput("each route may be listed once", "routes")
        object.__setattr__(self, "routes", routes)
        if not 0 <= self.read_days <= 30:
            raise InvalidInput("read_days must be from 0 to 30", "read_days")
        if not 10 <= self.due_days <= 60:
            raise InvalidInput("due_days must be from 10 to 60", "due_days")

    @property
    def anchor_day(self) -> int:
        """The day periods end on: a first period ending on a month's last day makes every
        period end on its month's last day."""
        first = self.first_period_end
        month_end = calendar.monthrange(first.year, first.month)[1]
        return 31 if first.day == month_end else first.day

    def period_end(self, index: int) -> date:
        return add_months(self.first_period_end, index * self.frequency.months, self.anchor_day)

    def latest_period_end(self, today: date) -> date | None:
        """The last period end whose reads are in by ``today``; None before the first."""
        ready = today - timedelta(days=self.read_days)
        if ready < self.first_period_end:
            return None
        months = (ready.year - self.first_period_end.year) * 12 + (
            ready.month - self.first_period_end.month
        )
        index = months // self.frequency.months
        while self.period_end(index) > ready:
            index -= 1
        return self.period_end(index)

    def period_start(self, period_end: date) -> date:
        """The previous period end: periods run from there (exclusive) to ``period_end``."""
        return add_months(period_end, -self.frequency.months, self.anchor_day)

    def period_start_before(self, day: date) -> date:
        """The last period end before ``day``: where a period that ends on ``day`` starts."""
        months = (
            (day.year - self.first_period_end.year) * 12 + day.month - self.first_period_end.month
        )
        index = months // self.frequency.months + 1
        while self.period_end(index) >= day:
            index -= 1
        return self.period_end(index)

    def check_period_end(self, period_end: date, field: str = "period_end") -> None:
        if self._index_of(period_end) is None:
            raise InvalidInput(f"{period_end} is not a period end of this cycle", field)

    def _index_of(self, period_end: date) -> int | None:
        months = (period_end.year - self.first_period_end.year) * 12 + (
            period_end.month - self.first_period_end.month
        )
        if months % self.frequency.months:
            return None
        index = months // self.frequency.months
        return index if index >= 0 and self.period_end(index) == period_end else None


def cycle_of_route(cycles: Sequence[CycleDefinition], route: str) -> CycleDefinition:
    """The cycle that bills ``route`` (a final bill or a rebill uses its rates)."""
    for cycle in cycles:
        if route in cycle.routes:
            return cycle
    raise Conflict(f"no billing cycle bills route {route}", "route")


def run_id_of(cycle_id: str, period_end: date) -> str:
    return f"{cycle_id}-{period_end.isoformat()}"


class RunStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"  # every account billed with its statement issued, or skipped
    INCOMPLETE = "incomplete"  # a batch did not finish or an account failed: resume the run


class Outcome(StrEnum):
    BILLED = "billed"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class AccountOutcome:
    account_id: str
    outcome: Outcome
    reason: str | None = None  # why skipped or failed, a stable code
    statement_id: str | None = None
    detail: str | None = None  # what went wrong, in words (an error's message)


NOT_RENDERED = "not_rendered"
DETAIL_LENGTH = 300  # a batch record holds up to a hundred of them


def not_rendered(account_id: str, statement_id: str, error: Exception) -> AccountOutcome:
    """A billed account whose statement could not be rendered or stored: failed in this run
    (its statement is not issued until a resumed run renders it), the error's type as the
    reason's code."""
    return AccountOutcome(
        account_id,
        Outcome.FAILED,
        f"{NOT_RENDERED}:{type(error).__name__}",
        statement_id,
        str(error)[:DETAIL_LENGTH] or None,
    )


@dataclass(frozen=True, slots=True)
class BatchRecord:
    """What became of one batch: its billing counts and the accounts not billed with their
    reasons, then (``unrendered``) the billed accounts whose statement could not be rendered;
    ``unrendered`` is None until the batch's statements were issued after it was billed."""

    batch: int
    counts: Mapping[Outcome, int]
    exceptions: tuple[AccountOutcome, ...]
    unrendered: tuple[AccountOutcome, ...] | None = None

    @classmethod
    def of(cls, batch: int, outcomes: Sequence[AccountOutcome]) -> BatchRecord:
        counts = Counter(o.outcome for o in outcomes)
        return cls(
            batch,
            {o: counts.get(o, 0) for o in Outcome},
            tuple(o for o in outcomes if o.outcome is not Outcome.BILLED),
        )

    @property
    def done(self) -> bool:
        """Billed, then its statements issued (or reported failed)."""
        return self.unrendered is not None

    @property
    def outcomes(self) -> Mapping[Outcome, int]:
        """The accounts by outcome: a billed account whose statement was not rendered failed."""
        failed = len(self.unrendered or ())
        return {
            **{o: self.counts.get(o, 0) for o in Outcome},
            Outcome.BILLED: self.counts.get(Outcome.BILLED, 0) - failed,
            Outcome.FAILED: self.counts.get(Outcome.FAILED, 0) + failed,
        }


@dataclass(frozen=True, slots=True)
class Progress:
    """A run's counts so far, from its batch records.

    ``batches_done`` counts the batches billed and then issued. A run is complete when all of
    its batches are done and no account failed (skipped accounts wait for a person, by design).
    """

    batches_done: int
    counts: Mapping[Outcome, int]
    reasons: Mapping[str, int]
    exceptions: tuple[AccountOutcome, ...]

    @classmethod
    def of(cls, records: Sequence[BatchRecord]) -> Progress:
        counts: Counter[Outcome] = Counter()
        for record in records:
            counts.update(record.outcomes)
        exceptions = tuple(e for r in records for e in (*r.exceptions, *(r.unrendered or ())))
        reasons = Counter(e.reason for e in exceptions if e.reason)
        return cls(
            sum(r.done for r in records),
            {o: counts.get(o, 0) for o in Outcome},
            dict(reasons),
            exceptions,
        )

    def complete(self, batches: int) -> bool:
        return self.batches_done == batches and not self.counts[Outcome.FAILED]


@dataclass(frozen=True, slots=True)
class BillingRun:
    run_id: str
    cycle_id: str
    period_start: date
    period_end: date
    issued_on: date
    due_on: date
    rate_schedule_id: str
    read_until: date  # reads up to this day bill in this run (the period end + read_days)
    started_at: datetime
    started_by: str
    status: RunStatus = RunStatus.RUNNING
    batches: int = 0
    selected: int = 0
    counts: Mapping[Outcome, int] = field(default_factory=dict)
    reasons: Mapping[str, int] = field(default_factory=dict)
    attempts: int = 1
    finished_at: datetime | None = None
    batches_done: int = 0  # billed and then issued, when the run last finished

    def summary(self) -> str:
        """The run's status and counts in words (what staff read on the work item of a run
        that did not complete)."""
        counts = ", ".join(f"{self.counts.get(o, 0)} {o.value}" for o in Outcome)
        reasons = ", ".join(f"{reason}: {n}" for reason, n in sorted(self.reasons.items()))
        return (
            f"billing run {self.run_id} is {self.status.value}: {self.batches_done} of "
            f"{self.batches} batches billed and issued; {self.selected} accounts: {counts}"
            + (f" ({reasons})" if reasons else "")
        )

    @property
    def first_day(self) -> date:
        """The first day of the run's period (its ``period_start`` is the previous period end)."""
        return period_first_day(self.period_start)

    def request(self) -> BillingRequest:
        return BillingRequest(
            StatementKind.REGULAR,
            self.cycle_id,
            self.run_id,
            self.period_start,
            self.period_end,
            self.read_until,
            self.issued_on,
            self.due_on,
        )
