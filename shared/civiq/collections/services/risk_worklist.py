"""The collections worklist by risk (the staff API): an account's score, and the accounts most
likely to become 60 days delinquent first. Read only: the scores are computed by the scoring
run, never on a request."""

from __future__ import annotations

from dataclasses import dataclass

from civiq.collections.domain.risk_scores import RiskScore
from civiq.collections.ports import RiskScores
from civiq.core.ports import Page


@dataclass(frozen=True)
class RiskWorklist:
    scores: RiskScores

    def of_account(self, account_id: str) -> RiskScore:
        """Raises NotFound: not scored (not open, already 60 days delinquent, or not yet)."""
        return self.scores.get(account_id)

    def ranked(self, min_score: float, limit: int, cursor: str | None) -> Page[RiskScore]:
        return self.scores.ranked(min_score, limit, cursor)
