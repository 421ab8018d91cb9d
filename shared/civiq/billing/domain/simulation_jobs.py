"""A rate-change simulation asked for by a supervisor and run in the background.

The job records what is simulated: the schedule whose version in effect on ``year_ending`` is
the current rates, the draft version (given inline, or the latest version of a draft schedule,
copied when the job is asked for, so the job keeps what was simulated even if that schedule
changes), and the year of bills it is applied to (the 365 days to ``year_ending``).

The city is simulated in parts, one per meter-reading route of the schedule's cycles (the
routes are fixed on the job by its first part), each run by its own worker invocation and kept
as a file under ``rate-simulations/<id>/parts/``; the invocation that completes the last part
merges them into the report. Pending until then. A failed part marks the job failed with its
reason and is tried again (SQS redelivers it, then staff retry it from the work queue): only a
done job is final. The report and its exports (CSV, XLSX, a PDF per language) are written
once, under ``rate-simulations/<id>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from civiq.billing.domain.simulation import SimulationReport
from civiq.core.export_formats import ExportFormat
from civiq.core.language import Language
from civiq.rates.domain.rates import RateVersion

INLINE_DRAFT = "inline"  # the draft's source when the request carried the version itself


class SimulationStatus(StrEnum):
    PENDING = "pending"  # queued, or being run
    DONE = "done"
    FAILED = "failed"  # the last run failed: it is retried


SIMULATIONS_PREFIX = "rate-simulations/"


def export_key(simulation_id: str, export_format: ExportFormat, language: Language) -> str:
    """Where an export is kept: a PDF per language, one CSV and one XLSX (headings are codes)."""
    if export_format is ExportFormat.PDF:
        return f"{SIMULATIONS_PREFIX}{simulation_id}.{language.value}.pdf"
    return f"{SIMULATIONS_PREFIX}{simulation_id}.{export_format.value}"


def part_key(simulation_id: str, part: int) -> str:
    """Where a part's accounts are kept until the report is merged."""
    return f"{SIMULATIONS_PREFIX}{simulation_id}/parts/{part:05d}.json"


def part_count(routes: Sequence[str]) -> int:
    """A part per route; one (with no account) when the schedule bills no route."""
    return max(len(routes), 1)


def part_routes(routes: Sequence[str], part: int) -> Sequence[str]:
    """The routes simulated by ``part`` (numbered from 0)."""
    return routes[part : part + 1]


def export_file_name(
    simulation: RateSimulation, export_format: ExportFormat, language: Language
) -> str:
    """What a browser saves it as: ``rate-simulation-residential-2026-12-06.fr.pdf``."""
    stem = f"rate-simulation-{simulation.schedule_id}-{simulation.year_ending.isoformat()}"
    if export_format is ExportFormat.PDF:
        return f"{stem}.{language.value}.pdf"
    return f"{stem}.{export_format.value}"


@dataclass(frozen=True, slots=True)
class RateSimulation:
    simulation_id: str  # a ULID: the newest sorts last
    schedule_id: str
    draft: RateVersion
    draft_source: str  # the draft schedule's id, or INLINE_DRAFT
    year_ending: date
    requested_by: str
    requested_at: datetime
    status: SimulationStatus = SimulationStatus.PENDING
    finished_at: datetime | None = None
    failure: str | None = None
    report: SimulationReport | None = None  # once done
    routes: tuple[str, ...] | None = None  # the parts' routes, once its first part has run
