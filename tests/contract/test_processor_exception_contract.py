"""One contract, two implementations: processor exceptions in memory and on DynamoDB behave
alike (kept once per event with their history and event, decided once, listed by status,
payments assigned once)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict, NotFound
from civiq.core.events import Actor, DomainEvent
from civiq.payments.adapters.dynamodb_processor_exceptions import DynamoProcessorExceptions
from civiq.payments.adapters.memory import InMemoryProcessorExceptions
from civiq.payments.domain.processor_exceptions import (
    Assignment,
    ExceptionReason,
    ExceptionStatus,
    ProcessorException,
    Refusal,
    Reported,
)
from civiq.payments.services.processor_exceptions import exception_subject
from tests.helpers.written import Written, under_contract

AT = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
CLERK = Actor("clerk-1", "clerk")


@dataclass
class Backend:
    exceptions: Any
    written: Written

    def pending(self) -> list[str]:
        return self.written.pending(AT + timedelta(days=1))


@pytest.fixture(params=["memory", "dynamodb"])
def backend(request: pytest.FixtureRequest) -> Backend:
    return Backend(*under_contract(request, InMemoryProcessorExceptions, DynamoProcessorExceptions))


def exception(event_id: str, at: datetime = AT) -> ProcessorException:
    reported = Reported(
        event_id,
        "payment.succeeded",
        at,
        f"pay_{event_id}",
        "25.00",
        "CAD",
        "card",
        "UB00000019",
        {"payment_id": f"pay_{event_id}", "amount": "25.00", "nested": {"a": [1, "b"]}},
    )
    refusal = Refusal(ExceptionReason.INVALID_ACCOUNT_NUMBER, "check digit", ("A1", "A2"))
    return ProcessorException.of(reported, refusal, at)


def change(exc: ProcessorException, entry_id: str) -> tuple[AuditEntry, DomainEvent]:
    event = DomainEvent(
        entry_id,
        "ProcessorExceptionRecorded",
        1,
        exc.decided_at or exc.received_at,
        CLERK,
        "c-1",
        exception_subject(exc.event_id),
        {"processor_event_id": exc.event_id},
    )
    entry = AuditEntry(
        entry_id, event.subject_id, event.event_type, "clerk-1", "clerk", event.occurred_at, "c", {}
    )
    return entry, event


def test_an_exception_is_kept_once_with_its_history_and_event(backend: Backend) -> None:
    kept = exception("evt_1")
    assert backend.exceptions.record(kept, *change(kept, "E1"))
    assert not backend.exceptions.record(replace(kept, explanation="again"), *change(kept, "E2"))

    assert backend.exceptions.get("evt_1") == kept
    history = backend.written.audit.entries_for(exception_subject("evt_1"), 10, None).items
    assert [e.entry_id for e in history] == ["E1"]
    assert backend.pending() == ["E1"]
    with pytest.raises(NotFound):
        backend.exceptions.get("evt_none")


def test_a_decision_is_written_once(backend: Backend) -> None:
    kept = exception("evt_1")
    backend.exceptions.record(kept, *change(kept, "E1"))
    posted = kept.posted_to("A1", "clerk-1", AT + timedelta(hours=1), "typo")
    backend.exceptions.decide(kept, posted, *change(posted, "E2"))

    assert backend.exceptions.get("evt_1") == posted
    refunded = kept.refunded("clerk-2", AT + timedelta(hours=2), "not ours")
    with pytest.raises(Conflict):
        backend.exceptions.decide(kept, refunded, *change(refunded, "E3"))
    assert backend.exceptions.get("evt_1") == posted
    history = backend.written.audit.entries_for(exception_subject("evt_1"), 10, None).items
    assert [e.entry_id for e in history] == ["E1", "E2"]


def test_open_ones_list_oldest_first_resolved_ones_newest_decision_first(
    backend: Backend,
) -> None:
    kept = [exception(f"evt_{n}", AT + timedelta(minutes=n)) for n in range(5)]
    for n, each in enumerate(kept):
        backend.exceptions.record(each, *change(each, f"E{n}"))
    for n in (3, 1):
        decided = kept[n].refunded("clerk-1", AT + timedelta(hours=5 - n), "back")
        backend.exceptions.decide(kept[n], decided, *change(decided, f"D{n}"))

    first = backend.exceptions.listed(ExceptionStatus.OPEN, 2, None)
    rest = backend.exceptions.listed(ExceptionStatus.OPEN, 2, first.next_cursor)
    assert [e.event_id for e in first.items] == ["evt_0", "evt_2"]
    assert [e.event_id for e in rest.items] == ["evt_4"]
    assert rest.next_cursor is None
    resolved = backend.exceptions.listed(ExceptionStatus.RESOLVED, 10, None)
    assert [e.event_id for e in resolved.items] == ["evt_1", "evt_3"]


def test_a_payment_is_assigned_once(backend: Backend) -> None:
    assert backend.exceptions.assignment("pay_1") is None
    backend.exceptions.assign(Assignment("pay_1", "A1", "evt_1"))
    backend.exceptions.assign(Assignment("pay_1", "A1", "evt_2"))  # the same decision again

    assert backend.exceptions.assignment("pay_1") == Assignment("pay_1", "A1", "evt_1")
    with pytest.raises(Conflict) as refused:
        backend.exceptions.assign(Assignment("pay_1", None, "evt_3"))
    assert "A1" in refused.value.message
    backend.exceptions.assign(Assignment("pay_2", None, "evt_4"))
    assert backend.exceptions.assignment("pay_2") == Assignment("pay_2", None, "evt_4")
    with pytest.raises(Conflict):
        backend.exceptions.assign(Assignment("pay_2", "A1", "evt_5"))
