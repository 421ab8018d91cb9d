"""The risk model: a logistic regression's gradient and Newton step as computed by hand, fitting
that converges (on rows a line separates too, thanks to the penalty), the same training giving
the same model, contributions that add up to the logit, the AUC, Brier score and deciles of
small hand-worked examples, and a model trained on a generated town that ranks and is
calibrated on the cut-offs it never saw."""

from __future__ import annotations

import math
from datetime import date

import pytest

from civiq.collections.domain.risk_features import HORIZON_DAYS, Timeline
from civiq.collections.domain.risk_model import (
    RiskModel,
    Standardization,
    auc,
    brier,
    fit,
    gradient,
    newton_step,
    reliability,
    sigmoid,
)
from civiq.collections.domain.risk_training import NotEnoughHistory, TrainingPolicy, train
from tests.helpers.risk_town import town

# One feature, three rows: x = 1, -1, 2 with labels 1, 0, 0, at intercept 0.5 and weight -1.
X = [[1.0, -1.0, 2.0]]
Y = [1, 0, 0]
THETA = [0.5, -1.0]
L2 = 0.1


def test_the_gradient_is_the_one_computed_by_hand() -> None:
    # logits -0.5, 1.5, -1.5; probabilities 0.377541, 0.817574, 0.182426
    # intercept: (0.377541 - 1) + 0.817574 + 0.182426 = 0.377541
    # weight: -0.622459 * 1 + 0.817574 * -1 + 0.182426 * 2 + 0.1 * -1 = -1.175183
    assert gradient(THETA, X, Y, L2) == pytest.approx([0.3775406688, -1.1751827598], abs=1e-9)


def test_a_newton_step_is_the_one_computed_by_hand() -> None:
    # weights p(1 - p): 0.235004, 0.149146, 0.149146; the Hessian [[0.533297, 0.384150],
    # [0.384150, 1.080736]] (1.080736 with the penalty's 0.1), determinant 0.428781; the step is
    # its inverse times the gradient above: theta moves to (-1.504444, 0.799876)
    assert newton_step(THETA, X, Y, L2) == pytest.approx([-1.5044438832, 0.7998755072], abs=1e-9)


def test_fitting_converges_on_rows_a_line_separates_and_ranks_them_all() -> None:
    x = [[-2.0, -1.5, -1.0, 1.0, 1.5, 2.0]]
    y = [0, 0, 0, 1, 1, 1]
    fitted = fit(x, y, l2=0.01)
    assert fitted.converged and fitted.iterations < 30
    assert gradient(fitted.theta, x, y, 0.01) == pytest.approx([0, 0], abs=1e-7)
    p = [sigmoid(fitted.theta[0] + fitted.theta[1] * v) for v in x[0]]
    assert all(pi < 0.5 for pi in p[:3]) and all(pi > 0.5 for pi in p[3:])


def test_the_auc_of_a_hand_worked_example() -> None:
    # positives score 0.35 and 0.8, negatives 0.1 and 0.4: 3 of the 4 pairs are in order
    assert auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75
    # a tie counts half: the positive 0.5 beats the negative 0.2 and ties the negative 0.5
    assert auc([0.5, 0.5, 0.2], [1, 0, 0]) == 0.75
    with pytest.raises(ValueError, match="positive and negative"):
        auc([0.3, 0.4], [1, 1])


def test_the_brier_score_and_the_deciles_of_a_hand_worked_example() -> None:
    assert brier([0.2, 0.9, 0.5], [0, 1, 1]) == pytest.approx((0.04 + 0.01 + 0.25) / 3)
    scores = [i / 20 for i in range(20)]
    labels = [0] * 15 + [1] * 5
    deciles = reliability(scores, labels, groups=4)
    assert [d.rows for d in deciles] == [5, 5, 5, 5]
    assert [d.predicted for d in deciles] == pytest.approx([0.1, 0.35, 0.6, 0.85])
    assert [d.observed for d in deciles] == [0, 0, 0, 1]


def test_an_unknown_value_takes_the_mean_and_contributes_nothing() -> None:
    scaling = Standardization.of([[1.0, None], [3.0, 10.0], [None, 20.0]], 2)
    assert scaling.means == (2.0, 15.0) and scaling.scales == (1.0, 5.0)
    assert scaling.columns([[None, 25.0]]) == [[0.0], [2.0]]


@pytest.fixture(scope="module")
def town_model() -> tuple[list[Timeline], RiskModel]:
    today = date(2026, 11, 30)
    policy = TrainingPolicy()
    timelines = [Timeline.of(h) for h in town(1500, policy.history_from(today), today, seed=5)]
    return timelines, train(timelines, policy, today)


def test_a_model_trained_on_a_town_ranks_and_is_calibrated_on_cut_offs_it_never_saw(
    town_model: tuple[list[Timeline], RiskModel],
) -> None:
    _, model = town_model
    window, evaluation = model.window, model.evaluation
    assert window.fitted_to.toordinal() + HORIZON_DAYS <= window.evaluated_from.toordinal()
    assert evaluation.auc > 0.8
    assert evaluation.positives >= 20 and 0.01 < evaluation.base_rate < 0.2
    deciles = evaluation.deciles
    assert deciles[-1].observed > 5 * max(deciles[0].observed, 0.01)
    mean_predicted = sum(d.predicted * d.rows for d in deciles) / evaluation.rows
    assert mean_predicted == pytest.approx(evaluation.base_rate, abs=0.03)
    assert evaluation.brier < evaluation.base_rate * (1 - evaluation.base_rate)  # beats the rate


def test_the_same_history_trains_the_same_model(
    town_model: tuple[list[Timeline], RiskModel],
) -> None:
    timelines, model = town_model
    again = train(timelines, TrainingPolicy(), date(2026, 11, 30))
    assert again == model
    assert again.version.startswith("20261130-")


def test_contributions_add_up_to_the_logit(town_model: tuple[list[Timeline], RiskModel]) -> None:
    timelines, model = town_model
    day = date(2026, 11, 30)
    for timeline in timelines[:50]:
        values = timeline.features(day)
        contributions = model.contributions(values)
        logit = model.logit(values)
        assert model.intercept + math.fsum(contributions) == pytest.approx(logit)
        assert model.probability(values) == pytest.approx(sigmoid(logit))


def test_a_history_with_too_few_delinquencies_trains_nothing() -> None:
    today = date(2026, 11, 30)
    policy = TrainingPolicy()
    timelines = [Timeline.of(h) for h in town(40, policy.history_from(today), today, seed=5)]
    with pytest.raises(NotEnoughHistory, match="needed"):
        train(timelines, TrainingPolicy(min_positives=1000), today)
