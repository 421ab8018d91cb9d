"""Processor events: the samples parse through the schema, bad events name their field, and a
payment's final state and ledger effects depend on the set of its events, never on their order
or repetition, and never take back more than was paid."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from itertools import combinations, permutations
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from civiq.core.errors import InvalidInput
from civiq.ledger.domain.payments import PaymentMethod
from civiq.payments.domain.processor_payments import (
    EffectKind,
    EventKind,
    Outcome,
    ProcessorEvent,
    Reversal,
    effects,
    fold,
)
from civiq.payments.schemas.processor_events import ProcessorEventIn
from tests.helpers.files import EVENTS

SAMPLES = {
    EventKind.SUCCEEDED: "payment_succeeded.json",
    EventKind.FAILED: "payment_failed.json",
    EventKind.REFUNDED: "payment_refunded.json",
    EventKind.DISPUTED: "payment_disputed.json",
}
PAYMENT_ID = "pay_3QxN7v2LkT9bW4sY8mR1cE5a"
REFUND_ID = "re_6Hd3Kq8Zn1Vb4Xm7Tc2Rw9Pf"
DISPUTE_ID = "dp_9Kf2Wr5Tq8Zb1Nh4Mx7Cj3Ls"
PAID_AT = datetime(2026, 12, 6, 11, 0, 5, tzinfo=UTC)
AT = datetime(2026, 12, 5, 11, 0, tzinfo=UTC)


def raw(kind: EventKind) -> bytes:
    return (EVENTS / "processor" / SAMPLES[kind]).read_bytes()


def sample(kind: EventKind) -> ProcessorEvent:
    return ProcessorEventIn.model_validate_json(raw(kind)).to_domain()


def event(kind: EventKind, event_id: str, at: datetime = AT, **fields: Any) -> ProcessorEvent:
    base: dict[str, Any] = {
        "processor_payment_id": "pay_1",
        "amount": D("100.00"),
        "method": PaymentMethod.CARD,
        "account_number": "UB00000026",
    }
    return ProcessorEvent(event_id, kind, at, **{**base, **fields})


def refund(event_id: str, refund_id: str, amount: str, at: datetime = AT) -> ProcessorEvent:
    return event(EventKind.REFUNDED, event_id, at, refund_id=refund_id, refund_amount=D(amount))


def dispute(event_id: str, dispute_id: str, amount: str, at: datetime = AT) -> ProcessorEvent:
    return event(EventKind.DISPUTED, event_id, at, dispute_id=dispute_id, dispute_amount=D(amount))


def summary(payment_effects: tuple[Any, ...]) -> list[tuple[str, str, bool]]:
    return [(e.key, f"{e.amount}", e.clipped) for e in payment_effects]


# --- the event JSON ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(SAMPLES), ids=str)
def test_each_sample_parses_into_its_domain_event(kind: EventKind) -> None:
    parsed = sample(kind)
    assert parsed.kind is kind
    assert parsed.processor_payment_id == PAYMENT_ID
    assert parsed.amount == D("187.42")
    assert parsed.method is PaymentMethod.CARD
    assert parsed.account_number == "UB00000026"
    assert parsed.statement_id == "UB00000026-20261130"
    assert parsed.created_at.tzinfo is UTC


def test_the_samples_carry_their_kind_details() -> None:
    assert sample(EventKind.SUCCEEDED).created_at == PAID_AT
    assert sample(EventKind.FAILED).failure_reason == "card_declined"
    refunded, disputed = sample(EventKind.REFUNDED), sample(EventKind.DISPUTED)
    assert (refunded.refund_id, refunded.refund_amount) == (REFUND_ID, D("40.00"))
    assert (disputed.dispute_id, disputed.dispute_amount) == (DISPUTE_ID, D("147.42"))
    assert refunded.dispute_id is None and disputed.refund_id is None


def mutated(kind: EventKind, change: dict[str, Any], data: dict[str, Any] | None = None) -> bytes:
    body = json.loads(raw(kind))
    body.update(change)
    body["data"].update(data or {})
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("kind", "change", "data", "loc"),
    [
        (EventKind.SUCCEEDED, {}, {"amount": 187.42}, ("data", "amount")),
        (EventKind.SUCCEEDED, {}, {"amount": 187}, ("data", "amount")),
        (EventKind.SUCCEEDED, {}, {"amount": "187.4"}, ("data", "amount")),
        (EventKind.SUCCEEDED, {}, {"amount": "-187.42"}, ("data", "amount")),
        (EventKind.SUCCEEDED, {}, {"currency": "cad"}, ("data", "currency")),
        (EventKind.SUCCEEDED, {}, {"method": "cheque"}, ("data", "method")),
        (EventKind.SUCCEEDED, {}, {"payment_id": "ch_1"}, ("data", "payment_id")),
        (EventKind.SUCCEEDED, {}, {"tip": "5.00"}, ("data", "tip")),
        (
            EventKind.REFUNDED,
            {},
            {"refund": {"id": "re_1", "amount": 40}},
            ("data", "refund", "amount"),
        ),
        (
            EventKind.DISPUTED,
            {},
            {"dispute": {"id": "dp:1", "amount": "1.00"}},
            ("data", "dispute", "id"),
        ),
        (EventKind.SUCCEEDED, {"type": "payment.pending"}, {}, ("type",)),
        (EventKind.SUCCEEDED, {"created": "1796554805"}, {}, ("created",)),
        (EventKind.SUCCEEDED, {"created": 1796554805.5}, {}, ("created",)),
        (EventKind.SUCCEEDED, {"id": "1234"}, {}, ("id",)),
    ],
)
def test_schema_errors_name_the_field(
    kind: EventKind, change: dict[str, Any], data: dict[str, Any], loc: tuple[str, ...]
) -> None:
    with pytest.raises(ValidationError) as raised:
        ProcessorEventIn.model_validate_json(mutated(kind, change, data))
    assert raised.value.errors()[0]["loc"] == loc


def test_a_missing_field_is_named() -> None:
    body = json.loads(raw(EventKind.SUCCEEDED))
    del body["data"]["account_number"]
    with pytest.raises(ValidationError) as raised:
        ProcessorEventIn.model_validate_json(json.dumps(body))
    error = raised.value.errors()[0]
    assert (error["loc"], error["type"]) == (("data", "account_number"), "missing")


def test_unknown_envelope_metadata_is_ignored() -> None:
    body = mutated(EventKind.SUCCEEDED, {"livemode": False, "api_version": "2026-11-01"})
    assert ProcessorEventIn.model_validate_json(body).to_domain() == sample(EventKind.SUCCEEDED)


@pytest.mark.parametrize(
    ("kind", "data", "field"),
    [
        (EventKind.REFUNDED, {"refund": None}, "data.refund"),
        (EventKind.DISPUTED, {"dispute": None}, "data.dispute"),
        (EventKind.SUCCEEDED, {"refund": {"id": "re_1", "amount": "1.00"}}, "data.refund"),
        (EventKind.REFUNDED, {"dispute": {"id": "dp_1", "amount": "1.00"}}, "data.dispute"),
        (EventKind.SUCCEEDED, {"failure_reason": "card_declined"}, "data.failure_reason"),
        (EventKind.SUCCEEDED, {"amount": "0.00"}, "data.amount"),
        (EventKind.SUCCEEDED, {"currency": "USD"}, "data.currency"),
        (EventKind.SUCCEEDED, {"amount": "1000000.01"}, "data.amount"),
        (EventKind.REFUNDED, {"refund": {"id": "re_1", "amount": "0.00"}}, "data.refund.amount"),
    ],
)
def test_what_types_cannot_say_is_refused_by_the_domain_naming_the_field(
    kind: EventKind, data: dict[str, Any], field: str
) -> None:
    parsed = ProcessorEventIn.model_validate_json(mutated(kind, {}, data))
    with pytest.raises(InvalidInput) as raised:
        parsed.to_domain()
    assert raised.value.field == field


# --- folding ----------------------------------------------------------------------------------


def test_the_four_samples_in_every_order_give_one_final_state() -> None:
    events = [sample(kind) for kind in SAMPLES]
    outcomes = {(fold(order), effects(fold(order))) for order in permutations(events)}
    assert len(outcomes) == 1
    ((payment, payment_effects),) = outcomes
    assert payment.outcome is Outcome.SUCCEEDED
    assert payment.paid_at == PAID_AT
    assert payment.failure_reason is None
    assert payment.refunds == (
        Reversal(REFUND_ID, D("40.00"), sample(EventKind.REFUNDED).created_at),
    )
    assert [d.reversal_id for d in payment.disputes] == [DISPUTE_ID]
    assert summary(payment_effects) == [
        ("payment", "187.42", False),
        (f"refund:{REFUND_ID}", "40.00", False),
        (f"chargeback:{DISPUTE_ID}", "147.42", False),
    ]
    assert [e.kind for e in payment_effects] == list(EffectKind)
    assert [e.source_id for e in payment_effects] == [PAYMENT_ID, REFUND_ID, DISPUTE_ID]


SUBSETS = [s for n in range(1, 5) for s in combinations(SAMPLES, n)]


@pytest.mark.parametrize("kinds", SUBSETS, ids=lambda s: "+".join(k.split(".")[1] for k in s))
def test_every_ordering_of_every_subset_gives_the_same_state(kinds: tuple[EventKind, ...]) -> None:
    events = [sample(kind) for kind in kinds]
    states = {(fold(order), effects(fold(order))) for order in permutations(events)}
    assert len(states) == 1
    ((payment, payment_effects),) = states
    expected = {
        "payment": "187.42",
        f"refund:{REFUND_ID}": "40.00",
        f"chargeback:{DISPUTE_ID}": "147.42",
    }
    if kinds == (EventKind.FAILED,):
        assert payment.outcome is Outcome.FAILED
        assert payment.failure_reason == "card_declined"
        assert payment_effects == ()
        return
    assert payment.outcome is Outcome.SUCCEEDED
    wanted = {"payment"}
    wanted |= {f"refund:{REFUND_ID}"} if EventKind.REFUNDED in kinds else set()
    wanted |= {f"chargeback:{DISPUTE_ID}"} if EventKind.DISPUTED in kinds else set()
    assert {e.key: f"{e.amount}" for e in payment_effects} == {k: expected[k] for k in wanted}


def test_the_same_event_delivered_many_times_posts_once() -> None:
    events = [sample(EventKind.SUCCEEDED)] * 10 + [sample(EventKind.REFUNDED)] * 3
    assert summary(effects(fold(events))) == [
        ("payment", "187.42", False),
        (f"refund:{REFUND_ID}", "40.00", False),
    ]


def test_a_refund_alone_shows_the_payment_succeeded() -> None:
    payment = fold([refund("evt_r", "re_1", "30.00", AT + timedelta(days=3))])
    assert payment.paid_at == AT + timedelta(days=3)
    assert summary(effects(payment)) == [
        ("payment", "100.00", False),
        ("refund:re_1", "30.00", False),
    ]


def test_a_success_wins_over_failed_attempts_before_and_after_it() -> None:
    events = [
        event(EventKind.FAILED, "evt_f1", AT, failure_reason="card_declined"),
        event(EventKind.SUCCEEDED, "evt_s", AT + timedelta(hours=1)),
        event(EventKind.FAILED, "evt_f2", AT + timedelta(hours=2), failure_reason="expired_card"),
    ]
    payment = fold(events)
    assert (payment.outcome, payment.paid_at, payment.failure_reason) == (
        Outcome.SUCCEEDED,
        AT + timedelta(hours=1),
        None,
    )


def test_a_failed_payment_reports_its_latest_attempts_reason() -> None:
    events = [
        event(EventKind.FAILED, "evt_f2", AT + timedelta(hours=2), failure_reason="expired_card"),
        event(EventKind.FAILED, "evt_f1", AT, failure_reason="card_declined"),
    ]
    assert fold(events).failure_reason == "expired_card"
    assert effects(fold(events)) == ()


def test_a_refund_reported_by_two_events_counts_once_from_its_first_report() -> None:
    events = [
        refund("evt_b", "re_1", "30.00", AT + timedelta(hours=1)),
        refund("evt_a", "re_1", "30.00"),
    ]
    assert fold(events).refunds == (Reversal("re_1", D("30.00"), AT),)


def test_refunds_and_chargebacks_beyond_the_payment_are_clipped_oldest_first() -> None:
    events = [
        event(EventKind.SUCCEEDED, "evt_s"),
        dispute("evt_d", "dp_1", "80.00", AT + timedelta(days=20)),
        refund("evt_r", "re_1", "60.00", AT + timedelta(days=2)),
        refund("evt_r2", "re_2", "5.00", AT + timedelta(days=30)),
    ]
    result = effects(fold(events))
    assert summary(result) == [
        ("payment", "100.00", False),
        ("refund:re_1", "60.00", False),
        ("chargeback:dp_1", "40.00", True),
        ("refund:re_2", "0.00", True),
    ]
    assert [e.requested for e in result] == [D("100.00"), D("60.00"), D("80.00"), D("5.00")]


def test_what_was_posted_before_stands_and_later_news_gets_what_is_left() -> None:
    """The worker saw the dispute (posted in full) before the older refund reached it."""
    first = effects(fold([dispute("evt_d", "dp_1", "100.00", AT + timedelta(days=20))]))
    posted = {e.key: e.amount for e in first}
    late = [
        refund("evt_r", "re_1", "30.00", AT + timedelta(days=2)),
        dispute("evt_d", "dp_1", "100.00", AT + timedelta(days=20)),
    ]
    assert summary(effects(fold(late), posted)) == [
        ("payment", "100.00", False),
        ("refund:re_1", "0.00", True),
        ("chargeback:dp_1", "100.00", False),
    ]
    assert summary(effects(fold(late))) == [
        ("payment", "100.00", False),
        ("refund:re_1", "30.00", False),
        ("chargeback:dp_1", "70.00", True),
    ]


def test_an_amount_clipped_before_stays_clipped_when_an_older_refund_arrives() -> None:
    dispute_then_refund = [
        refund("evt_r", "re_1", "30.00", AT + timedelta(days=2)),
        dispute("evt_d", "dp_1", "100.00", AT + timedelta(days=20)),
    ]
    posted = {e.key: e.amount for e in effects(fold(dispute_then_refund))}
    older = refund("evt_r0", "re_0", "10.00", AT + timedelta(days=1))
    assert summary(effects(fold([*dispute_then_refund, older]), posted)) == [
        ("payment", "100.00", False),
        ("refund:re_0", "0.00", True),
        ("refund:re_1", "30.00", False),
        ("chargeback:dp_1", "70.00", True),
    ]


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ([], "at least one event"),
        (
            [
                event(EventKind.SUCCEEDED, "evt_1"),
                event(EventKind.SUCCEEDED, "evt_2", processor_payment_id="pay_2"),
            ],
            "different payments",
        ),
        (
            [
                event(EventKind.SUCCEEDED, "evt_1"),
                event(EventKind.SUCCEEDED, "evt_1", AT + timedelta(seconds=1)),
            ],
            "different content",
        ),
        (
            [
                event(EventKind.SUCCEEDED, "evt_1"),
                event(EventKind.FAILED, "evt_2", amount=D("99.00")),
            ],
            "amount",
        ),
        (
            [
                event(EventKind.SUCCEEDED, "evt_1"),
                event(EventKind.FAILED, "evt_2", statement_id="S1"),
            ],
            "statement_id",
        ),
        ([refund("evt_1", "re_1", "1.00"), refund("evt_2", "re_1", "2.00")], "refund re_1"),
        ([dispute("evt_1", "dp_1", "1.00"), dispute("evt_2", "dp_1", "2.00")], "dispute dp_1"),
    ],
    ids=["none", "two-payments", "same-id", "amount", "statement", "refund", "dispute"],
)
def test_contradictory_events_are_refused(events: list[ProcessorEvent], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fold(events)


def test_the_domain_event_refuses_other_methods() -> None:
    with pytest.raises(InvalidInput) as raised:
        event(EventKind.SUCCEEDED, "evt_1", method=PaymentMethod.CHEQUE)
    assert raised.value.field == "method"


# --- any delivery of any history ---------------------------------------------------------------

cents = st.integers(min_value=1, max_value=50_000).map(lambda c: D(c) / 100)


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[ProcessorEvent], list[ProcessorEvent]]:
    """A payment's distinct events, and one delivery of them: repeated and shuffled."""
    amount = draw(cents)
    refunds = draw(st.dictionaries(st.sampled_from(["re_a", "re_b", "re_c"]), cents))
    disputes = draw(st.dictionaries(st.sampled_from(["dp_a", "dp_b"]), cents))
    reasons = st.sampled_from([None, "card_declined", "insufficient_funds"])
    specs = (
        [(EventKind.SUCCEEDED, None), (EventKind.FAILED, None)]
        + [(EventKind.REFUNDED, r) for r in refunds]
        + [(EventKind.DISPUTED, d) for d in disputes]
    )
    drawn = draw(
        st.lists(
            st.tuples(st.sampled_from(specs), st.integers(0, 10**6), reasons),
            min_size=1,
            max_size=8,
        )
    )
    distinct = []
    for n, ((kind, detail), seconds, reason) in enumerate(drawn):
        fields: dict[str, Any] = {"amount": amount}
        if kind is EventKind.FAILED:
            fields["failure_reason"] = reason
        if kind is EventKind.REFUNDED:
            fields.update(refund_id=detail, refund_amount=refunds[detail])
        if kind is EventKind.DISPUTED:
            fields.update(dispute_id=detail, dispute_amount=disputes[detail])
        distinct.append(event(kind, f"evt_{n}", AT + timedelta(seconds=seconds), **fields))
    repeats = draw(st.lists(st.sampled_from(distinct), max_size=12))
    delivery = draw(st.permutations(distinct + repeats))
    return distinct, delivery


