"""Arrangements, against the in-memory fake and DynamoDB alike: an arrangement reads back as
made (its terms and instalments to the cent); a second one is refused, keeping nothing, while
one is in force; the arrangements due for their check are found by day, checked again later or
ended once (newest first)."""

from __future__ import annotations

from dataclasses import replace
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
    ArrangementStatus,
    ArrangementTerms,
    InstalmentFrequency,
    instalments,
)
from civiq.core.errors import Conflict
from civiq.core.events import Actor, DomainEvent
from tests.helpers.stores import NOW, Stores

ACCOUNT = "01HACCOUNT0000000000000001"
POLICY = ArrangementPolicy(interest_percent_per_year=D("7.5"))
FIRST_CHECK = date(2026, 12, 20)


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
        ledger_head=7,
    )


def entry(made: Arrangement, action: str = "ArrangementCreated") -> DomainEvent:
    return DomainEvent(
        f"E-{made.arrangement_id}-{action}",
        action,
        1,
        made.made_at,
        Actor("clerk-1", "clerk"),
        "corr",
        f"ACCOUNT#{ACCOUNT}",
        {"arrangement_id": made.arrangement_id},
    )


def test_an_arrangement_reads_back_as_made(stores: Stores) -> None:
    kept = arrangements_of(stores)
    made = arrangement("A1")

    kept.make(made, FIRST_CHECK, entry(made))

    assert kept.of_account(ACCOUNT) == [made]
    assert kept.of_account("01HACCOUNT0000000000000002") == []
    assert sum((i.amount for i in made.instalments), D(0)) > D("1134.57")  # interest added


def test_one_arrangement_is_in_force_at_a_time(stores: Stores) -> None:
    kept = arrangements_of(stores)
    first = arrangement("A1")
    kept.make(first, FIRST_CHECK, entry(first))
    second = arrangement("A2", minutes=5)

    with pytest.raises(Conflict):
        kept.make(second, FIRST_CHECK, entry(second))

    assert kept.of_account(ACCOUNT) == [first]


def test_the_arrangements_due_for_their_check_are_found_checked_again_and_ended(
    stores: Stores,
) -> None:
    kept = arrangements_of(stores)
    made = arrangement("A1")
    kept.make(made, FIRST_CHECK, entry(made))

    assert kept.due_for_check(FIRST_CHECK - timedelta(days=1)) == []
    assert kept.due_for_check(FIRST_CHECK) == [made]
    kept.recheck(made, date(2027, 1, 3))
    assert kept.due_for_check(date(2027, 1, 2)) == []
    assert kept.due_for_check(date(2027, 1, 3)) == [made]

    broken = replace(made, status=ArrangementStatus.BROKEN, ended_on=date(2027, 1, 3))
    assert kept.end(made, broken, [entry(made, "ArrangementBroken")])
    assert not kept.end(made, broken, [entry(made, "ArrangementBroken")])  # a rerun: nothing
    kept.recheck(made, date(2027, 2, 1))  # a check that raced the end: nothing happens

    assert kept.due_for_check(date(2027, 12, 31)) == []
    assert kept.of_account(ACCOUNT) == [broken]
    second = arrangement("A2", minutes=5)
    kept.make(second, FIRST_CHECK, entry(second))  # none in force any more
    assert [a.arrangement_id for a in kept.of_account(ACCOUNT)] == ["A2", "A1"]


def test_the_arrangements_in_force_page_the_next_to_be_checked_first(stores: Stores) -> None:
    kept = arrangements_of(stores)
    accounts = [f"01HACCOUNT00000000000000{n:02d}" for n in (11, 12, 13)]
    checks = [date(2027, 1, 9), date(2026, 12, 20), date(2027, 1, 2)]
    made = []
    for n, (account_id, check) in enumerate(zip(accounts, checks, strict=True)):
        one = replace(arrangement(f"F{n}", minutes=n), account_id=account_id)
        kept.make(one, check, entry(one))
        made.append(one)
    kept.end(made[2], replace(made[2], status=ArrangementStatus.COMPLETED), [])

    first = kept.in_force(1, None)
    rest = kept.in_force(5, first.next_cursor)

    assert [a.arrangement_id for a in first.items] == ["F1"]  # checked on December 20
    assert [a.arrangement_id for a in rest.items] == ["F0"] and rest.next_cursor is None
