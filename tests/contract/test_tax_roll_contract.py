"""Transfers to the tax roll, against the in-memory fake and DynamoDB alike: a noticed transfer
reads back, one at a time per account; listings page newest first by status and by account;
the transfer's posting, record, file line and events are written together, once, and only while
the transfer is as read (nothing written otherwise); ending a noticed transfer lets the account
have another."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal as D
from typing import Any

import pytest

from civiq.collections.adapters.dynamodb_tax_roll import DynamoTaxRoll
from civiq.collections.adapters.memory import InMemoryTaxRoll
from civiq.collections.domain.tax_roll import (
    Debtor,
    LineType,
    SelectedItem,
    TaxRollPolicy,
    TaxRollTransfer,
    TransferMoved,
    TransferStatus,
    cancelled,
    eligible,
    line_of,
    noticed,
    transferred,
)
from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict, NotFound
from civiq.core.events import Actor, DomainEvent
from civiq.ledger.domain.journal import (
    EntryKind,
    LedgerMoved,
    Posting,
    Source,
    StatementChange,
    append,
)
from tests.helpers.owing_books import OwingBooks
from tests.helpers.stores import NOW, Stores

TODAY = date(2027, 1, 15)
ROLL = "0614000123456780000"


class World(OwingBooks):
    def __init__(self, stores: Stores) -> None:
        super().__init__(stores)
        if self.in_memory:
            self.transfers: Any = InMemoryTaxRoll(self.ledger)
        else:
            self.transfers = DynamoTaxRoll()

    def noticed(self, account_id: str, transfer_id: str) -> TaxRollTransfer:
        items = eligible(self.ledger.state(account_id).open_statements, TODAY, 60)
        return noticed(
            transfer_id,
            account_id=account_id,
            account_number=f"UB{account_id[-4:]}",
            roll_number=ROLL,
            debtor=Debtor.OWNER,
            owner_customer_id="C-1",
            owner_name="Holder",
            items=items,
            fee=D("0.00"),
            today=TODAY,
            policy=TaxRollPolicy(),
            by="supervisor-2",
            at=NOW,
        )

    def transferring(self, transfer: TaxRollTransfer) -> tuple[Posting, TaxRollTransfer]:
        """The posting that pays the transfer's items in full, and the transfer after it."""
        basis = self.ledger.state(transfer.account_id)
        owed = transfer.noticed_arrears
        entry = append(
            basis.head,
            account_id=transfer.account_id,
            entry_id=f"TAXROLL-{transfer.transfer_id}",
            kind=EntryKind.TAX_ROLL,
            amount=-owed,
            occurred_at=datetime(2027, 2, 15, 10, tzinfo=UTC),
            recorded_by="civiq-tax-roll",
            reason=f"added to the tax roll of roll number {ROLL}",
            source=Source("tax-roll-transfer", transfer.transfer_id),
        )
        changes = tuple(StatementChange(i.statement_id, i.due_on, D(0)) for i in transfer.items)
        posting = Posting(
            basis, f"tax-roll:{transfer.transfer_id}", (entry,), changes, basis.credit
        )
        taken = [SelectedItem(i.statement_id, i.due_on, i.owed) for i in transfer.items]
        after = transferred(transfer, taken, owed, D(0), date(2027, 2, 15), "civiq-tax-roll")
        return posting, after


def event(account_id: str, name: str) -> DomainEvent:
    return DomainEvent(
        f"EV-{name}-{account_id}",
        "TaxRollTest",
        1,
        NOW,
        Actor("s", "system"),
        "c",
        f"ACCOUNT#{account_id}",
        {"name": name},
    )


def entry(account_id: str, action: str) -> AuditEntry:
    return AuditEntry(
        f"E-{action}-{account_id}", f"ACCOUNT#{account_id}", action, "s", "system", NOW, "c", {}
    )


@pytest.fixture
def world(stores: Stores) -> World:
    return World(stores)


def history(world: World, account_id: str) -> list[str]:
    found = world.stores.audit.entries_for(f"ACCOUNT#{account_id}", 100, None).items
    return sorted(e.action for e in found)


