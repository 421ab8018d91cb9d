"""The scoring run on the in-memory fakes: it trains when no model is young enough, queues every
open account once, scores each chunk and writes only the scores that moved; the worklist lists
them highest first. Nothing outside the risk score's own modules reads a score: no collection
stage can depend on one."""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from civiq.accounts.services.recording import Recorder
from civiq.collections.adapters.memory import (
    InMemoryRiskHistories,
    InMemoryRiskModels,
    InMemoryRiskScores,
    InMemoryScoringQueue,
)
from civiq.collections.domain.risk_features import Timeline
from civiq.collections.domain.risk_scores import Bands, ScoringChunk
from civiq.collections.domain.risk_training import TrainingPolicy
from civiq.collections.services.risk_scheduling import ScheduleRiskScoring, ScoringRun
from civiq.collections.services.risk_scoring import ScoreAccounts
from civiq.collections.services.risk_training import TrainRiskModel, sample
from civiq.collections.services.risk_worklist import RiskWorklist
from civiq.core.fakes import FixedClock, SequentialIds
from tests.helpers.risk_town import town

TODAY = date(2026, 11, 30)
REPO = Path(__file__).resolve().parents[3]


class Run:
    def __init__(
        self,
        accounts: int = 800,
        seed: int = 5,
        models: InMemoryRiskModels | None = None,
        **policy: int,
    ) -> None:
        start = TrainingPolicy().history_from(TODAY)
        self.histories = InMemoryRiskHistories(town(accounts, start, TODAY, seed=seed))
        self.models = models or InMemoryRiskModels()
        self.queue = InMemoryScoringQueue()
        self.scores = InMemoryRiskScores()
        self.clock = FixedClock(datetime(2026, 11, 30, 14, tzinfo=UTC))
        self.schedule = ScheduleRiskScoring(
            self.histories,
            self.models,
            self.queue,
            TrainRiskModel(self.histories, self.models, TrainingPolicy(**policy), 10_000),
            Recorder(self.clock, SequentialIds()),
            retrain_days=28,
            chunk_accounts=100,
        )
        self.score = ScoreAccounts(self.histories, self.models, self.scores, Bands())

    def score_queued(self) -> int:
        written = sum(self.score(chunk).written for chunk in self.queue.chunks)
        self.queue.chunks.clear()
        return written


@dataclass
class Scored:
    run: Run
    scheduled: ScoringRun
    queued: list[ScoringChunk]


@pytest.fixture(scope="module")
def town_scored() -> Scored:
    """A town's first run, its chunks scored."""
    run = Run()
    scheduled = run.schedule()
    queued = list(run.queue.chunks)
    run.score_queued()
    return Scored(run, scheduled, queued)


def test_the_first_run_trains_and_queues_every_open_account_once(town_scored: Scored) -> None:
    run, scheduled = town_scored.run, town_scored.scheduled
    assert scheduled.trained and scheduled.model_version == run.models.latest().version  # type: ignore[union-attr]
    open_accounts = [a for a, h in sorted(run.histories.histories.items()) if h.closed_on is None]
    queued = [a for chunk in town_scored.queued for a in chunk.account_ids]
    assert queued == open_accounts and scheduled.accounts == len(open_accounts)
    assert all(len(c.account_ids) <= 100 for c in town_scored.queued)
    assert {(c.model_version, c.scored_on) for c in town_scored.queued} == {
        (scheduled.model_version, TODAY)
    }


def test_scores_are_kept_for_open_accounts_not_yet_delinquent_only(town_scored: Scored) -> None:
    run = town_scored.run
    assert run.scores.scores
    for account_id, history in run.histories.histories.items():
        scored = account_id in run.scores.scores
        assert scored == Timeline.of(history).scoreable_on(TODAY), account_id


def test_scoring_again_as_of_the_same_day_writes_nothing() -> None:
    run = Run(accounts=300, seed=8, min_positives=5)
    run.schedule()
    chunks = list(run.queue.chunks)
    assert run.score_queued() > 0
    writes = run.scores.writes
    assert sum(run.score(chunk).written for chunk in chunks) == 0  # a chunk redelivered
    run.clock.advance(hours=2)
    scheduled = run.schedule()  # a rerun of the day's run
    assert not scheduled.trained and scheduled.chunks
    assert run.score_queued() == 0 and run.scores.writes == writes


