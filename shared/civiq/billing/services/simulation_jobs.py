"""Rate-change simulations as background jobs: a supervisor asks for one; a worker runs it.

API -> RequestRateSimulation (the job, pending, then a message on the simulation queue) -> SQS
-> RunRateSimulation (every billed account's year read page by page as the simulator consumes
it; the exports written to the documents bucket; the job marked done with its report). A whole
city is never simulated inside an API request.

A run that fails marks the job failed with its reason and raises: SQS delivers the message
again, then dead-letters it into the staff work queue, whose retry sends it back. A message for
a job already done changes nothing; a redelivered one rewrites the same keys.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from civiq.accounts.services.recording import Recorder
from civiq.billing.domain.simulation import SimulationReport
from civiq.billing.domain.simulation_jobs import (
    INLINE_DRAFT,
    ExportFormat,
    RateSimulation,
    SimulationStatus,
    export_file_name,
    export_key,
)
from civiq.billing.ports import (
    RateSimulationRepository,
    SimulationDocument,
    SimulationFiles,
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

Simulate = Callable[[str, RateVersion, date], SimulationReport]
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
    simulate: Simulate
    tables: Mapping[ExportFormat, Table]
    files: SimulationFiles
    document: SimulationDocument
    clock: Clock

    def __call__(self, simulation_id: str) -> RateSimulation:
        simulation = self.simulations.get(simulation_id)
        if simulation.status is SimulationStatus.DONE:
            logger.info("rate simulation already done; nothing to do")
            return simulation
        try:
            report = self.simulate(simulation.schedule_id, simulation.draft, simulation.year_ending)
            done = replace(simulation, report=report)
            self._export(done)
        except Exception as error:
            self.simulations.fail(simulation_id, reason(error))
            raise
        finished_at = self.clock.now()
        self.simulations.finish(simulation_id, report, finished_at)
        return replace(done, status=SimulationStatus.DONE, finished_at=finished_at)

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
