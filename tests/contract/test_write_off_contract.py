"""Write-offs, against the in-memory fake and DynamoDB alike: a write-off's posting writes its
record with it, once per guard; nothing is written on a ledger that moved or under an id that
names another account's write-off; reinstated records are put whole; write-offs page newest
first, of every account or of one; the small-balance run's mark reads back."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D
from typing import Any

import pytest

from civiq.collections.adapters.dynamodb_write_offs import DynamoSweepMarks, DynamoWriteOffs
from civiq.collections.adapters.memory import InMemorySweepMarks, InMemoryWriteOffs
from civiq.collections.domain.write_offs import (
    Authority,
    WriteOff,
    WriteOffCategory,
    WriteOffIdTaken,
    reinstating,
)
from civiq.core.errors import NotFound
from civiq.ledger.domain.journal import (
    AccountLedger,
    AllocationOrder,
    EntryKind,
    LedgerMoved,
    Posting,
    Source,
    StatementChange,
    allocate,
    append,
    paying,
)
from tests.helpers.owing_books import OwingBooks
from tests.helpers.stores import NOW, Stores


class World(OwingBooks):
    def __init__(self, stores: Stores) -> None:
        super().__init__(stores)
        if self.in_memory:
            self.write_offs: Any = InMemoryWriteOffs(self.ledger)
            self.marks: Any = InMemorySweepMarks()
        else:
            self.write_offs = DynamoWriteOffs()
            self.marks = DynamoSweepMarks()

    def written_off(
        self, basis: AccountLedger, write_off_id: str, amount: str, minutes: int = 0
    ) -> tuple[Posting, WriteOff]:
        """The posting that writes ``amount`` off, and its record."""
        at = NOW + timedelta(minutes=minutes)
        entry = append(
            basis.head,
            account_id=basis.account_id,
            entry_id=write_off_id,
            kind=EntryKind.WRITE_OFF,
            amount=-D(amount),
            occurred_at=at,
            recorded_by="clerk-1",
            reason="written off",
            source=Source("write-off", write_off_id),
        )
        changes, credit = paying(
            basis, allocate(D(amount), basis.open_statements, AllocationOrder.OLDEST_FIRST)
        )
        record = WriteOff(
            write_off_id,
            basis.account_id,
            D(amount),
            WriteOffCategory.UNCOLLECTABLE,
            "gone",
            "clerk-1",
            Authority.CLERK,
            at,
        )
        posting = Posting(basis, f"write-off:{write_off_id}", (entry,), changes, credit)
        return posting, record


@pytest.fixture
def world(stores: Stores) -> World:
    return World(stores)


def test_a_write_off_is_written_with_its_posting_once(world: World) -> None:
    account_id = world.owing(1)
    posting, record = world.written_off(
        world.ledger.state(account_id), "01JWR1TE0FF000000000000001", "40.00"
    )

    assert world.write_offs.post(posting, record)
    assert not world.write_offs.post(posting, record)  # its guard was posted

    ledger = world.ledger.state(account_id)
    assert (ledger.balance, [s.owed for s in ledger.open_statements]) == (
        D("200.00"),
        [D("200.00")],
    )
    assert world.write_offs.find(account_id, record.write_off_id) == record
    assert world.write_offs.get(record.write_off_id) == record
    assert world.write_offs.of_account(account_id) == [record]
    with pytest.raises(NotFound):
        world.write_offs.get("01J00000000000000000000000")
    assert world.write_offs.find(account_id, "01J00000000000000000000000") is None


def test_nothing_is_written_on_a_ledger_that_moved_or_under_a_taken_id(world: World) -> None:
    first, second = world.owing(2), world.owing(3)
    basis = world.ledger.state(first)
    posting, record = world.written_off(basis, "01JWR1TE0FF000000000000002", "10.00")
    assert world.write_offs.post(posting, record)

    stale, other = world.written_off(basis, "01JWR1TE0FF000000000000003", "10.00")
    with pytest.raises(LedgerMoved):
        world.write_offs.post(stale, other)
    taken, again = world.written_off(world.ledger.state(second), record.write_off_id, "10.00")
    with pytest.raises(WriteOffIdTaken):
        world.write_offs.post(taken, replace(again, account_id=second))

    assert world.write_offs.of_account(first) == [record]
    assert world.write_offs.of_account(second) == []
    assert world.ledger.state(second).balance == D("240.00")


def test_reinstated_records_are_put_whole(world: World) -> None:
    account_id = world.owing(4)
    posting, record = world.written_off(
        world.ledger.state(account_id), "01JWR1TE0FF000000000000004", "40.00"
    )
    world.write_offs.post(posting, record)
    basis = world.ledger.state(account_id)
    (after,) = reinstating([record], D("15.00"), date(2026, 12, 4), "PAY-1")
    entry = append(
        basis.head,
        account_id=account_id,
        entry_id="R-1",
        kind=EntryKind.WRITE_OFF,
        amount=D("15.00"),
        occurred_at=NOW,
        recorded_by="system",
        reason="reinstated",
        source=Source("write-off", "R-1"),
    )
    changes = tuple(
        StatementChange(s.statement_id, s.due_on, s.owed + D("15.00"))
        for s in basis.open_statements
    )
    reinstated = Posting(basis, "write-off-reinstated:PAY-1", (entry,), changes, basis.credit)

    assert world.write_offs.post(reinstated, changed=[after])

    assert world.write_offs.get(record.write_off_id) == after
    assert after.left == D("25.00")
    assert world.ledger.state(account_id).balance == D("215.00")


def test_write_offs_page_newest_first_of_every_account_or_one(world: World) -> None:
    first, second = world.owing(5), world.owing(6)
    made = []
    for n, account_id in enumerate((first, second, first)):
        posting, record = world.written_off(
            world.ledger.state(account_id), f"01JWR1TE0FF00000000000001{n}", "5.00", minutes=n
        )
        world.write_offs.post(posting, record)
        made.append(record)

    page = world.write_offs.newest(None, 2, None)
    rest = world.write_offs.newest(None, 2, page.next_cursor)
    of_first = world.write_offs.newest(first, 1, None)

    assert page.items == [made[2], made[1]] and rest.items == [made[0]]
    assert rest.next_cursor is None
    assert of_first.items == [made[2]]
    assert world.write_offs.newest(first, 1, of_first.next_cursor).items == [made[0]]


def test_the_sweep_mark_reads_back(world: World) -> None:
    assert world.marks.last_through() is None
    world.marks.mark(date(2026, 9, 1))
    assert world.marks.last_through() == date(2026, 9, 1)
