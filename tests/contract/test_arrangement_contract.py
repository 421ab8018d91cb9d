"""Arrangements, against the in-memory fake and DynamoDB alike: an arrangement reads back as
made (its terms and instalments to the cent), and a second one is refused, keeping nothing,
while one is in force."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D
from typing import Any

import pytest

from civiq.accounts.adapters.memory import InMemoryStore
from civiq.collections.adapters.dynamodb import DynamoArrangements
from civiq.collections.adapters.memory import InMemoryArrangements
from civiq.collections.domain.arrangements import (
    Arrangement,
    ArrangementPolicy,
    ArrangementTerms,
    InstalmentFrequency,
    instalments,
)
from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict
from tests.helpers.stores import NOW, Stores

ACCOUNT = "01HACCOUNT0000000000000001"
POLICY = ArrangementPolicy(interest_percent_per_year=D("7.5"))


def arrangements_of(stores: Stores) -> Any:
    if isinstance(stores.accounts, InMemoryStore):
        return InMemoryArrangements()
    return DynamoArrangements()


def arrangement(arrangement_id: str, minutes: int = 0) -> Arrangement:
    terms = ArrangementTerms(
        D("1234.57"), D("100.00"), 5, InstalmentFrequency.BIWEEKLY, date(2026, 12, 14), NOW.date()
    )
    return Arrangement(
        arrangement_id,
        ACCOUNT,
        terms,
        instalments(terms, POLICY),
        "clerk-1",
        NOW + timedelta(minutes=minutes),
    )


def entry(made: Arrangement) -> AuditEntry:
    return AuditEntry(
        f"E-{made.arrangement_id}",
        f"ACCOUNT#{ACCOUNT}",
        "ArrangementMade",
        "clerk-1",
        "clerk",
        made.made_at,
        "corr",
        {"arrangement_id": made.arrangement_id},
    )


def test_an_arrangement_reads_back_as_made(stores: Stores) -> None:
    kept = arrangements_of(stores)
    made = arrangement("A1")

    kept.make(made, entry(made))

    assert kept.of_account(ACCOUNT) == [made]
    assert kept.of_account("01HACCOUNT0000000000000002") == []
    assert sum((i.amount for i in made.instalments), D(0)) > D("1134.57")  # interest added


def test_one_arrangement_is_in_force_at_a_time(stores: Stores) -> None:
    kept = arrangements_of(stores)
    first = arrangement("A1")
    kept.make(first, entry(first))
    second = arrangement("A2", minutes=5)

    with pytest.raises(Conflict):
        kept.make(second, entry(second))

    assert kept.of_account(ACCOUNT) == [first]
