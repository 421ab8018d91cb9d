"""Score a chunk of accounts (functions/risk_scoring, from the scoring queue): each account's
history read, its features as of the run's day, its score and largest factors, written only
when it moved (see ``RiskScore.moved_from``); an account no longer open or already delinquent
has its score removed. Scoring a chunk again writes nothing new.

Scores only order the collections worklist and say whom to offer an arrangement early: nothing
here, or anywhere, moves an account to a collection stage because of its score.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from civiq.collections.domain.risk_features import Timeline, history_from
from civiq.collections.domain.risk_model import RiskModel
from civiq.collections.domain.risk_scores import Bands, ScoringChunk, score_account
from civiq.collections.ports import RiskHistories, RiskModels, RiskScores


@dataclass(frozen=True)
class Scored:
    written: int
    unchanged: int
    removed: int


@dataclass(frozen=True)
class ScoreAccounts:
    histories: RiskHistories
    models: RiskModels
    scores: RiskScores
    bands: Bands
    _models_read: dict[str, RiskModel] = field(default_factory=dict, compare=False)

    def __call__(self, chunk: ScoringChunk) -> Scored:
        model = self._model(chunk.model_version)
        day = chunk.scored_on
        before = self.scores.several(chunk.account_ids)
        histories = self.histories.of_accounts(chunk.account_ids, history_from(day))
        written = []
        scored = 0
        gone = set(before) - {h.account_id for h in histories}  # no longer on file
        for history in histories:
            timeline = Timeline.of(history)
            if not timeline.scoreable_on(day):
                if history.account_id in before:
                    gone.add(history.account_id)
                continue
            scored += 1
            values = timeline.features(day)
            score = score_account(model, history.account_id, values, self.bands, day)
            if score.moved_from(before.get(history.account_id)):
                written.append(score)
        if written:
            self.scores.write(written)
        if gone:
            self.scores.remove(sorted(gone))
        return Scored(len(written), scored - len(written), len(gone))

    def _model(self, version: str) -> RiskModel:
        """The chunk's model, read once per version (a function scores many chunks)."""
        if version not in self._models_read:
            self._models_read[version] = self.models.get(version)
        return self._models_read[version]
