"""The risk score stores, against the in-memory fakes and DynamoDB alike: a score reads back as
written (its factors in order), replaces the account's score before it, and is forgotten when
removed; the scores are listed highest first (ties by account id) from a minimum, page by page,
each once; a model reads back exactly, the latest by version, and is kept once."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from civiq.accounts.adapters.memory import InMemoryStore
from civiq.collections.adapters.dynamodb_risk import DynamoRiskModels, DynamoRiskScores
from civiq.collections.adapters.memory import InMemoryRiskModels, InMemoryRiskScores
from civiq.collections.domain.risk_scores import Band, Bands, Factor, RiskScore
from civiq.core.errors import NotFound
from tests.helpers.risk_builders import risk_model
from tests.helpers.stores import Stores

DAY = date(2026, 11, 30)


def scores_of(stores: Stores) -> Any:
    return (
        InMemoryRiskScores() if isinstance(stores.accounts, InMemoryStore) else DynamoRiskScores()
    )


def models_of(stores: Stores) -> Any:
    return (
        InMemoryRiskModels() if isinstance(stores.accounts, InMemoryStore) else DynamoRiskModels()
    )


def account(n: int) -> str:
    return f"01J{n:023d}"


def score(n: int, value: float, on: date = DAY) -> RiskScore:
    return RiskScore(
        account(n),
        value,
        Bands().of(value),
        (
            Factor("days_past_due", 45.0, 1.2345),
            Factor("autopay", 0.0, 0.5),
            Factor("tenure_years", 7.25, -0.1234),
        ),
        "20261130-0123abcd",
        on,
    )


def test_a_score_reads_back_as_written_and_replaces_the_one_before(stores: Stores) -> None:
    scores = scores_of(stores)
    with pytest.raises(NotFound):
        scores.get(account(1))
    scores.write([score(1, 0.4213), score(2, 0.05)])
    assert scores.get(account(1)) == score(1, 0.4213)
    assert scores.get(account(1)).band is Band.HIGH
    later = replace(score(1, 0.0712, on=date(2026, 12, 7)), factors=())
    scores.write([later])
    assert scores.get(account(1)) == later
    assert scores.several([account(1), account(2), account(3)]) == {
        account(1): later,
        account(2): score(2, 0.05),
    }
    assert [s.account_id for s in scores.ranked(0, 10, None).items] == [account(1), account(2)]


def test_a_removed_score_is_gone_and_removing_none_is_harmless(stores: Stores) -> None:
    scores = scores_of(stores)
    scores.write([score(1, 0.3), score(2, 0.2)])
    scores.remove([account(1), account(9)])
    with pytest.raises(NotFound):
        scores.get(account(1))
    assert [s.account_id for s in scores.ranked(0, 10, None).items] == [account(2)]


def test_scores_are_listed_highest_first_from_a_minimum_page_by_page(stores: Stores) -> None:
    scores = scores_of(stores)
    values = [0.9, 0.05, 0.3, 0.3, 0.6123, 0.0, 1.0, 0.2999, 0.45]
    scores.write([score(n, v) for n, v in enumerate(values, 1)])
    expected = sorted(enumerate(values, 1), key=lambda nv: (-nv[1], account(nv[0])))
    listed, cursor, pages = [], None, 0
    while True:
        page = scores.ranked(0.0, 2, cursor)
        listed += [(s.account_id, s.score) for s in page.items]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert listed == [(account(n), v) for n, v in expected]
    assert pages == 5  # nine scores, two a page: the last page says there is no other
    high = scores.ranked(0.3, 10, None)
    assert [s.score for s in high.items] == [1.0, 0.9, 0.6123, 0.45, 0.3, 0.3]
    assert high.next_cursor is None
    assert scores.ranked(0.6124, 10, None).items == [score(7, 1.0), score(1, 0.9)]
    first = scores.ranked(0.3, 3, None)
    rest = scores.ranked(0.3, 3, first.next_cursor)
    assert [s.score for s in rest.items] == [0.45, 0.3, 0.3] and rest.next_cursor is None


def test_a_model_reads_back_exactly_and_the_latest_is_the_last_trained(stores: Stores) -> None:
    models = models_of(stores)
    assert models.latest() is None
    with pytest.raises(NotFound):
        models.get("20261130-0123abcd")
    models.save(risk_model("20261030-ffffffff", date(2026, 10, 30)))
    models.save(risk_model("20261130-0123abcd"))
    assert models.latest() == risk_model("20261130-0123abcd")
    assert models.get("20261030-ffffffff") == risk_model("20261030-ffffffff", date(2026, 10, 30))
    models.save(replace(risk_model("20261130-0123abcd"), l2=5.0))  # the same version: kept once
    assert models.get("20261130-0123abcd").l2 == 1.0
