"""Ranking collection cases on worklists by risk: a case carries its account's latest risk
score, so a worklist lists first the cases that stand to lose the most (risk times what is past
due). The score only orders the list; no stage is decided by it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from civiq.collections.domain.dunning import Case, CaseStatus
from civiq.collections.domain.risk_features import DELINQUENT_DAYS
from civiq.collections.ports import RiskScores

RISK_PLACES = 3  # a case keeps its risk to the thousandth it is ranked by


@dataclass(frozen=True)
class RankByRisk:
    scores: RiskScores

    def ranked(self, case: Case, on: date) -> Case:
        """``case`` with its account's latest risk score; none once the account is 60 days
        delinquent (the risk is then a certainty, and scoring no longer keeps one) or when the
        case is closed."""
        risk = None
        if case.status is not CaseStatus.CLOSED and case.anchor.days_past_due(on) < DELINQUENT_DAYS:
            score = self.scores.several([case.account_id]).get(case.account_id)
            risk = round(score.score, RISK_PLACES) if score is not None else None
        return case if risk == case.risk else replace(case, risk=risk)
