"""PublishEvents after a commit (failures logged, not raised) and the scheduled outbox relay."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import pytest

from civiq.accounts.adapters.memory import InMemoryStore
from civiq.core.events import DomainEvent
from civiq.core.fakes import FixedClock, RecordingPublisher
from civiq.core.publishing import PublishEvents, RelayOutbox

MakeEvent = Callable[..., DomainEvent]
GRACE = timedelta(minutes=2)


def stored(store: InMemoryStore, *events: DomainEvent) -> None:
    for event in events:
        store.outbox[event.event_id] = event


@pytest.fixture
def relay(store: InMemoryStore, publisher: RecordingPublisher, clock: FixedClock) -> RelayOutbox:
    return RelayOutbox(store, publisher, clock, grace=GRACE)


def test_after_commit_publishes_and_marks_only_those_events(
    store: InMemoryStore, publisher: RecordingPublisher, make_event: MakeEvent
) -> None:
    mine, other = make_event("EV1"), make_event("EV2")
    stored(store, mine, other)
    assert PublishEvents(store, publisher).after_commit([mine]) is True
    assert publisher.published == [mine]
    assert store.outbox == {"EV2": other}


def test_after_commit_failure_is_logged_and_leaves_the_outbox(
    store: InMemoryStore,
    publisher: RecordingPublisher,
    make_event: MakeEvent,
    caplog: pytest.LogCaptureFixture,
) -> None:
    event = make_event("EV1")
    stored(store, event)
    publisher.fail = True
    with caplog.at_level(logging.ERROR, logger="civiq"):
        assert PublishEvents(store, publisher).after_commit([event]) is False
    assert store.outbox == {"EV1": event}
    [record] = caplog.records
    assert record.event_ids == ["EV1"]  # type: ignore[attr-defined]
    assert record.exc_info is not None


def test_relay_with_an_empty_outbox_does_not_call_the_publisher(
    relay: RelayOutbox, publisher: RecordingPublisher
) -> None:
    publisher.fail = True  # would raise if called
    assert relay() == 0


def test_relay_leaves_events_younger_than_the_grace_period(
    relay: RelayOutbox,
    store: InMemoryStore,
    publisher: RecordingPublisher,
    make_event: MakeEvent,
) -> None:
    young, exact = make_event("EV1", age=GRACE - timedelta(seconds=1)), make_event("EV2", age=GRACE)
    stored(store, young, exact)
    assert relay() == 0
    assert publisher.published == []
    assert set(store.outbox) == {"EV1", "EV2"}


def test_relay_publishes_events_older_than_the_grace_period(
    relay: RelayOutbox,
    store: InMemoryStore,
    publisher: RecordingPublisher,
    clock: FixedClock,
    make_event: MakeEvent,
) -> None:
    old, young = make_event("EV1", age=GRACE + timedelta(seconds=1)), make_event("EV2")
    stored(store, old, young)
    assert relay() == 1
    assert publisher.published == [old]
    assert store.outbox == {"EV2": young}

    clock.advance(minutes=2, seconds=1)
    assert relay() == 1
    assert publisher.published == [old, young]
    assert store.outbox == {}


def test_relay_sends_the_oldest_events_first_in_batches(
    store: InMemoryStore,
    publisher: RecordingPublisher,
    clock: FixedClock,
    make_event: MakeEvent,
) -> None:
    events = [make_event(f"EV{n}", age=GRACE + timedelta(minutes=n)) for n in (1, 3, 2)]
    stored(store, *events)
    relay = RelayOutbox(store, publisher, clock, grace=GRACE, batch_size=2)
    assert relay() == 2
    assert [e.event_id for e in publisher.published] == ["EV3", "EV2"]
    assert relay() == 1
    assert [e.event_id for e in publisher.published] == ["EV3", "EV2", "EV1"]
    assert relay() == 0


def test_relay_failure_raises_and_keeps_the_events(
    relay: RelayOutbox,
    store: InMemoryStore,
    publisher: RecordingPublisher,
    make_event: MakeEvent,
) -> None:
    event = make_event("EV1", age=GRACE * 2)
    stored(store, event)
    publisher.fail = True
    with pytest.raises(ConnectionError):
        relay()
    assert store.outbox == {"EV1": event}
