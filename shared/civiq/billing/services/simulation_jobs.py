"""Rate-change simulations as background jobs: a supervisor asks for one; a worker runs it.

API -> RequestRateSimulation (the job, pending, then a message on the simulation queue) -> SQS
-> RunRateSimulation, a part at a time: the first part fixes the job's routes (a part per
route) and queues the other parts; each part simulates its route's accounts (read page by page
as the simulator consumes them), keeps them as a file and marks itself done on the job; the part
that completes the job merges the files in order into the report, writes the exports to the
documents bucket and marks the job done. Neither a whole city nor a whole job runs inside one
request or one invocation.

A part that fails marks the job failed with its reason and raises: SQS delivers its message
again, then dead-letters it into the staff work queue, whose retry sends it back. A message for
a job already done changes nothing; a redelivered one rewrites the same keys and counts nothing
twice (a part is marked done once).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Protocol

from civiq.accounts.services.recording import Recorder
from civiq.billing.domain.simulation import SimulationPart, SimulationReport, merge
from civiq.billing.domain.simulation_jobs import (
    INLINE_DRAFT,
    ExportFormat,
    RateSimulation,
    SimulationStatus,
    export_file_name,
    export_key,
    part_count,
    part_routes,
)
from civiq.billing.ports import (
    RateSimulationRepository,
    SimulationDocument,
    SimulationFiles,
    SimulationParts,
    SimulationQueue,
)
from civiq.core.errors import DomainError, InvalidInput, NotFound
from civiq.core.events import Actor
from civiq.core.language import Language
from civiq.core.ports import Clock
from civiq.rates.domain.rates import RateVersion
from civiq.rates.ports import RateScheduleRepository

logger = logging.getLogger("civiq")
FAILURE_LIMIT = 500  # characters of a failure's reason kept on the job


class RateChangeSimulator(Protocol):
    def routes(self, schedule_id: str) -> list[str]: ...

    def part(
        self, schedule_id: str, draft: RateVersion, year_ending: date, routes: Sequence[str]
    ) -> SimulationPart: ...


Table = Callable[[SimulationReport], bytes]  # a report as a CSV or XLSX file


@dataclass(frozen=True)
class RequestRateSimulation:
    simulations: RateSimulationRepository
    queue: SimulationQueue
    rates: RateScheduleRepository
    recorder: Recorder

    def __call__(
        self,
        schedule_id: str,
        actor: Actor,
        *,
        draft: RateVersion | None = None,
        draft_schedule_id: str | None = None,
        year_ending: date | None = None,
    ) -> RateSimulation:
        """Record the job (pending) and queue it. The draft is ``draft``, or the latest version
        of ``draft_schedule_id``: exactly one of them."""
        today = self.recorder.today()
        if (draft is None) == (draft_schedule_id is None):
            raise InvalidInput("give either draft or draft_schedule_id", "draft")
        self.rates.get(schedule_id)  # NotFound names schedule_id
        if draft is None:
            assert draft_schedule_id is not None
            try:
                draft_schedule = self.rates.get(draft_schedule_id)
            except NotFound as error:
                raise NotFound(f"no rate schedule {draft_schedule_id}", "draft_schedule_id") from (
                    error
                )
            draft = max(draft_schedule.versions, key=lambda version: version.effective_from)
        if year_ending is not None and year_ending > today:
            raise InvalidInput(
                f"year_ending is a day with bills, today ({today.isoformat()}) or before",
                "year_ending",
            )
        simulation = RateSimulation(
            simulation_id=self.recorder.ids.new_id(),
            schedule_id=schedule_id,
            draft=draft,
            draft_source=draft_schedule_id or INLINE_DRAFT,
            year_ending=year_ending or today,
            requested_by=actor.subject,
            requested_at=self.recorder.clock.now(),
        )
        self.simulations.create(simulation)
        try:
            self.queue.send(simulation.simulation_id)
        except Exception:
            # Nothing will run it: say so rather than leave it pending forever.
            self.simulations.fail(simulation.simulation_id, "could not be queued; ask again")
            raise
        return simulation


@dataclass(frozen=True)
class RunRateSimulation:
    simulations: RateSimulationRepository
    simulator: RateChangeSimulator
    parts: SimulationParts
    queue: SimulationQueue
    tables: Mapping[ExportFormat, Table]
    files: SimulationFiles
    document: SimulationDocument
    clock: Clock

    def __call__(self, simulation_id: str, part: int = 0) -> RateSimulation:
        """Run ``part`` of the job; the job as it is after (done once its last part ran)."""
        simulation = self.simulations.get(simulation_id)
        if simulation.status is SimulationStatus.DONE:
            logger.info("rate simulation already done; nothing to do")
            return simulation
        try:
            routes = self._plan(simulation) if part == 0 else simulation.routes
            if routes is None or part >= part_count(routes):
                raise InvalidInput(f"the job has no part {part}", "part")
            result = self.simulator.part(
                simulation.schedule_id,
                simulation.draft,
                simulation.year_ending,
                part_routes(routes, part),
            )
            self.parts.put(simulation_id, part, result)
            if self.simulations.part_done(simulation_id, part) < part_count(routes):
                return simulation
            report = merge(self.parts.get(simulation_id, n) for n in range(part_count(routes)))
            done = replace(simulation, report=report)
            self._export(done)
        except Exception as error:
            self.simulations.fail(simulation_id, reason(error))
            raise
        finished_at = self.clock.now()
        self.simulations.finish(simulation_id, report, finished_at)
        return replace(done, status=SimulationStatus.DONE, finished_at=finished_at)

    def _plan(self, simulation: RateSimulation) -> tuple[str, ...]:
        """Fix the job's routes (once: a redelivered first part finds them) and queue its other
        parts (again when redelivered: a part run twice counts once)."""
        routes = self.simulations.plan(
            simulation.simulation_id, self.simulator.routes(simulation.schedule_id)
        )
        for part in range(1, part_count(routes)):
            self.queue.send(simulation.simulation_id, part)
        return routes

    def _export(self, simulation: RateSimulation) -> None:
        assert simulation.report is not None
        for export_format, table in self.tables.items():
            self._put(simulation, export_format, Language.EN, table(simulation.report))
        for language in Language:
            pdf = self.document.render(simulation, language)
            self._put(simulation, ExportFormat.PDF, language, pdf)

    def _put(
        self,
        simulation: RateSimulation,
        export_format: ExportFormat,
        language: Language,
        body: bytes,
    ) -> None:
        self.files.put(
            export_key(simulation.simulation_id, export_format, language),
            body,
            export_format.content_type,
            export_file_name(simulation, export_format, language),
        )


def reason(error: Exception) -> str:
    """What staff read on the failed job: a rating error in its words, else the error's type
    (the worker's log has the rest)."""
    if isinstance(error, DomainError):
        text = f"{error.code}: {error}"
    else:
        text = f"{type(error).__name__}: the run failed and is retried; the log has the details"
    return text[:FAILURE_LIMIT]
