"""RecordAudit: one audit entry per event id; a redelivery is reported, not duplicated."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from civiq.accounts.adapters.memory import InMemoryStore
from civiq.accounts.domain.accounts import Account
from civiq.core.audit import AuditEntry
from civiq.core.events import DomainEvent
from civiq.core.fakes import InMemoryAuditLog, RecordingPublisher
from civiq.core.record_audit import RecordAudit

MakeEvent = Callable[..., DomainEvent]


def entries(log: InMemoryAuditLog, subject_id: str) -> list[AuditEntry]:
    return list(log.entries_for(subject_id, limit=100, cursor=None).items)


def test_records_once_then_reports_the_redelivery(make_event: MakeEvent) -> None:
    log = InMemoryAuditLog()
    record = RecordAudit(log)
    event = make_event("EV1")
    assert record(event) is True
    assert record(event) is False
    assert entries(log, event.subject_id) == [AuditEntry.of(event)]


def test_audit_entry_copies_who_what_when_from_the_event(make_event: MakeEvent) -> None:
    event = make_event("EV1")
    assert AuditEntry.of(event) == AuditEntry(
        entry_id="EV1",
        subject_id="ACCOUNT#EV1",
        action="AccountOpened",
        actor_subject="clerk-1",
        actor_role="clerk",
        occurred_at=event.occurred_at,
        correlation_id="corr-EV1",
        detail=event.detail,
    )


def test_redelivery_with_other_content_keeps_the_first_entry(make_event: MakeEvent) -> None:
    log = InMemoryAuditLog()
    record = RecordAudit(log)
    first = make_event("EV1")
    assert record(first) is True
    assert record(make_event("EV1", correlation_id="other")) is False
    assert entries(log, first.subject_id) == [AuditEntry.of(first)]


def test_entries_for_a_subject_are_in_time_order(make_event: MakeEvent) -> None:
    log = InMemoryAuditLog()
    record = RecordAudit(log)
    later = make_event("EV2", subject_id="ACCOUNT#A")
    earlier = make_event("EV1", age=timedelta(minutes=5), subject_id="ACCOUNT#A")
    other = make_event("EV3", subject_id="ACCOUNT#B")
    assert [record(e) for e in (later, earlier, other)] == [True, True, True]
    assert [e.entry_id for e in entries(log, "ACCOUNT#A")] == ["EV1", "EV2"]
    assert [e.entry_id for e in entries(log, "ACCOUNT#B")] == ["EV3"]


def test_entries_page_with_a_cursor(make_event: MakeEvent) -> None:
    log = InMemoryAuditLog()
    for n in range(5):
        RecordAudit(log)(make_event(f"EV{n}", age=timedelta(minutes=10 - n), subject_id="S"))
    first = log.entries_for("S", limit=2, cursor=None)
    assert [e.entry_id for e in first.items] == ["EV0", "EV1"]
    second = log.entries_for("S", limit=2, cursor=first.next_cursor)
    third = log.entries_for("S", limit=2, cursor=second.next_cursor)
    assert [e.entry_id for e in second.items] == ["EV2", "EV3"]
    assert [e.entry_id for e in third.items] == ["EV4"]
    assert third.next_cursor is None


def test_the_event_of_a_commit_is_already_recorded_by_its_history_entry(
    opened: Account, store: InMemoryStore, publisher: RecordingPublisher
) -> None:
    """The commit writes the history entry under the event's id: the bus's copy is a no-op."""
    log = InMemoryAuditLog(store)
    [event] = publisher.published
    before = dict(log.entries)
    assert RecordAudit(log)(event) is False
    assert log.entries == before
    assert log.entries[event.event_id].action == "AccountOpened"
