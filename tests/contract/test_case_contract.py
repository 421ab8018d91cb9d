"""Collection cases, against the in-memory fake and DynamoDB alike: a case reads back as opened;
one case at a time per account; a change is written only while the case and the account's
ledger are as the decision read them (nothing written otherwise); a closed case leaves the
current ones; staff tasks page oldest first; ladders and the opening mark read back."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D
from typing import Any

import pytest

from civiq.collections.adapters.dynamodb_cases import (
    DynamoCases,
    DynamoLadders,
    DynamoOpeningMarks,
)
from civiq.collections.adapters.memory import InMemoryCases, InMemoryLadders, InMemoryOpeningMarks
from civiq.collections.domain.contacts import Contact, ContactChannel, ContactOutcome
from civiq.collections.domain.dunning import (
    CaseEnd,
    CaseMoved,
    CaseStatus,
    CollectionTask,
    CustomerClass,
    DunningPolicy,
    Promise,
    advance,
    assigned,
    close,
    open_case,
    past_due,
    pause,
    promised,
)
from civiq.collections.ports import CaseChange
from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict
from civiq.ledger.domain.journal import LedgerMoved
from tests.helpers.owing_books import OwingBooks
from tests.helpers.stores import NOW, Stores

LADDER = DunningPolicy().default_ladder(CustomerClass.RESIDENTIAL, "utility")


class World(OwingBooks):
    def __init__(self, stores: Stores) -> None:
        super().__init__(stores)
        if self.in_memory:
            self.cases: Any = InMemoryCases(self.ledger)
            self.ladders: Any = InMemoryLadders()
            self.marks: Any = InMemoryOpeningMarks()
        else:
            self.cases = DynamoCases()
            self.ladders = DynamoLadders()
            self.marks = DynamoOpeningMarks()

    def opened(self, account_id: str, on: date = date(2026, 11, 20)) -> CaseChange:
        ledger = self.ledger.state(account_id)
        case = open_case(
            f"C-{account_id[-4:]}", account_id, LADDER, past_due(ledger.open_statements, on), on
        )
        assert case is not None
        head = ledger.head.sequence if ledger.head else 0
        opening = entry(account_id, f"CollectionCaseOpened-{on.isoformat()}")
        return CaseChange(case, head, entries=[opening])


def entry(account_id: str, action: str) -> AuditEntry:
    return AuditEntry(
        f"E-{account_id}-{action}", f"ACCOUNT#{account_id}", action, "s", "system", NOW, "c", {}
    )


@pytest.fixture
def world(stores: Stores) -> World:
    return World(stores)


def test_a_case_reads_back_as_opened_and_one_at_a_time(world: World) -> None:
    account_id = world.owing(1)
    change = world.opened(account_id)

    world.cases.open(change)

    assert world.cases.current(account_id) == change.after
    assert world.cases.of_account(account_id) == [change.after]
    assert change.after.past_due == D("240.00")
    with pytest.raises(Conflict):
        world.cases.open(replace(change, after=replace(change.after, case_id="C-OTHER")))
    assert world.cases.of_account(account_id) == [change.after]


def test_a_change_is_written_only_while_the_case_and_the_ledger_are_as_read(world: World) -> None:
    account_id = world.owing(2)
    opened = world.opened(account_id)
    world.cases.open(opened)
    case = opened.after
    on = date(2026, 11, 19)
    reached = advance(
        LADDER, case, past_due(world.ledger.state(account_id).open_statements, on), on
    )
    assert reached.reached is not None
    task = CollectionTask("T-1", case.case_id, account_id, "reminder", on)

    with pytest.raises(LedgerMoved):  # the ledger moved since the decision read it
        world.cases.save(case, CaseChange(reached.case, opened.ledger_sequence + 1, tasks=[task]))
    assert world.cases.current(account_id) == case
    world.cases.save(case, CaseChange(reached.case, opened.ledger_sequence, tasks=[task]))
    with pytest.raises(CaseMoved):  # decided on the case as it was before
        world.cases.save(case, CaseChange(pause(case, "dispute", on)))

    assert world.cases.current(account_id) == reached.case
    assert world.cases.of_account(account_id) == [reached.case]
    assert world.cases.open_tasks(10, None).items == [task]


def test_a_closed_case_leaves_the_current_ones(world: World) -> None:
    first, second = world.owing(3), world.owing(4)
    for account_id in (first, second):
        world.cases.open(world.opened(account_id))
    case = world.cases.current(first)
    closed = close(case, past_due((), date(2026, 12, 1)), date(2026, 12, 1), CaseEnd.PAID)

    world.cases.save(case, CaseChange(closed))

    assert world.cases.current(first) is None
    assert world.cases.of_account(first)[0].status is CaseStatus.CLOSED
    page = world.cases.current_cases(10, None)
    assert [c.account_id for c in page.items] == [second]
    world.cases.open(world.opened(first, on=date(2026, 12, 2)))  # a new case may open now
    assert len(world.cases.of_account(first)) == 2


def test_tasks_page_oldest_first(world: World) -> None:
    account_id = world.owing(5)
    opened = world.opened(account_id)
    world.cases.open(opened)
    tasks = [
        CollectionTask(f"T-{n}", opened.after.case_id, account_id, "escalation", date(2026, 12, n))
        for n in (3, 1, 2)
    ]
    paused = pause(opened.after, "dispute", date(2026, 12, 3))
    world.cases.save(opened.after, CaseChange(paused, tasks=tasks))

    first = world.cases.open_tasks(2, None)
    rest = world.cases.open_tasks(2, first.next_cursor)

    assert [t.task_id for t in first.items] == ["T-1", "T-2"] and first.next_cursor
    assert [t.task_id for t in rest.items] == ["T-3"] and rest.next_cursor is None


def test_ladders_and_the_opening_mark_read_back(world: World) -> None:
    own = replace(LADDER, customer_class=CustomerClass.COMMERCIAL, days_between_stages=3)
    world.ladders.put(own, entry("LADDER", "CollectionLadderSet"))
    assert world.ladders.stored() == [own]
    assert world.marks.last_opened_through() is None
    world.marks.mark(date(2026, 12, 5))
    assert world.marks.last_opened_through() == date(2026, 12, 5)


def test_worklists_hold_each_staff_members_cases_most_past_due_first(world: World) -> None:
    small, large = world.owing(6, "40.00"), world.owing(7, "400.00")
    for account_id in (small, large):
        world.cases.open(world.opened(account_id))

    assert [c.account_id for c in world.cases.worklist(None, 10, None).items] == [large, small]
    case = world.cases.current(small)
    world.cases.save(case, CaseChange(assigned(case, "staff-7", date(2026, 11, 21))))

    assert [c.account_id for c in world.cases.worklist("staff-7", 10, None).items] == [small]
    first = world.cases.worklist(None, 1, None)
    assert [c.account_id for c in first.items] == [large] and first.next_cursor is None


def test_worklists_rank_by_risk_times_what_is_past_due(world: World) -> None:
    """$400 at a 10 % risk stands to lose $40, $100 at 90 % $90, $60 unscored all of it: the
    worklist reads them most exposed first, and the risk reads back as it was written."""
    likely, unlikely, unscored = world.owing(9, "100.00"), world.owing(10, "400.00"), None
    unscored = world.owing(11, "60.00")
    for account_id, risk in ((likely, 0.9), (unlikely, 0.1), (unscored, None)):
        opened = world.opened(account_id)
        world.cases.open(replace(opened, after=replace(opened.after, risk=risk)))

    ranked = world.cases.worklist(None, 10, None).items
    assert [c.account_id for c in ranked] == [likely, unscored, unlikely]
    assert [c.risk for c in ranked] == [0.9, None, 0.1]
    first = world.cases.worklist(None, 2, None)
    rest = world.cases.worklist(None, 2, first.next_cursor)
    assert [c.account_id for c in (*first.items, *rest.items)] == [likely, unscored, unlikely]


def test_contacts_are_kept_with_the_change_of_their_case(world: World) -> None:
    account_id = world.owing(8)
    opened = world.opened(account_id)
    world.cases.open(opened)
    on = date(2026, 11, 25)
    contacts = [
        Contact(
            f"K-{n}",
            account_id,
            opened.after.case_id,
            NOW + timedelta(minutes=n),
            "staff-7",
            ContactChannel.PHONE,
            outcome,
            None,
            amount,
            by,
        )
        for n, (outcome, amount, by) in enumerate(
            [
                (ContactOutcome.NO_ANSWER, None, None),
                (ContactOutcome.PROMISE_TO_PAY, D("120.00"), date(2026, 12, 5)),
            ]
        )
    ]
    promise = Promise(D("120.00"), date(2026, 12, 5), "K-1")

    world.cases.save(
        opened.after, CaseChange(promised(opened.after, promise, on), contacts=contacts)
    )

    assert world.cases.contacts(account_id) == contacts[::-1]  # newest first
    assert world.cases.current(account_id).promise == promise