@given(histories())
def test_any_delivery_gives_the_effects_of_the_set_of_events(
    history: tuple[list[ProcessorEvent], list[ProcessorEvent]],
) -> None:
    distinct, delivery = history
    payment = fold(delivery)
    assert payment == fold(sorted(distinct, key=lambda e: e.event_id))
    result = effects(payment)
    assert result == effects(fold(sorted(distinct, key=lambda e: e.event_id)))
    keys = [e.key for e in result]
    assert len(keys) == len(set(keys))
    if payment.outcome is Outcome.FAILED:
        assert result == ()
        return
    assert result[0].key == "payment" and result[0].amount == payment.amount
    reversals = result[1:]
    requested = sum((e.requested for e in reversals), D(0))
    assert sum((e.amount for e in reversals), D(0)) == min(requested, payment.amount)
    assert any(e.clipped for e in reversals) == (requested > payment.amount)


@given(histories())
def test_a_worker_folding_each_arrival_never_takes_back_more_than_was_paid(
    history: tuple[list[ProcessorEvent], list[ProcessorEvent]],
) -> None:
    """Fold what has arrived so far, post the effects not posted yet, once each."""
    distinct, delivery = history
    posted: dict[str, D] = {}
    for arrived in range(1, len(delivery) + 1):
        for effect in effects(fold(delivery[:arrived]), posted):
            posted.setdefault(effect.key, effect.amount)
    final = effects(fold(distinct))
    assert sorted(posted) == sorted(e.key for e in final)
    if final:
        taken_back = sum((a for k, a in posted.items() if k != "payment"), D(0))
        requested = sum((e.requested for e in final[1:]), D(0))
        assert taken_back == min(requested, final[0].amount)
        assert posted["payment"] == final[0].amount
