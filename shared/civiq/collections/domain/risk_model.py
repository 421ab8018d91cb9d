"""The delinquency risk model: a plain logistic regression on standardized features, fitted
with an L2 penalty by Newton's method, and the figures that evaluate it.

Pure Python, deterministic (the same rows give the same coefficients, to the last bit): no
random start, no sampling, rows in the order given. A feature's value is standardized with the
training rows' mean and standard deviation; an unknown value (None) takes the mean, so it adds
nothing to the score. Each feature's *contribution* to an account's score is its coefficient
times its standardized value: the logit is the intercept plus the contributions, so the
contributions say exactly what moved a score up or down, and by how much.

Fitting minimizes ``sum(log(1 + exp(z)) - y * z) + l2 / 2 * |w|^2`` over the intercept and the
weights ``w`` (the intercept is not penalized), where ``z`` is a row's logit. The penalty keeps
the weights finite even on rows a line separates; Newton's steps reach the minimum in a few
iterations, each one pass over the rows per pair of features.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from operator import mul

Column = Sequence[float]


@dataclass(frozen=True)
class Standardization:
    means: tuple[float, ...]
    scales: tuple[float, ...]  # standard deviations (1 where a feature never varies)

    @classmethod
    def of(cls, rows: Sequence[Sequence[float | None]], width: int) -> Standardization:
        means, scales = [], []
        for j in range(width):
            present = [v for v in (row[j] for row in rows) if v is not None]
            mean = math.fsum(present) / len(present) if present else 0.0
            variance = math.fsum((v - mean) ** 2 for v in present) / len(present) if present else 0
            means.append(mean)
            scales.append(math.sqrt(variance) if variance > 1e-12 else 1.0)
        return cls(tuple(means), tuple(scales))

    def columns(self, rows: Sequence[Sequence[float | None]]) -> list[list[float]]:
        """The rows standardized, one list per feature (unknown values: 0, the mean)."""
        return [
            [0.0 if (v := row[j]) is None else (v - mean) / scale for row in rows]
            for j, (mean, scale) in enumerate(zip(self.means, self.scales, strict=True))
        ]

    def standardized(self, values: Sequence[float | None]) -> list[float]:
        return [
            0.0 if v is None else (v - mean) / scale
            for v, mean, scale in zip(values, self.means, self.scales, strict=True)
        ]


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def logits(theta: Sequence[float], columns: Sequence[Column]) -> list[float]:
    """Each row's logit: ``theta[0]`` (the intercept) plus the weighted features."""
    z = [theta[0]] * (len(columns[0]) if columns else 0)
    for weight, column in zip(theta[1:], columns, strict=True):
        if weight:
            z = [zi + weight * xi for zi, xi in zip(z, column, strict=True)]
    return z


def gradient(
    theta: Sequence[float], columns: Sequence[Column], labels: Sequence[int], l2: float
) -> list[float]:
    """The gradient of the penalized log loss at ``theta`` (intercept first)."""
    residuals = [sigmoid(z) - y for z, y in zip(logits(theta, columns), labels, strict=True)]
    return [math.fsum(residuals)] + [
        math.fsum(map(mul, residuals, column)) + l2 * weight
        for weight, column in zip(theta[1:], columns, strict=True)
    ]


def newton_step(
    theta: Sequence[float], columns: Sequence[Column], labels: Sequence[int], l2: float
) -> list[float]:
    """``theta`` after one Newton step on the penalized log loss."""
    p = [sigmoid(z) for z in logits(theta, columns)]
    residuals = [pi - y for pi, y in zip(p, labels, strict=True)]
    weights = [pi * (1.0 - pi) for pi in p]
    design = [[1.0] * len(labels), *columns]
    size = len(design)
    g = [math.fsum(residuals)] + [
        math.fsum(map(mul, residuals, column)) + l2 * w
        for w, column in zip(theta[1:], columns, strict=True)
    ]
    hessian = [[0.0] * size for _ in range(size)]
    for j in range(size):
        weighted = list(map(mul, weights, design[j]))
        for k in range(j, size):
            value = math.fsum(map(mul, weighted, design[k]))
            hessian[j][k] = hessian[k][j] = value
        if j:
            hessian[j][j] += l2
    step = solve(hessian, g)
    return [t - s for t, s in zip(theta, step, strict=True)]