def test_an_account_that_moved_away_loses_its_score() -> None:
    run = Run(accounts=300, seed=8, min_positives=5)
    run.schedule()
    run.score_queued()
    account_id = next(iter(run.scores.scores))
    history = run.histories.histories[account_id]
    run.histories.histories[account_id] = replace(history, closed_on=TODAY)
    version = run.models.latest().version  # type: ignore[union-attr]
    scored = run.score(ScoringChunk(version, TODAY, (account_id,)))
    assert scored.removed == 1 and account_id not in run.scores.scores


def test_the_model_is_trained_again_once_four_weeks_old() -> None:
    run = Run(accounts=400, seed=9, min_positives=5)
    first = run.schedule()
    run.clock.advance(days=27)
    assert not run.schedule().trained
    run.clock.advance(days=1)
    again = run.schedule()
    assert again.trained and again.model_version != first.model_version
    assert {c.model_version for c in run.queue.chunks[-3:]} == {again.model_version}


def test_without_enough_history_and_no_model_nothing_is_scored_and_the_run_says_why() -> None:
    run = Run(accounts=30, seed=3, min_positives=500)
    scheduled = run.schedule()
    assert (scheduled.model_version, scheduled.accounts, run.queue.chunks) == (None, 0, [])
    assert scheduled.not_trained_because and "needed" in scheduled.not_trained_because


def test_a_history_too_short_to_retrain_keeps_scoring_with_the_model_it_has() -> None:
    run = Run(accounts=400, seed=9, min_positives=5)
    first = run.schedule()
    strict = Run(accounts=400, seed=9, models=run.models, min_positives=100_000)
    strict.clock.advance(days=30)
    scheduled = strict.schedule()
    assert not scheduled.trained and scheduled.model_version == first.model_version
    assert scheduled.accounts > 0 and scheduled.not_trained_because


def test_training_reads_a_sample_that_does_not_depend_on_the_listing_order() -> None:
    ids = [f"01J{n:023d}" for n in range(1000)]
    chosen = sample(ids, 100)
    assert len(chosen) == 100 and chosen == sorted(chosen)
    assert sample(reversed(ids), 100) == chosen
    assert sample(ids[:50], 100) == ids[:50]


def test_the_worklist_lists_scores_highest_first_from_a_minimum(town_scored: Scored) -> None:
    run = town_scored.run
    worklist = RiskWorklist(run.scores)
    everything, cursor = [], None
    while True:
        page = worklist.ranked(0.0, 40, cursor)
        everything += page.items
        cursor = page.next_cursor
        if cursor is None:
            break
    assert [s.account_id for s in everything] == [
        s.account_id
        for s in sorted(run.scores.scores.values(), key=lambda s: (-s.score, s.account_id))
    ]
    high = worklist.ranked(0.3, 100, None).items
    assert high and all(s.score >= 0.3 for s in high)
    assert len(high) == sum(1 for s in run.scores.scores.values() if s.score >= 0.3)
    top = everything[0]
    assert worklist.of_account(top.account_id) == top


# Where a score may be read: the risk score's own modules, its wiring, and the API's routes.
READERS = {
    "shared/civiq/collections/ports.py",
    "shared/civiq/collections/config.py",
    "shared/civiq/collections/wiring.py",
    "shared/civiq/collections/adapters/memory.py",
    "shared/civiq/collections/adapters/dynamodb_risk.py",
    "shared/civiq/collections/adapters/scoring_queue.py",
    "functions/api/app.py",
    "functions/api/chalicelib/collections_composition.py",
    "functions/api/chalicelib/routes/risk_scores.py",
    "functions/risk_scoring/handler.py",
}
RISK_MODULES = ("risk_scores", "risk_worklist", "risk_scoring", "risk_model", "risk_features")


def test_no_collection_stage_or_other_decision_can_read_a_score() -> None:
    """A score orders a worklist; it never decides anything. Only the modules above (and the
    risk score's own, ``risk_*``) import what computes, stores or serves scores."""
    readers = set()
    for path in [*(REPO / "shared" / "civiq").rglob("*.py"), *(REPO / "functions").rglob("*.py")]:
        if path.stem.startswith("risk_") and "collections" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            if any(part in RISK_MODULES for name in names for part in name.split(".")):
                readers.add(str(path.relative_to(REPO)))
    assert readers <= READERS