def test_a_noticed_transfer_reads_back_and_one_at_a_time(world: World) -> None:
    account_id = world.owing(1)
    transfer = world.noticed(account_id, "01J00000000000000000000001")

    world.transfers.notice(transfer, [event(account_id, "n")], [entry(account_id, "Noticed")])

    assert world.transfers.get(transfer.transfer_id) == transfer
    assert [i.owed for i in transfer.items] == [D("240.00")]
    with pytest.raises(Conflict, match="noticed"):
        world.transfers.notice(replace(transfer, transfer_id="01J00000000000000000000002"), [], [])
    with pytest.raises(NotFound):
        world.transfers.get("01J00000000000000000000002")
    assert "Noticed" in history(world, account_id) and "TaxRollTest" in history(world, account_id)


def test_listings_page_newest_first_by_status_and_by_account(world: World) -> None:
    first, second, third = world.owing(2), world.owing(3), world.owing(4)
    one = world.noticed(first, "01J00000000000000000000011")
    two = world.noticed(second, "01J00000000000000000000012")
    three = world.noticed(third, "01J00000000000000000000013")
    for transfer in (one, two, three):
        world.transfers.notice(transfer, [], [])
    assert world.transfers.end(three, cancelled(three, "withdrawn", TODAY, "s"), [])

    page = world.transfers.listing(None, None, 2, None)
    rest = world.transfers.listing(None, None, 2, page.next_cursor)
    noticed_now = world.transfers.listing(TransferStatus.NOTICED, None, 10, None)
    of_second = world.transfers.listing(None, second, 10, None)

    assert [t.transfer_id for t in page.items] == [three.transfer_id, two.transfer_id]
    assert [t.transfer_id for t in rest.items] == [one.transfer_id] and rest.next_cursor is None
    assert [t.transfer_id for t in noticed_now.items] == [two.transfer_id, one.transfer_id]
    assert of_second.items == [two]
    assert world.transfers.listing(TransferStatus.CANCELLED, first, 10, None).items == []


def test_the_transfer_is_posted_with_its_record_line_and_events_once(world: World) -> None:
    account_id = world.owing(5)
    transfer = world.noticed(account_id, "01J00000000000000000000021")
    world.transfers.notice(transfer, [], [])
    posting, after = world.transferring(transfer)
    line = line_of(after, date(2027, 2, 15))

    assert world.transfers.post(
        posting, transfer, after, line, [event(account_id, "t")], [entry(account_id, "Moved")]
    )

    assert world.transfers.get(transfer.transfer_id) == after
    ledger = world.ledger.state(account_id)
    assert (ledger.balance, ledger.open_statements) == (D("0.00"), ())
    assert world.transfers.lines(date(2027, 2, 15)) == [line]
    assert line.line_type is LineType.TRANSFER and line.total == D("240.00")
    assert world.transfers.days(10, None).items == [date(2027, 2, 15)]
    assert world.transfers.lines(date(2027, 2, 16)) == []
    assert {"Moved", "TaxRollTest"} <= set(history(world, account_id))
    # the same posting again: its guard was written, nothing changes
    assert not world.transfers.post(posting, after, after, line, [], [])
    # the account may have another transfer now
    world.transfers.notice(world.noticed(account_id, "01J00000000000000000000022"), [], [])


def test_nothing_is_written_when_the_transfer_or_the_ledger_moved(world: World) -> None:
    account_id = world.owing(6)
    transfer = world.noticed(account_id, "01J00000000000000000000031")
    world.transfers.notice(transfer, [], [])
    posting, after = world.transferring(transfer)
    line = line_of(after, date(2027, 2, 15))
    withdrawn = cancelled(transfer, "withdrawn", TODAY, "s")
    assert world.transfers.end(transfer, withdrawn, [entry(account_id, "Withdrawn")])
    assert not world.transfers.end(transfer, withdrawn, [])  # no longer noticed

    with pytest.raises(TransferMoved):
        world.transfers.post(posting, transfer, after, line, [], [])

    assert world.transfers.get(transfer.transfer_id) == withdrawn
    assert world.ledger.state(account_id).balance == D("240.00")
    assert world.transfers.lines(date(2027, 2, 15)) == []
    again = world.noticed(account_id, "01J00000000000000000000032")
    world.transfers.notice(again, [], [])
    moved_on, after = world.transferring(again)
    stale = replace(moved_on, basis=replace(moved_on.basis, head=None))
    with pytest.raises(LedgerMoved):
        world.transfers.post(stale, again, after, line_of(after, TODAY), [], [])
    assert world.transfers.get(again.transfer_id) == again
