"""Processor exceptions: which verified events cannot be posted and why, a clerk's decisions,
and the history entry and event of each change (valid against the event catalogue)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from civiq.accounts.adapters.memory import InMemoryStore
from civiq.core.errors import Conflict, InvalidInput
from civiq.core.events import Actor
from civiq.core.fakes import FixedClock, RecordingPublisher, SequentialIds
from civiq.core.publishing import PublishEvents
from civiq.event_catalog import checked_envelope
from civiq.payments.adapters.memory import InMemoryProcessorExceptions
from civiq.payments.domain.processor_exceptions import (
    ExceptionReason,
    ExceptionStatus,
    ProcessorException,
    Refusal,
    Resolution,
)
from civiq.payments.domain.processor_payments import EventKind
from civiq.payments.schemas.processor_events import read_delivery
from civiq.payments.services.processor_exceptions import ExceptionJournal, exception_subject
from tests.helpers.files import EVENTS

AT = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
PROCESSOR = Actor("payment-processor", "system")
CLERK = Actor("clerk-1", "clerk")


def body(change: dict[str, Any] | None = None, **data: Any) -> bytes:
    event = json.loads((EVENTS / "processor" / "payment_succeeded.json").read_bytes())
    event.update(change or {})
    event["data"].update(data)
    return json.dumps(event).encode()


# --- reading a verified event -----------------------------------------------------------------


def test_a_postable_event_is_read_as_the_domain_event() -> None:
    delivery = read_delivery(body())
    assert delivery.refusal is None
    assert delivery.event is not None and delivery.event.kind is EventKind.SUCCEEDED
    assert delivery.reported.processor_payment_id == delivery.event.processor_payment_id
    assert delivery.reported.amount == "187.42"


@pytest.mark.parametrize(
    ("sent", "reason"),
    [
        (body(currency="USD"), ExceptionReason.UNSUPPORTED_CURRENCY),
        (body(amount="0.00"), ExceptionReason.UNSUPPORTED_AMOUNT),
        (body(amount="1000000.01"), ExceptionReason.UNSUPPORTED_AMOUNT),
        (
            body({"type": "payment.refunded"}, refund={"id": "re_1", "amount": "0.00"}),
            ExceptionReason.UNSUPPORTED_AMOUNT,
        ),
        (body({"type": "payment.captured"}), ExceptionReason.UNKNOWN_EVENT_TYPE),
    ],
)
def test_money_the_ledger_cannot_take_is_read_with_its_refusal(
    sent: bytes, reason: ExceptionReason
) -> None:
    delivery = read_delivery(sent)
    assert delivery.event is None
    assert delivery.refusal is not None and delivery.refusal.reason is reason
    assert delivery.reported.event_id == "evt_8Tg2Vx5Lp1Qz7Ry4Dn9Wk3Hs"
    assert delivery.reported.account_number == "UB00000026"


def test_a_type_we_do_not_know_without_money_is_neither_posted_nor_kept() -> None:
    sent = json.dumps({"id": "evt_1", "type": "customer.updated", "created": 1, "data": {}})
    delivery = read_delivery(sent)
    assert (delivery.event, delivery.refusal) == (None, None)
    assert delivery.reported.event_type == "customer.updated"


@pytest.mark.parametrize(
    ("sent", "loc"),
    [
        (body(amount=187.42), ("data", "amount")),
        (body(currency="cad"), ("data", "currency")),
        (body({"id": "1234"}), ("id",)),
        (b'{"id": "evt_1", "type": "payment.succeeded", "created": 1, "data": []}', ("data",)),
    ],
)
def test_a_malformed_event_is_refused_naming_the_field(sent: bytes, loc: tuple[str, ...]) -> None:
    with pytest.raises(ValidationError) as raised:
        read_delivery(sent)
    assert raised.value.errors()[0]["loc"] == loc


def test_a_contradiction_within_one_event_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as raised:
        read_delivery(body(failure_reason="card_declined"))
    assert raised.value.field == "data.failure_reason"


# --- a clerk's decisions ----------------------------------------------------------------------


def kept(reason: ExceptionReason = ExceptionReason.UNKNOWN_ACCOUNT) -> ProcessorException:
    return ProcessorException.of(read_delivery(body()).reported, Refusal(reason, "why"), AT)


def test_a_posted_exception_names_its_account_and_clerk() -> None:
    posted = kept().posted_to("A1", "clerk-1", AT, "typo")
    assert (posted.status, posted.resolution) == (ExceptionStatus.RESOLVED, Resolution.POSTED)
    assert (posted.account_id, posted.decided_by, posted.note) == ("A1", "clerk-1", "typo")
    assert posted.version == 2
    assert posted.same_decision(Resolution.POSTED, "A1")
    assert not posted.same_decision(Resolution.POSTED, "A2")


def test_an_exception_is_decided_once() -> None:
    posted = kept().posted_to("A1", "clerk-1", AT, "typo")
    with pytest.raises(Conflict):
        posted.refunded("clerk-2", AT, "no")
    with pytest.raises(Conflict):
        posted.posted_to("A2", "clerk-2", AT, "other")


@pytest.mark.parametrize(
    "reason",
    [
        ExceptionReason.UNSUPPORTED_CURRENCY,
        ExceptionReason.UNSUPPORTED_AMOUNT,
        ExceptionReason.UNKNOWN_EVENT_TYPE,
        ExceptionReason.CONTRADICTORY_EVENTS,
    ],
)
def test_money_the_ledger_cannot_take_can_only_be_refunded(reason: ExceptionReason) -> None:
    waiting = kept(reason)
    assert not waiting.can_post
    with pytest.raises(Conflict) as refused:
        waiting.posted_to("A1", "clerk-1", AT, "try")
    assert refused.value.field == "action"
    assert waiting.refunded("clerk-1", AT, "back").resolution is Resolution.REFUND


# --- history and events -----------------------------------------------------------------------


def test_each_change_is_one_history_entry_and_one_event_of_the_catalogue() -> None:
    store = InMemoryStore()
    exceptions = InMemoryProcessorExceptions(store)
    publisher = RecordingPublisher()
    journal = ExceptionJournal(
        exceptions, FixedClock(AT), SequentialIds("01X"), PublishEvents(store, publisher)
    )
    delivery = read_delivery(body(account_number="UB00000027"))
    refusal = Refusal(ExceptionReason.INVALID_ACCOUNT_NUMBER, "check digit")

    assert journal.keep(delivery.reported, refusal, PROCESSOR, "c-1")
    assert not journal.keep(delivery.reported, refusal, PROCESSOR, "c-2")  # a redelivery
    waiting = exceptions.get(delivery.reported.event_id)
    posted = journal.decide(waiting, waiting.posted_to("A1", "clerk-1", AT, "typo"), CLERK, "c-3")

    assert [e.event_type for e in publisher.published] == [
        "ProcessorExceptionRecorded",
        "ProcessorExceptionResolved",
    ]
    for event in publisher.published:
        checked_envelope(event)
        assert event.subject_id == exception_subject(delivery.reported.event_id)
        entry = store.history[event.event_id]  # the audit writer finds it written
        assert (entry.actor_subject, entry.occurred_at) == (event.actor.subject, AT)
    resolved = store.history[publisher.published[1].event_id]
    assert resolved.detail["changes"]["status"] == {"before": "open", "after": "resolved"}
    assert resolved.detail["version"] == posted.version == 2


def test_the_same_decision_made_meanwhile_is_answered_as_made() -> None:
    store = InMemoryStore()
    exceptions = InMemoryProcessorExceptions(store)
    journal = ExceptionJournal(
        exceptions, FixedClock(AT), SequentialIds("01X"), PublishEvents(store, RecordingPublisher())
    )
    waiting = kept()
    journal.keep(waiting.reported, Refusal(waiting.reason, "why"), PROCESSOR, "c-1")
    waiting = exceptions.get(waiting.event_id)
    first = journal.decide(waiting, waiting.refunded("clerk-1", AT, "back"), CLERK, "c-2")
    second = journal.decide(waiting, waiting.refunded("clerk-2", AT, "back"), CLERK, "c-3")
    assert second == first
    with pytest.raises(Conflict):
        journal.decide(waiting, waiting.posted_to("A1", "clerk-3", AT, "no"), CLERK, "c-4")
