"""Training the delinquency risk model on the municipality's own ledger history, and holding it
to account on a time split.

Examples are (account, cut-off) pairs: every ``CUTOFF_SPACING_DAYS`` days back from the last
day whose 90 days after it have all passed, each account open and not delinquent on the
cut-off gives one row, its features as of the cut-off and its label from the 90 days after.
The latest ``holdout`` cut-offs are set aside: the model is fitted on the earlier cut-offs whose
90 days all ended by the first set-aside one (the cut-offs between are used for neither), then
evaluated on the set-aside rows, as it will be used: on accounts as they stand, about a future
it has not seen. The evaluation stored with the model is of that model, on those rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from civiq.collections.domain.risk_features import (
    DELINQUENT_DAYS,
    FEATURES,
    HORIZON_DAYS,
    Features,
    Timeline,
    history_from,
)
from civiq.collections.domain.risk_model import (
    Evaluation,
    RiskModel,
    Standardization,
    TrainingWindow,
    fit,
    logits,
    sigmoid,
)

CUTOFF_SPACING_DAYS = 30


@dataclass(frozen=True)
class TrainingPolicy:
    """How the model is trained (the defaults: 15 cut-offs 30 days apart, the latest 3 set
    aside, an L2 penalty of 1, and at least 20 rows that became delinquent to fit on and 5 to
    evaluate on)."""

    cutoffs: int = 15
    holdout: int = 3
    l2: float = 1.0
    min_positives: int = 20
    min_holdout_positives: int = 5

    def cutoffs_for(self, today: date) -> list[date]:
        """The cut-offs, oldest first: the latest is the last day whose 90 days after it have
        all passed by ``today``."""
        latest = today - timedelta(days=HORIZON_DAYS)
        return [
            latest - timedelta(days=CUTOFF_SPACING_DAYS * k) for k in reversed(range(self.cutoffs))
        ]

    def history_from(self, today: date) -> date:
        """The first day of history training reads: what the first cut-off's features read."""
        return history_from(self.cutoffs_for(today)[0])


@dataclass(frozen=True)
class Examples:
    rows: list[Features]
    labels: list[int]

    def positives(self) -> int:
        return sum(self.labels)


def examples(timelines: Iterable[Timeline], cutoffs: Sequence[date]) -> Examples:
    """One row per account open and not delinquent on each cut-off."""
    rows: list[Features] = []
    labels: list[int] = []
    for timeline in timelines:
        for cutoff in cutoffs:
            if timeline.scoreable_on(cutoff):
                rows.append(timeline.features(cutoff))
                labels.append(int(timeline.becomes_delinquent(cutoff)))
    return Examples(rows, labels)


class NotEnoughHistory(Exception):
    """Too few accounts became delinquent in the history to fit or evaluate a model on."""


def train(timelines: Sequence[Timeline], policy: TrainingPolicy, today: date) -> RiskModel:
    """Fit on the earlier cut-offs, evaluate on the latest ones (see the module). Raises
    NotEnoughHistory."""
    cutoffs = policy.cutoffs_for(today)
    held_out = cutoffs[-policy.holdout :]
    fitted_on = [c for c in cutoffs if c + timedelta(days=HORIZON_DAYS) <= held_out[0]]
    if not fitted_on:
        raise NotEnoughHistory("no cut-off is early enough to fit on: train on more cut-offs")
    fitting = examples(timelines, fitted_on)
    holdout = examples(timelines, held_out)
    if fitting.positives() < policy.min_positives:
        raise NotEnoughHistory(
            f"{fitting.positives()} rows became delinquent in the history to fit on, "
            f"{policy.min_positives} are needed"
        )
    if holdout.positives() < policy.min_holdout_positives or len(set(holdout.labels)) < 2:
        raise NotEnoughHistory(
            f"{holdout.positives()} rows became delinquent in the history set aside, "
            f"{policy.min_holdout_positives} are needed"
        )
    scaling = Standardization.of(fitting.rows, len(FEATURES))
    fitted = fit(scaling.columns(fitting.rows), fitting.labels, policy.l2)
    scores = [sigmoid(z) for z in logits(fitted.theta, scaling.columns(holdout.rows))]
    return RiskModel(
        version=version_of(today, fitted.theta, scaling),
        trained_on=today,
        features=FEATURES,
        standardization=scaling,
        intercept=fitted.theta[0],
        coefficients=fitted.theta[1:],
        l2=policy.l2,
        window=TrainingWindow(
            fitted_from=fitted_on[0],
            fitted_to=fitted_on[-1],
            evaluated_from=held_out[0],
            evaluated_to=held_out[-1],
            horizon_days=HORIZON_DAYS,
            delinquent_days=DELINQUENT_DAYS,
            fitted_rows=len(fitting.labels),
            fitted_positives=fitting.positives(),
        ),
        evaluation=Evaluation.of(scores, holdout.labels),
    )


def version_of(trained_on: date, theta: Sequence[float], scaling: Standardization) -> str:
    """The day it was trained and a digest of what it computes: the same training gives the
    same version."""
    digest = hashlib.sha256(
        json.dumps([list(theta), list(scaling.means), list(scaling.scales)]).encode()
    ).hexdigest()
    return f"{trained_on:%Y%m%d}-{digest[:8]}"
