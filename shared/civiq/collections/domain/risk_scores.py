"""An account's delinquency risk score as staff see it: the probability, its band, and the
factors that moved it most, worded in English and French.

**What a score is for, and what it is never for.** A score orders the collections worklist and
says which accounts to offer a payment arrangement before they fall behind. It never moves an
account along the collection stages, never sends a notice, and never refuses anything by itself:
those follow the account's ledger and the municipality's rules, whatever its score. Nothing that
decides a stage reads a score.

A factor is a feature's *contribution* to the score (its coefficient times its standardized
value, see :mod:`civiq.collections.domain.risk_model`): positive raises the risk, negative
lowers it. The factors shown are the ``TOP_FACTORS`` largest in size; one of no contribution
(an unknown value, or the training average exactly) is never shown.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from civiq.collections.domain.risk_model import RiskModel, sigmoid
from civiq.core.language import Language

TOP_FACTORS = 3
SCORE_PLACES = 4
CHANGED_BY = 0.01  # a score that moved less (same band, same factors) is not written again
NBSP = "\u00a0"


class Band(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class Bands:
    """Where a score's band starts (a municipality's own choice: 10% and 30% by default)."""

    medium: float = 0.10
    high: float = 0.30

    def __post_init__(self) -> None:
        if not 0 < self.medium < self.high < 1:
            raise ValueError("the bands start at 0 < medium < high < 1")

    def of(self, score: float) -> Band:
        if score >= self.high:
            return Band.HIGH
        return Band.MEDIUM if score >= self.medium else Band.LOW


@dataclass(frozen=True, slots=True)
class Factor:
    feature: str
    value: float
    contribution: float  # to the logit: > 0 raises the risk, < 0 lowers it

    @property
    def raises(self) -> bool:
        return self.contribution > 0

    def worded(self, language: Language) -> str:
        return WORDING[self.feature](self.value, language)


@dataclass(frozen=True)
class RiskScore:
    account_id: str
    score: float  # the probability of becoming 60 days delinquent within 90 days
    band: Band
    factors: tuple[Factor, ...]  # the largest contributions, largest first
    model_version: str
    scored_on: date

    def moved_from(self, before: RiskScore | None) -> bool:
        """Whether this score says something ``before`` did not: another model, band or set of
        factors, or a probability that moved by ``CHANGED_BY`` or more (a run writes only the
        scores that moved: most accounts' do not from one week to the next)."""
        return (
            before is None
            or before.model_version != self.model_version
            or before.band is not self.band
            or round(abs(before.score - self.score), SCORE_PLACES) >= CHANGED_BY
            or [f.feature for f in before.factors] != [f.feature for f in self.factors]
        )


@dataclass(frozen=True)
class ScoringChunk:
    """Accounts to score as they stood at the end of ``scored_on``, with one model (a run's
    accounts are scored in chunks, each on its own)."""

    model_version: str
    scored_on: date
    account_ids: tuple[str, ...]


def score_account(
    model: RiskModel,
    account_id: str,
    values: Sequence[float | None],
    bands: Bands,
    on: date,
) -> RiskScore:
    """The account's score from its features on ``on``, with its largest factors."""
    contributions = model.contributions(values)
    score = round(sigmoid(model.intercept + math.fsum(contributions)), SCORE_PLACES)
    ranked = sorted(range(len(contributions)), key=lambda j: (-abs(contributions[j]), j))
    factors = tuple(
        Factor(model.features[j], round(float(values[j] or 0.0), 4), round(contributions[j], 4))
        for j in ranked[:TOP_FACTORS]
        if values[j] is not None and round(contributions[j], 4)
    )
    return RiskScore(account_id, score, bands.of(score), factors, model.version, on)


def _number(value: float, language: Language, places: int = 1) -> str:
    text = f"{value:.{places}f}"
    return text.replace(".", ",") if language is Language.FR else text


def _count(
    value: float,
    language: Language,
    none: tuple[str, str],
    one: tuple[str, str],
    many: tuple[str, str],
) -> str:
    n = round(value)
    en, fr = none if n == 0 else one if n == 1 else many
    return (en if language is Language.EN else fr).format(n=n)


def _on_time(value: float, language: Language) -> str:
    percent = round(value * 100)
    if language is Language.EN:
        return f"Paid {percent}% of the past year's bills by their due date"
    return f"A payé {percent}{NBSP}% des factures de la dernière année à l'échéance"


def _days_late(value: float, language: Language) -> str:
    days = round(value)
    if days == 0:
        return "Paid by the due date" if language is Language.EN else "A payé à l'échéance ou avant"
    if language is Language.EN:
        return f"Paid {days} day{'s' if days > 1 else ''} after the due date on average"
    return f"A payé en moyenne {days}{NBSP}jour{'s' if days > 1 else ''} après l'échéance"


def _returned(value: float, language: Language) -> str:
    return _count(
        value,
        language,
        ("No payment returned in the past year", "Aucun paiement retourné dans la dernière année"),
        (
            "1 payment returned (NSF or charged back) in the past year",
            "1 paiement retourné (sans provision ou contesté) dans la dernière année",
        ),
        (
            "{n} payments returned (NSF or charged back) in the past year",
            "{n} paiements retournés (sans provision ou contestés) dans la dernière année",
        ),
    )


def _penalties(value: float, language: Language) -> str:
    return _count(
        value,
        language,
        (
            "No late-payment penalty in the past year",
            "Aucune pénalité de retard dans la dernière année",
        ),
        ("1 late-payment penalty in the past year", "1 pénalité de retard dans la dernière année"),
        (
            "{n} late-payment penalties in the past year",
            "{n} pénalités de retard dans la dernière année",
        ),
    )


def _broken(value: float, language: Language) -> str:
    return _count(
        value,
        language,
        (
            "No payment arrangement broken in two years",
            "Aucune entente de paiement rompue en deux ans",
        ),
        ("1 payment arrangement broken in two years", "1 entente de paiement rompue en deux ans"),
        (
            "{n} payment arrangements broken in two years",
            "{n} ententes de paiement rompues en deux ans",
        ),
    )


def _in_force(value: float, language: Language) -> str:
    if value:
        return (
            "A payment arrangement is in force"
            if language is Language.EN
            else "Une entente de paiement est en vigueur"
        )
    return (
        "No payment arrangement in force"
        if language is Language.EN
        else "Aucune entente de paiement en vigueur"
    )


def _autopay(value: float, language: Language) -> str:
    if value:
        return "Pays by autopay" if language is Language.EN else "Paie par prélèvement automatique"
    return (
        "Not on autopay" if language is Language.EN else "Ne paie pas par prélèvement automatique"
    )


def _tenure(value: float, language: Language) -> str:
    if value < 1:
        return (
            "Account open for less than a year"
            if language is Language.EN
            else "Compte ouvert depuis moins d'un an"
        )
    years = _number(value, language)
    if language is Language.EN:
        return f"Account open for {years} years"
    return f"Compte ouvert depuis {years}{NBSP}ans"


def _trend(value: float, language: Language) -> str:
    bills = _number(abs(value), language)
    if round(value, 1) == 0:
        return (
            "Balance steady over six months"
            if language is Language.EN
            else "Solde stable depuis six mois"
        )
    if language is Language.EN:
        way = "grew" if value > 0 else "fell"
        return f"Balance {way} by {bills} times a typical bill over six months"
    way = "augmenté" if value > 0 else "diminué"
    return f"Le solde a {way} de {bills}{NBSP}fois une facture habituelle en six mois"


def _past_due_bills(value: float, language: Language) -> str:
    if round(value, 1) == 0:
        return "Nothing past due" if language is Language.EN else "Rien en souffrance"
    bills = _number(value, language)
    if language is Language.EN:
        return f"Owes {bills} times a typical bill past due"
    return f"Doit {bills}{NBSP}fois une facture habituelle en souffrance"


def _days_past_due(value: float, language: Language) -> str:
    days = round(value)
    if days == 0:
        return "Nothing past due" if language is Language.EN else "Rien en souffrance"
    if language is Language.EN:
        return f"Oldest amount past due for {days} day{'s' if days > 1 else ''}"
    return f"Montant le plus ancien en souffrance depuis {days}{NBSP}jour{'s' if days > 1 else ''}"


WORDING: dict[str, Callable[[float, Language], str]] = {
    "on_time_share": _on_time,
    "average_days_late": _days_late,
    "returned_payments": _returned,
    "penalties": _penalties,
    "broken_arrangements": _broken,
    "arrangement_in_force": _in_force,
    "autopay": _autopay,
    "tenure_years": _tenure,
    "balance_trend": _trend,
    "past_due_bills": _past_due_bills,
    "days_past_due": _days_past_due,
}
