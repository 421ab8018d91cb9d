"""Billing cycles: define them, start a run of one period, prepare its batches, summarize it.

The run itself is the billing-cycle state machine (``infra/statemachines/billing_cycle.asl.
json``): prepare -> for each batch: bill, then render and announce -> summarize. These services
are its steps; none of them re-implements the workflow.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import islice
from typing import Any

from civiq.accounts.domain.accounts import AccountStatus
from civiq.accounts.ports import AccountRepository
from civiq.accounts.services.recording import Recorder
from civiq.billing.domain.cycles import BillingRun, CycleDefinition, Progress, RunStatus, run_id_of
from civiq.billing.ports import CycleRepository, RunManifests, RunRepository
from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict, InvalidInput, check_version, field_prefix
from civiq.core.events import Actor
from civiq.core.history import changes
from civiq.core.ports import Workflow
from civiq.rates.ports import RateScheduleRepository

BATCH_SIZE = 100  # accounts per batch: one Lambda invocation bills them in a few seconds


def cycle_subject(cycle_id: str) -> str:
    return f"CYCLE#{cycle_id}"


def run_subject(run_id: str) -> str:
    return f"RUN#{run_id}"


def _entry(
    recorder: Recorder, subject: str, action: str, actor: Actor, cid: str, detail: dict[str, Any]
) -> AuditEntry:
    return AuditEntry(
        entry_id=recorder.ids.new_id(),
        subject_id=subject,
        action=action,
        actor_subject=actor.subject,
        actor_role=actor.role,
        occurred_at=recorder.clock.now(),
        correlation_id=cid,
        detail=detail,
    )


@dataclass(frozen=True)
class DefineCycle:
    cycles: CycleRepository
    rates: RateScheduleRepository
    recorder: Recorder

    def _check_rates(self, cycle: CycleDefinition) -> None:
        """A schedule the request names and nobody created is not found (404), like any id."""
        with field_prefix("rate_schedule_id", replace=True):
            self.rates.get(cycle.rate_schedule_id)

    def create(self, cycle: CycleDefinition, actor: Actor, cid: str) -> CycleDefinition:
        self._check_rates(cycle)
        detail = {"version": cycle.version, "changes": changes(None, cycle)}
        entry = _entry(
            self.recorder, cycle_subject(cycle.cycle_id), "CycleDefined", actor, cid, detail
        )
        self.cycles.save(None, cycle, entry)
        return cycle

    def revise(
        self, cycle_id: str, version: int, edited: CycleDefinition, actor: Actor, cid: str
    ) -> CycleDefinition:
        before = self.cycles.get(cycle_id)
        check_version(before.version, version, "the cycle")
        after = replace(edited, cycle_id=cycle_id, version=before.version + 1)
        self._check_rates(after)
        detail = {"version": after.version, "changes": changes(before, after)}
        entry = _entry(self.recorder, cycle_subject(cycle_id), "CycleRevised", actor, cid, detail)
        self.cycles.save(before, after, entry)
        return after


@dataclass(frozen=True)
class StartRun:
    """Start (or resume) the run of one cycle period.

    The run's id is the cycle and period end: starting it again returns the same run. A run
    that ended incomplete (a batch failed for good, an account failed) is resumed by a new
    execution: the accounts it billed are found billed, and only their statements without a
    document are rendered.
    """

    cycles: CycleRepository
    runs: RunRepository
    workflow: Workflow
    recorder: Recorder

    def __call__(
        self, cycle_id: str, period_end: date | None, actor: Actor, cid: str
    ) -> BillingRun:
        cycle = self.cycles.get(cycle_id)
        today = self.recorder.today()
        if period_end is None:
            period_end = cycle.latest_period_end(today)
            if period_end is None:
                raise Conflict(
                    f"the cycle's first period ends {cycle.first_period_end}", "period_end"
                )
        cycle.check_period_end(period_end)
        if period_end > today:
            raise InvalidInput("the period has not ended yet", "period_end")
        run = BillingRun(
            run_id=run_id_of(cycle_id, period_end),
            cycle_id=cycle_id,
            period_start=cycle.period_start(period_end),
            period_end=period_end,
            issued_on=today,
            due_on=today + timedelta(days=cycle.due_days),
            rate_schedule_id=cycle.rate_schedule_id,
            read_until=min(period_end + timedelta(days=cycle.read_days), today),
            started_at=self.recorder.clock.now(),
            started_by=actor.subject,
        )
        detail = {"period_end": period_end.isoformat(), "routes": list(cycle.routes)}
        entry = _entry(
            self.recorder, run_subject(run.run_id), "BillingRunStarted", actor, cid, detail
        )
        stored = self.runs.start(run, entry)
        self.workflow.start(
            execution_name(stored), {"run_id": stored.run_id, "routes": list(cycle.routes)}
        )
        return stored

    def resume(self, run_id: str, actor: Actor, cid: str) -> BillingRun:
        run = self.runs.get(run_id)
        if run.status is not RunStatus.INCOMPLETE:
            raise Conflict(
                f"the run is {run.status.value}; only an incomplete run resumes", "status"
            )
        cycle = self.cycles.get(run.cycle_id)
        resumed = replace(
            run, status=RunStatus.RUNNING, attempts=run.attempts + 1, finished_at=None
        )
        self.runs.finish(resumed)
        self.workflow.start(
            execution_name(resumed), {"run_id": run_id, "routes": list(cycle.routes)}
        )
        return resumed


def execution_name(run: BillingRun) -> str:
    return f"{run.run_id}-{run.attempts}"


def _batches(ids: Iterator[str]) -> Iterator[list[str]]:
    while chunk := list(islice(ids, BATCH_SIZE)):
        yield chunk


@dataclass(frozen=True)
class PrepareRun:
    """Select the run's accounts (active accounts on its routes) and write them as batches."""

    accounts: AccountRepository
    runs: RunRepository
    manifests: RunManifests

    def __call__(self, run_id: str, routes: Sequence[str]) -> dict[str, Any]:
        selected = (
            summary.account_id
            for route in routes
            for summary in self.accounts.on_route(route)
            if summary.status is AccountStatus.ACTIVE
        )
        chunks = list(_batches(selected))
        batches = [{"batch": n, "account_ids": ids} for n, ids in enumerate(chunks)]
        location = self.manifests.write(run_id, batches)
        count = sum(len(ids) for ids in chunks)
        self.runs.prepared(run_id, count, len(batches))
        return {"manifest": dict(location), "batches": len(batches), "selected": count}