def solve(matrix: Sequence[Sequence[float]], vector: Sequence[float]) -> list[float]:
    """``x`` with ``matrix @ x == vector`` (Gaussian elimination with partial pivoting)."""
    size = len(vector)
    rows = [[*row, value] for row, value in zip(matrix, vector, strict=True)]
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(rows[r][col]))
        if abs(rows[pivot][col]) < 1e-300:
            raise ArithmeticError("the system is singular")
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(col + 1, size):
            factor = rows[r][col] / rows[col][col]
            if factor:
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col], strict=True)]
    x = [0.0] * size
    for r in reversed(range(size)):
        x[r] = (rows[r][size] - math.fsum(rows[r][c] * x[c] for c in range(r + 1, size))) / rows[r][
            r
        ]
    return x


@dataclass(frozen=True)
class Fit:
    theta: tuple[float, ...]  # the intercept, then the weights
    iterations: int
    converged: bool


def fit(
    columns: Sequence[Column],
    labels: Sequence[int],
    l2: float,
    max_iterations: int = 50,
    tolerance: float = 1e-9,
) -> Fit:
    """Newton's method from all zeros until no coefficient moves by more than ``tolerance``."""
    theta = [0.0] * (len(columns) + 1)
    for iteration in range(1, max_iterations + 1):
        after = newton_step(theta, columns, labels, l2)
        moved = max(abs(a - b) for a, b in zip(after, theta, strict=True))
        theta = after
        if moved < tolerance:
            return Fit(tuple(theta), iteration, True)
    return Fit(tuple(theta), max_iterations, False)


def auc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """The area under the ROC curve: the chance that a positive row scores above a negative
    one (a tie counts half), from the ranks of the scores (Mann-Whitney)."""
    order = sorted(range(len(scores)), key=scores.__getitem__)
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1  # ties share the average rank
        i = j + 1
    positives = sum(labels)
    negatives = len(labels) - positives
    if not positives or not negatives:
        raise ValueError("the AUC needs positive and negative rows")
    ranked = math.fsum(r for r, y in zip(ranks, labels, strict=True) if y)
    return (ranked - positives * (positives + 1) / 2) / (positives * negatives)


def brier(scores: Sequence[float], labels: Sequence[int]) -> float:
    """The mean squared difference between the probability and what happened."""
    return math.fsum((p - y) ** 2 for p, y in zip(scores, labels, strict=True)) / len(labels)


@dataclass(frozen=True)
class Decile:
    """Rows of similar scores: how many, the mean score, and how many became delinquent."""

    rows: int
    predicted: float
    observed: float


def reliability(
    scores: Sequence[float], labels: Sequence[int], groups: int = 10
) -> tuple[Decile, ...]:
    """The rows in ``groups`` groups of (almost) equal size by score, lowest first: calibrated
    scores predict in each what is observed."""
    order = sorted(range(len(scores)), key=lambda i: (scores[i], i))
    found = []
    for g in range(groups):
        part = order[g * len(order) // groups : (g + 1) * len(order) // groups]
        if part:
            found.append(
                Decile(
                    len(part),
                    math.fsum(scores[i] for i in part) / len(part),
                    sum(labels[i] for i in part) / len(part),
                )
            )
    return tuple(found)


@dataclass(frozen=True)
class Evaluation:
    """How the model did on rows it was not fitted on (the latest cut-offs)."""

    rows: int
    positives: int
    auc: float
    brier: float
    base_rate: float  # the share of rows that became delinquent
    deciles: tuple[Decile, ...]

    @classmethod
    def of(cls, scores: Sequence[float], labels: Sequence[int]) -> Evaluation:
        return cls(
            len(labels),
            sum(labels),
            auc(scores, labels),
            brier(scores, labels),
            sum(labels) / len(labels),
            reliability(scores, labels),
        )


@dataclass(frozen=True)
class TrainingWindow:
    """The cut-offs the model was fitted on, those it was evaluated on, and the label."""

    fitted_from: date
    fitted_to: date
    evaluated_from: date
    evaluated_to: date
    horizon_days: int
    delinquent_days: int
    fitted_rows: int
    fitted_positives: int


@dataclass(frozen=True)
class RiskModel:
    version: str
    trained_on: date
    features: tuple[str, ...]
    standardization: Standardization
    intercept: float
    coefficients: tuple[float, ...]
    l2: float
    window: TrainingWindow
    evaluation: Evaluation

    def contributions(self, values: Sequence[float | None]) -> list[float]:
        """Each feature's part of the logit: its coefficient times its standardized value."""
        return [
            c * x
            for c, x in zip(
                self.coefficients, self.standardization.standardized(values), strict=True
            )
        ]

    def logit(self, values: Sequence[float | None]) -> float:
        return self.intercept + math.fsum(self.contributions(values))

    def probability(self, values: Sequence[float | None]) -> float:
        return sigmoid(self.logit(values))
