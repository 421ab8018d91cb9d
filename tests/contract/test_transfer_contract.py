"""One contract, two implementations: transfers in memory and on DynamoDB list alike by status."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from civiq.accounts.adapters.dynamodb_workflows import DynamoTransfers
from civiq.accounts.adapters.memory import InMemoryStore, InMemoryTransfers
from civiq.accounts.domain.moves import FinalReading
from civiq.accounts.domain.transfers import Decision, Transfer, TransferStatus
from civiq.core.events import Actor

SUBMITTED_AT = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
CLOSING = date(2026, 12, 15)
SUBMITTER = Actor("supervisor-1", "supervisor")
APPROVER = Actor("supervisor-2", "supervisor")


@pytest.fixture(params=["memory", "dynamodb"])
def transfers(request: pytest.FixtureRequest) -> Any:
    if request.param == "memory":
        return InMemoryTransfers(InMemoryStore())
    request.getfixturevalue("aws")
    return DynamoTransfers()


def submitted(transfers: Any, n: int, minutes: int) -> Transfer:
    transfer = Transfer(
        transfer_id=f"TR{n}",
        property_id=f"P{n}",
        seller_customer_id=f"SELLER{n}",
        buyer_customer_id=f"BUYER{n}",
        closing_date=CLOSING,
        final_reading=FinalReading.estimated(CLOSING),
        seller_account_ids=(f"A{n}",),
        submitted_at=SUBMITTED_AT + timedelta(minutes=minutes),
        submitted_by=SUBMITTER,
    )
    transfers.create(transfer)
    return transfer


def awaiting(transfers: Any, transfer: Transfer) -> Transfer:
    after = transfer.awaiting(f"token-{transfer.transfer_id}")
    transfers.update(transfer, after)
    return after


def ids(transfers: Any, status: TransferStatus, limit: int = 10) -> list[list[str]]:
    """Every page's transfer ids, following the cursors."""
    pages, cursor = [], None
    while True:
        page = transfers.with_status(status, limit, cursor)
        pages.append([t.transfer_id for t in page.items])
        cursor = page.next_cursor
        if cursor is None:
            return pages


def test_transfers_list_by_status_oldest_submitted_first(transfers: Any) -> None:
    for n, minutes in [(1, 5), (2, 1), (3, 9)]:
        awaiting(transfers, submitted(transfers, n, minutes))
    assert ids(transfers, TransferStatus.AWAITING_APPROVAL) == [["TR2", "TR1", "TR3"]]
    assert ids(transfers, TransferStatus.SUBMITTED) == [[]]


def test_a_transfer_leaves_its_status_list_when_its_status_changes(transfers: Any) -> None:
    waiting = awaiting(transfers, submitted(transfers, 1, 0))
    still = awaiting(transfers, submitted(transfers, 2, 1))
    fresh = submitted(transfers, 3, 2)
    approved = waiting.decided(Decision.APPROVE, APPROVER, SUBMITTED_AT + timedelta(hours=1))
    transfers.update(waiting, approved)
    assert ids(transfers, TransferStatus.AWAITING_APPROVAL) == [[still.transfer_id]]
    assert ids(transfers, TransferStatus.APPROVED) == [["TR1"]]
    assert ids(transfers, TransferStatus.SUBMITTED) == [[fresh.transfer_id]]
    listed = transfers.with_status(TransferStatus.APPROVED, 10, None).items
    assert listed == [approved]  # the whole transfer, as get reads it


def test_status_lists_page_without_repeats(transfers: Any) -> None:
    for n in range(5):
        awaiting(transfers, submitted(transfers, n, n))
    assert ids(transfers, TransferStatus.AWAITING_APPROVAL, limit=2) == [
        ["TR0", "TR1"],
        ["TR2", "TR3"],
        ["TR4"],
    ]
