"""One contract, two implementations: the in-memory fake and DynamoDB must behave alike."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from civiq.adapters.dynamodb.accounts import DynamoAccountRepository
from civiq.adapters.dynamodb.audit import DynamoAuditLog
from civiq.adapters.dynamodb.outbox import DynamoOutbox
from civiq.adapters.memory import InMemoryAccounts, InMemoryAuditLog
from civiq.domain.accounts import Account, AccountStatus, Customer, ServiceAddress
from civiq.domain.audit import AuditEntry
from civiq.domain.errors import Conflict, NotFound
from civiq.domain.events import Actor, DomainEvent
from civiq.domain.language import Language

OPENED = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)


def account(number: str, account_id: str) -> Account:
    return Account(
        account_id=account_id,
        account_number=number,
        customer=Customer("Chloé Côté", "chloe@example.ca", "819-555-0101"),
        address=ServiceAddress("5 Rue Laval", "Gatineau", "QC", "J8X 3G8", unit="2"),
        language=Language.FR,
        opened_at=OPENED,
        opened_by="clerk-1",
    )


def opened_event(subject: Account, event_id: str, at: datetime = OPENED) -> DomainEvent:
    return DomainEvent(
        event_id=event_id,
        event_type="AccountOpened",
        version=1,
        occurred_at=at,
        actor=Actor("clerk-1", "clerk"),
        correlation_id="corr-1",
        subject_id=f"ACCOUNT#{subject.account_id}",
        detail={
            "account_id": subject.account_id,
            "account_number": subject.account_number,
            "customer_name": subject.customer.name,
            "language": "fr",
            "service_address": subject.address.one_line(),
        },
    )


@pytest.fixture(params=["memory", "dynamodb"])
def stores(request: pytest.FixtureRequest) -> Iterator[tuple[Any, Any, Any]]:
    if request.param == "memory":
        fake = InMemoryAccounts()
        yield fake, fake, InMemoryAuditLog()
    else:
        request.getfixturevalue("aws")
        yield DynamoAccountRepository(), DynamoOutbox(), DynamoAuditLog()


def test_added_account_reads_back_by_id_and_number(stores: tuple[Any, Any, Any]) -> None:
    accounts, _, _ = stores
    stored = account("UB00000018", "A" * 26)
    accounts.add(stored, opened_event(stored, "E1"))
    assert accounts.get("A" * 26) == stored
    assert accounts.get_by_number("UB00000018") == stored


def test_account_number_is_unique_and_nothing_is_half_written(
    stores: tuple[Any, Any, Any],
) -> None:
    accounts, outbox, _ = stores
    first = account("UB00000018", "A" * 26)
    accounts.add(first, opened_event(first, "E1"))
    clash = account("UB00000018", "B" * 26)
    with pytest.raises(Conflict) as error:
        accounts.add(clash, opened_event(clash, "E2"))
    assert error.value.field == "account_number"
    with pytest.raises(NotFound):
        accounts.get("B" * 26)
    later = OPENED + timedelta(days=1)
    assert [e.event_id for e in outbox.pending(later, 10)] == ["E1"]


def test_unknown_account_is_not_found(stores: tuple[Any, Any, Any]) -> None:
    accounts, _, _ = stores
    with pytest.raises(NotFound):
        accounts.get("Z" * 26)
    with pytest.raises(NotFound):
        accounts.get_by_number("UB00000026")


def test_sequence_is_strictly_increasing(stores: tuple[Any, Any, Any]) -> None:
    accounts, _, _ = stores
    assert [accounts.next_sequence() for _ in range(3)] == [1, 2, 3]


def test_list_pages_in_account_number_order(stores: tuple[Any, Any, Any]) -> None:
    accounts, _, _ = stores
    for index, number in enumerate(["UB00000034", "UB00000018", "UB00000026"]):
        stored = account(number, chr(ord("A") + index) * 26)
        accounts.add(stored, opened_event(stored, f"E{index}"))
    first = accounts.list_by_status(AccountStatus.ACTIVE, 2, None)
    assert [a.account_number for a in first.accounts] == ["UB00000018", "UB00000026"]
    assert first.next_cursor
    second = accounts.list_by_status(AccountStatus.ACTIVE, 2, first.next_cursor)
    assert [a.account_number for a in second.accounts] == ["UB00000034"]
    assert not accounts.list_by_status(AccountStatus.CLOSED, 2, None).accounts


def test_outbox_holds_events_until_published(stores: tuple[Any, Any, Any]) -> None:
    accounts, outbox, _ = stores
    stored = account("UB00000018", "A" * 26)
    event = opened_event(stored, "E1")
    accounts.add(stored, event)
    assert outbox.pending(OPENED, 10) == []  # not older than the cut-off yet
    waiting = outbox.pending(OPENED + timedelta(minutes=5), 10)
    assert waiting == [event]
    outbox.mark_published(event)
    assert outbox.pending(OPENED + timedelta(minutes=5), 10) == []


def test_audit_log_appends_once_per_entry(stores: tuple[Any, Any, Any]) -> None:
    _, _, audit = stores
    stored = account("UB00000018", "A" * 26)
    entry = AuditEntry.of(opened_event(stored, "E1"))
    assert audit.record(entry) is True
    assert audit.record(entry) is False
    later = AuditEntry.of(opened_event(stored, "E2", OPENED + timedelta(hours=1)))
    audit.record(later)
    history = audit.entries_for(f"ACCOUNT#{'A' * 26}")
    assert [e.entry_id for e in history] == ["E1", "E2"]
    assert history[0].actor_subject == "clerk-1"
    assert history[0].detail["account_number"] == "UB00000018"
