"""An account's score as staff see it: its band, its largest factors (signed, worded in English
and French), and when a new score is worth writing over the old one."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from civiq.collections.domain.risk_features import FEATURES
from civiq.collections.domain.risk_model import RiskModel, sigmoid
from civiq.collections.domain.risk_scores import (
    Band,
    Bands,
    Factor,
    RiskScore,
    score_account,
)
from civiq.core.language import Language
from tests.helpers.risk_builders import risk_model

DAY = date(2026, 11, 30)


def model(coefficients: list[float]) -> RiskModel:
    """Every feature taken as it is (mean 0, scale 1)."""
    return risk_model(
        "20261130-abcdef12", coefficients=coefficients, intercept=-3.0, standardized=False
    )


def test_bands_start_where_the_municipality_says() -> None:
    bands = Bands(0.1, 0.3)
    assert [bands.of(s) for s in (0.0, 0.0999, 0.1, 0.2999, 0.3, 1.0)] == [
        Band.LOW,
        Band.LOW,
        Band.MEDIUM,
        Band.MEDIUM,
        Band.HIGH,
        Band.HIGH,
    ]
    with pytest.raises(ValueError):
        Bands(0.3, 0.1)


def test_the_largest_contributions_are_the_factors_signed_and_an_unknown_one_never() -> None:
    coefficients = [0.0] * len(FEATURES)
    index = FEATURES.index
    coefficients[index("on_time_share")] = 2.0  # unknown below: contributes nothing
    coefficients[index("autopay")] = -1.5
    coefficients[index("days_past_due")] = 0.05
    coefficients[index("penalties")] = 0.4
    coefficients[index("tenure_years")] = -0.01
    values: list[float | None] = [0.0] * len(FEATURES)
    values[index("on_time_share")] = None
    values[index("autopay")] = 1.0
    values[index("days_past_due")] = 30.0
    values[index("penalties")] = 2.0
    values[index("tenure_years")] = 4.0
    scored = score_account(model(coefficients), "01J00000000000000000000001", values, Bands(), DAY)
    assert [(f.feature, f.value, f.contribution) for f in scored.factors] == [
        ("autopay", 1.0, -1.5),
        ("days_past_due", 30.0, 1.5),
        ("penalties", 2.0, 0.8),
    ]
    assert scored.score == round(sigmoid(-3.0 - 1.5 + 1.5 + 0.8 - 0.04), 4)
    assert scored.band is Band.LOW and scored.model_version == "20261130-abcdef12"
    assert [f.raises for f in scored.factors] == [False, True, True]


@pytest.mark.parametrize(
    ("feature", "value", "english", "french"),
    [
        (
            "on_time_share",
            0.5,
            "Paid 50% of the past year's bills by their due date",
            "A payé 50\u00a0% des factures de la dernière année à l'échéance",
        ),
        (
            "average_days_late",
            12.4,
            "Paid 12 days after the due date on average",
            "A payé en moyenne 12\u00a0jours après l'échéance",
        ),
        ("average_days_late", 0.2, "Paid by the due date", "A payé à l'échéance ou avant"),
        (
            "returned_payments",
            1,
            "1 payment returned (NSF or charged back) in the past year",
            "1 paiement retourné (sans provision ou contesté) dans la dernière année",
        ),
        (
            "penalties",
            3,
            "3 late-payment penalties in the past year",
            "3 pénalités de retard dans la dernière année",
        ),
        (
            "broken_arrangements",
            0,
            "No payment arrangement broken in two years",
            "Aucune entente de paiement rompue en deux ans",
        ),
        (
            "arrangement_in_force",
            1,
            "A payment arrangement is in force",
            "Une entente de paiement est en vigueur",
        ),
        ("autopay", 1, "Pays by autopay", "Paie par prélèvement automatique"),
        ("tenure_years", 3.25, "Account open for 3.2 years", "Compte ouvert depuis 3,2\u00a0ans"),
        (
            "tenure_years",
            0.4,
            "Account open for less than a year",
            "Compte ouvert depuis moins d'un an",
        ),
        (
            "balance_trend",
            1.5,
            "Balance grew by 1.5 times a typical bill over six months",
            "Le solde a augmenté de 1,5\u00a0fois une facture habituelle en six mois",
        ),
        (
            "balance_trend",
            -0.8,
            "Balance fell by 0.8 times a typical bill over six months",
            "Le solde a diminué de 0,8\u00a0fois une facture habituelle en six mois",
        ),
        ("past_due_bills", 0, "Nothing past due", "Rien en souffrance"),
        (
            "past_due_bills",
            1.25,
            "Owes 1.2 times a typical bill past due",
            "Doit 1,2\u00a0fois une facture habituelle en souffrance",
        ),
        (
            "days_past_due",
            1,
            "Oldest amount past due for 1 day",
            "Montant le plus ancien en souffrance depuis 1\u00a0jour",
        ),
    ],
)
def test_each_factor_is_worded_in_english_and_french(
    feature: str, value: float, english: str, french: str
) -> None:
    factor = Factor(feature, value, 0.5)
    assert (factor.worded(Language.EN), factor.worded(Language.FR)) == (english, french)


def test_every_feature_has_its_wording() -> None:
    for feature in FEATURES:
        for value in (0.0, 1.0, 2.0):
            assert Factor(feature, value, 1.0).worded(Language.FR)


def scored(score: float, *features: str, version: str = "v1") -> RiskScore:
    factors = tuple(Factor(f, 1.0, 0.5) for f in features)
    return RiskScore("01J00000000000000000000001", score, Bands().of(score), factors, version, DAY)


def test_a_score_is_written_again_only_when_it_says_something_new() -> None:
    before = scored(0.2000, "penalties", "autopay")
    assert scored(0.2099, "penalties", "autopay").moved_from(before) is False
    assert scored(0.2100, "penalties", "autopay").moved_from(before)  # moved a point
    assert scored(0.2050, "autopay", "penalties").moved_from(before)  # other factors first
    assert scored(0.2000, "penalties", "autopay", version="v2").moved_from(before)
    assert scored(0.2990, "penalties", "autopay").moved_from(scored(0.3000, "penalties", "autopay"))
    assert scored(0.2000, "penalties").moved_from(None)
    assert replace(before, scored_on=date(2026, 12, 7)).moved_from(before) is False
