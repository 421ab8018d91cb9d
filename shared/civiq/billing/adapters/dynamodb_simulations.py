"""Rate-change simulation jobs on the single table.

item            PK                SK                 notes
simulation      RATE_SIMULATIONS  SIMULATION#<id>    what was asked (the draft in the rate API's
                                                     shape), status, and once done the report;
                                                     the routes of its parts and the parts done

Every job is in one partition: a city asks for a few a year, and the ids are ULIDs, so one Query
lists them newest first. The report is the API's shape (its unrated accounts capped), well under
the item limit; the exports hold the rest. Finishing is conditional on the job not being done,
so a redelivered message finishes it once. A part is marked done by adding its number to a set
(ADD is atomic, and adding it again changes nothing): the set's size is the parts done.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime

from pynamodb.attributes import NumberSetAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.update import Action

from civiq.billing.domain.simulation import SimulationReport
from civiq.billing.domain.simulation_jobs import RateSimulation, SimulationStatus
from civiq.billing.schemas.simulations import SimulationReportOut
from civiq.core.errors import Conflict, NotFound
from civiq.core.ports import Page
from civiq.platform.dynamodb import pages
from civiq.platform.dynamodb.table import TableItem, TableMeta
from civiq.rates.schemas.rates import RateVersionSpec

SIMULATIONS_PK = "RATE_SIMULATIONS"
SIMULATION_PREFIX = "SIMULATION#"


def simulation_sk(simulation_id: str) -> str:
    return f"{SIMULATION_PREFIX}{simulation_id}"


class RateSimulationItem(TableItem):
    class Meta(TableMeta):
        pass

    simulation_id = UnicodeAttribute()
    schedule_id = UnicodeAttribute()
    draft = UnicodeAttribute()  # JSON: a rate version as the rates API takes it
    draft_source = UnicodeAttribute()
    year_ending = UnicodeAttribute()  # ISO date
    requested_by = UnicodeAttribute()
    requested_at = UTCDateTimeAttribute()
    status = UnicodeAttribute()
    finished_at = UTCDateTimeAttribute(null=True)
    failure = UnicodeAttribute(null=True)
    report = UnicodeAttribute(null=True)  # JSON: SimulationReportOut
    routes = UnicodeAttribute(null=True)  # JSON: a list, a part per route, in order
    parts_done = NumberSetAttribute(null=True)


def _simulation_of(item: RateSimulationItem, with_report: bool = True) -> RateSimulation:
    stored = item.report if with_report else None
    report = None if stored is None else SimulationReportOut.model_validate_json(stored)
    return RateSimulation(
        simulation_id=item.simulation_id,
        schedule_id=item.schedule_id,
        draft=RateVersionSpec.model_validate_json(item.draft).to_domain(),
        draft_source=item.draft_source,
        year_ending=date.fromisoformat(item.year_ending),
        requested_by=item.requested_by,
        requested_at=item.requested_at,
        status=SimulationStatus(item.status),
        finished_at=item.finished_at,
        failure=item.failure,
        report=None if report is None else report.to_domain(),
        routes=None if item.routes is None else tuple(json.loads(item.routes)),
    )


def _conditional_failed(error: PutError | UpdateError) -> bool:
    return error.cause_response_code == "ConditionalCheckFailedException"


class DynamoRateSimulations:
    def create(self, simulation: RateSimulation) -> None:
        item = RateSimulationItem(
            pk=SIMULATIONS_PK,
            sk=simulation_sk(simulation.simulation_id),
            simulation_id=simulation.simulation_id,
            schedule_id=simulation.schedule_id,
            draft=RateVersionSpec.of(simulation.draft).model_dump_json(),
            draft_source=simulation.draft_source,
            year_ending=simulation.year_ending.isoformat(),
            requested_by=simulation.requested_by,
            requested_at=simulation.requested_at,
            status=simulation.status.value,
        )
        try:
            item.save(condition=RateSimulationItem.sk.does_not_exist())
        except PutError as exc:
            if _conditional_failed(exc):
                message = f"simulation {simulation.simulation_id} already exists"
                raise Conflict(message, "id") from exc
            raise

    def get(self, simulation_id: str) -> RateSimulation:
        try:
            item = RateSimulationItem.get(
                SIMULATIONS_PK, simulation_sk(simulation_id), consistent_read=True
            )
        except DoesNotExist as exc:
            raise NotFound(f"no rate simulation with id {simulation_id}", "id") from exc
        return _simulation_of(item)

    def listing(self, limit: int, cursor: str | None) -> Page[RateSimulation]:
        """One Query of the jobs' partition, newest first."""
        result = RateSimulationItem.query(
            SIMULATIONS_PK,
            RateSimulationItem.sk.startswith(SIMULATION_PREFIX),
            scan_index_forward=False,
            limit=limit,
            page_size=limit,
            last_evaluated_key=pages.decode(cursor),
        )
        items = [_simulation_of(item, with_report=False) for item in result]
        last = result.last_evaluated_key
        return Page(items, pages.encode(last) if last else None)

    def finish(self, simulation_id: str, report: SimulationReport, finished_at: datetime) -> bool:
        return self._update_unfinished(
            simulation_id,
            [
                RateSimulationItem.status.set(SimulationStatus.DONE.value),
                RateSimulationItem.report.set(SimulationReportOut.of(report).model_dump_json()),
                RateSimulationItem.finished_at.set(finished_at),
                RateSimulationItem.failure.remove(),
            ],
        )

    def fail(self, simulation_id: str, reason: str) -> None:
        self._update_unfinished(
            simulation_id,
            [
                RateSimulationItem.status.set(SimulationStatus.FAILED.value),
                RateSimulationItem.failure.set(reason),
            ],
        )

    def plan(self, simulation_id: str, routes: Sequence[str]) -> tuple[str, ...]:
        item = RateSimulationItem(pk=SIMULATIONS_PK, sk=simulation_sk(simulation_id))
        try:
            item.update(
                actions=[RateSimulationItem.routes.set(json.dumps(list(routes)))],
                condition=RateSimulationItem.sk.exists()
                & RateSimulationItem.routes.does_not_exist(),
            )
        except UpdateError as exc:
            if not _conditional_failed(exc):
                raise
            return self.get(simulation_id).routes or ()
        return tuple(routes)

    def part_done(self, simulation_id: str, part: int) -> int:
        item = RateSimulationItem(pk=SIMULATIONS_PK, sk=simulation_sk(simulation_id))
        item.update(
            actions=[RateSimulationItem.parts_done.add({part})],
            condition=RateSimulationItem.sk.exists(),
        )
        return len(item.parts_done or ())

    @staticmethod
    def _update_unfinished(simulation_id: str, actions: list[Action]) -> bool:
        try:
            RateSimulationItem(pk=SIMULATIONS_PK, sk=simulation_sk(simulation_id)).update(
                actions=actions,
                condition=RateSimulationItem.sk.exists()
                & (RateSimulationItem.status != SimulationStatus.DONE.value),
            )
        except UpdateError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True