@dataclass(frozen=True)
class SummarizeRun:
    """Count what became of the run's accounts. The run is completed when every batch was
    billed and then issued and no account failed; otherwise it is incomplete (the workflow
    then fails into the staff work queue, and a resumed run bills and renders what is left)."""

    runs: RunRepository
    recorder: Recorder

    def __call__(self, run_id: str) -> BillingRun:
        run = self.runs.get(run_id)
        # a batch numbered past the run's batches was prepared by an earlier attempt
        progress = Progress.of([r for r in self.runs.batches(run_id) if r.batch < run.batches])
        finished = replace(
            run,
            status=RunStatus.COMPLETED if progress.complete(run.batches) else RunStatus.INCOMPLETE,
            counts=progress.counts,
            reasons=progress.reasons,
            batches_done=progress.batches_done,
            finished_at=self.recorder.clock.now(),
        )
        self.runs.finish(finished)
        return finished


SCHEDULER = Actor(subject="civiq-billing-scheduler", role="system")


@dataclass(frozen=True)
class ScheduleRuns:
    """Daily: start each cycle's latest period once its reads are in (starting a period that has
    a run already changes nothing)."""

    cycles: CycleRepository
    start_run: StartRun

    def __call__(self) -> list[BillingRun]:
        today = self.start_run.recorder.today()
        return [
            self.start_run(cycle.cycle_id, None, SCHEDULER, f"schedule-{today.isoformat()}")
            for cycle in self.cycles.all()
            if cycle.latest_period_end(today) is not None
        ]
