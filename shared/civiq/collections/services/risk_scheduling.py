"""A scoring run (functions/risk_scoring, weekly): retrain the model when it is due, then put
every account to score on the scoring queue, in chunks that are scored each on its own.

The model is retrained when none exists or the latest is ``retrain_days`` old (monthly by
default). A history too short to train on is no failure (a town's first months): the run scores
with the model it has, or, with none yet, scores nothing and says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from civiq.accounts.domain.accounts import AccountStatus
from civiq.accounts.services.recording import Recorder
from civiq.collections.domain.risk_scores import ScoringChunk
from civiq.collections.domain.risk_training import NotEnoughHistory
from civiq.collections.ports import RiskHistories, RiskModels, ScoringQueue
from civiq.collections.services.risk_training import TrainRiskModel

SCORED_STATUSES = (AccountStatus.ACTIVE, AccountStatus.FINAL_BILLED)


@dataclass(frozen=True)
class ScoringRun:
    model_version: str | None  # None: no model yet, nothing scored
    trained: bool
    accounts: int
    chunks: int
    not_trained_because: str | None = None


@dataclass(frozen=True)
class ScheduleRiskScoring:
    histories: RiskHistories
    models: RiskModels
    queue: ScoringQueue
    train: TrainRiskModel
    recorder: Recorder
    retrain_days: int
    chunk_accounts: int

    def __call__(self) -> ScoringRun:
        today = self.recorder.today()
        model = self.models.latest()
        trained = False
        why = None
        if model is None or (today - model.trained_on).days >= self.retrain_days:
            try:
                model = self.train(today)
                trained = True
            except NotEnoughHistory as short:
                why = str(short)
        if model is None:
            return ScoringRun(None, False, 0, 0, why)
        accounts = chunks = 0
        batch: list[str] = []
        for account_id in self.histories.account_ids(SCORED_STATUSES):
            batch.append(account_id)
            if len(batch) == self.chunk_accounts * 10:
                chunks += self._send(model.version, today, batch)
                accounts += len(batch)
                batch = []
        chunks += self._send(model.version, today, batch)
        accounts += len(batch)
        return ScoringRun(model.version, trained, accounts, chunks, why)

    def _send(self, version: str, today: date, account_ids: list[str]) -> int:
        """Chunks of ``account_ids`` sent (a city's accounts are listed and sent as they are
        read, never all held at once)."""
        size = self.chunk_accounts
        chunks = [
            ScoringChunk(version, today, tuple(account_ids[start : start + size]))
            for start in range(0, len(account_ids), size)
        ]
        if chunks:
            self.queue.send(chunks)
        return len(chunks)
