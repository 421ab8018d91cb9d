"""What the portal offers for arrears: the policy's smallest down payment, as many monthly
instalments as keep each at the policy's minimum, the first a month off (or sooner, if the
policy says so), and nothing when nothing is past due or monthly instalments are not offered."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from civiq.collections.domain.arrangements import ArrangementPolicy, InstalmentFrequency
from civiq.portal.domain.arrangement_offers import first_due, offer_for

TODAY = date(2026, 1, 31)


def test_the_instalments_offered_keep_each_at_the_minimum() -> None:
    offer = offer_for(D("240.00"), ArrangementPolicy(), TODAY)
    assert offer is not None
    assert [c.instalments for c in offer.choices] == list(range(1, 10))
    assert offer.choices[2].each == D("80.00") and offer.choices[6].each == D("34.29")
    assert offer.down_payment == 0 and offer.allows(9) and not offer.allows(10)


def test_a_small_debt_is_offered_one_instalment_and_a_large_one_the_policys_most() -> None:
    small = offer_for(D("30.00"), ArrangementPolicy(), TODAY)
    large = offer_for(D("9000.00"), ArrangementPolicy(max_instalments=6), TODAY)
    assert small is not None and [c.instalments for c in small.choices] == [1]
    assert large is not None and [c.instalments for c in large.choices] == [1, 2, 3, 4, 5, 6]


def test_the_down_payment_is_the_policys_share_rounded_to_the_cent() -> None:
    offer = offer_for(D("100.01"), ArrangementPolicy(min_down_payment_percent=D("25")), TODAY)
    assert offer is not None and offer.down_payment == D("25.00")
    assert offer.choices[0].each == D("75.01")


def test_the_first_instalment_is_a_month_off_or_sooner_if_the_policy_says() -> None:
    assert first_due(TODAY, ArrangementPolicy()) == date(2026, 2, 28)
    assert first_due(TODAY, ArrangementPolicy(max_days_to_first_instalment=14)) == date(2026, 2, 14)


def test_nothing_is_offered_without_arrears_or_monthly_instalments() -> None:
    weekly = ArrangementPolicy(frequencies=frozenset({InstalmentFrequency.WEEKLY}))
    assert offer_for(D(0), ArrangementPolicy(), TODAY) is None
    assert offer_for(D("100.00"), weekly, TODAY) is None
