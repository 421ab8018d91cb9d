"""A card or pre-authorized debit payment as the processor reports it, whatever the delivery.

The processor delivers each event at least once, in any order: a refund may arrive before the
payment it refunds, a declined attempt after the retry that succeeded. :func:`fold` therefore
depends only on the *set* of a payment's events (deduplicated by event id), never on their order
or repetition, and :func:`effects` names every ledger posting that final state requires by a
deterministic key, so a worker that folds whatever events it has so far posts what is missing
and never anything twice.

The rules: a payment succeeded when any event shows it did (a succeeded attempt wins over failed
ones; a refund or a dispute implies the money was taken); each refund and each dispute counts
once, by its id; refunds and chargebacks together never take back more than was paid (the
excess is clipped and flagged for staff).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from civiq.core.errors import InvalidInput
from civiq.ledger.domain.payments import PaymentMethod, check_amount

PROCESSOR_METHODS = (PaymentMethod.CARD, PaymentMethod.PREAUTHORIZED_DEBIT)
PAYMENT_KEY = "payment"


class EventKind(StrEnum):
    SUCCEEDED = "payment.succeeded"
    FAILED = "payment.failed"
    REFUNDED = "payment.refunded"
    DISPUTED = "payment.disputed"


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ProcessorEvent:
    """One event; every event carries the payment's own facts (amount, method, account...).

    Error fields name the event's ``data`` as the processor sends it (``refund.amount``).
    """

    event_id: str
    kind: EventKind
    created_at: datetime
    processor_payment_id: str
    amount: Decimal
    method: PaymentMethod
    account_number: str
    statement_id: str | None = None  # set when we charged it for a statement (autopay)
    refund_id: str | None = None
    refund_amount: Decimal | None = None
    dispute_id: str | None = None
    dispute_amount: Decimal | None = None
    failure_reason: str | None = None

    def __post_init__(self) -> None:
        for name in ("event_id", "processor_payment_id", "account_number"):
            if not getattr(self, name).strip():
                raise InvalidInput(f"{name} is required", name)
        if self.created_at.tzinfo is None:
            raise InvalidInput("created_at must be timezone-aware", "created_at")
        check_amount(self.amount)
        if self.method not in PROCESSOR_METHODS:
            raise InvalidInput("the processor takes card and pad payments only", "method")
        _check_detail(self.kind, EventKind.REFUNDED, "refund", self.refund_id, self.refund_amount)
        _check_detail(
            self.kind, EventKind.DISPUTED, "dispute", self.dispute_id, self.dispute_amount
        )
        if self.failure_reason is not None and self.kind is not EventKind.FAILED:
            raise InvalidInput("only a failed payment has a failure_reason", "failure_reason")


def _check_detail(
    kind: EventKind, owner: EventKind, name: str, detail_id: str | None, amount: Decimal | None
) -> None:
    if kind is not owner:
        if detail_id is not None or amount is not None:
            raise InvalidInput(f"only a {owner.value} event has a {name}", name)
        return
    if detail_id is None or amount is None:
        raise InvalidInput(f"a {owner.value} event needs its {name}", name)
    if not detail_id.strip():
        raise InvalidInput(f"the {name} needs an id", f"{name}.id")
    check_amount(amount, f"{name}.amount")


@dataclass(frozen=True, slots=True)
class Reversal:
    """A refund or a dispute of the payment, counted once whatever its events."""

    reversal_id: str
    amount: Decimal
    reported_at: datetime  # its earliest event


@dataclass(frozen=True, slots=True)
class ProcessorPayment:
    processor_payment_id: str
    amount: Decimal
    method: PaymentMethod
    account_number: str
    statement_id: str | None
    paid_at: datetime | None  # the earliest event showing it succeeded; None when it failed
    failure_reason: str | None  # the latest failed attempt's, when no attempt succeeded
    refunds: tuple[Reversal, ...]  # ordered by id
    disputes: tuple[Reversal, ...]  # ordered by id

    @property
    def outcome(self) -> Outcome:
        return Outcome.FAILED if self.paid_at is None else Outcome.SUCCEEDED


def fold(events: Iterable[ProcessorEvent]) -> ProcessorPayment:
    """The final state of one payment from its events, in any order, repeated or not.

    Raises ValueError for no events, events of several payments, or events that disagree (the
    same event id with other content, the payment's facts or a refund's amount differing): the
    processor contradicts itself and nothing can be posted safely.
    """
    unique = _deduplicated(events)
    payment_ids = sorted({e.processor_payment_id for e in unique})
    if len(payment_ids) > 1:
        raise ValueError(f"events of different payments given together: {payment_ids}")
    for name in ("amount", "method", "account_number", "statement_id"):
        values = {getattr(e, name) for e in unique}
        if len(values) > 1:
            raise ValueError(f"payment {payment_ids[0]}'s events disagree on {name}")
    first = unique[0]
    succeeded = [e for e in unique if e.kind is not EventKind.FAILED]
    last = max(unique, key=lambda e: (e.created_at, e.event_id))
    return ProcessorPayment(
        processor_payment_id=first.processor_payment_id,
        amount=first.amount,
        method=first.method,
        account_number=first.account_number,
        statement_id=first.statement_id,
        paid_at=min(e.created_at for e in succeeded) if succeeded else None,
        failure_reason=None if succeeded else last.failure_reason,
        refunds=_reversals(
            "refund", [(e.refund_id, e.refund_amount, e.created_at) for e in unique]
        ),
        disputes=_reversals(
            "dispute", [(e.dispute_id, e.dispute_amount, e.created_at) for e in unique]
        ),
    )


def _deduplicated(events: Iterable[ProcessorEvent]) -> list[ProcessorEvent]:
    by_id: dict[str, ProcessorEvent] = {}
    for event in events:
        if by_id.setdefault(event.event_id, event) != event:
            raise ValueError(f"event {event.event_id} delivered with different content")
    if not by_id:
        raise ValueError("a payment needs at least one event")
    return [by_id[event_id] for event_id in sorted(by_id)]


def _reversals(
    what: str, reported: list[tuple[str | None, Decimal | None, datetime]]
) -> tuple[Reversal, ...]:
    by_id: dict[str, Reversal] = {}
    for reversal_id, amount, at in reported:
        if reversal_id is None or amount is None:
            continue
        known = by_id.get(reversal_id)
        if known is not None and known.amount != amount:
            raise ValueError(f"{what} {reversal_id} reported with different amounts")
        earliest = at if known is None else min(at, known.reported_at)
        by_id[reversal_id] = Reversal(reversal_id, amount, earliest)
    return tuple(by_id[reversal_id] for reversal_id in sorted(by_id))


class EffectKind(StrEnum):
    PAYMENT = "payment"  # a payment entry for the amount
    REFUND = "refund"  # money given back: the account owes it again
    CHARGEBACK = "chargeback"  # a dispute the cardholder's bank took back: a reversal


@dataclass(frozen=True, slots=True)
class Effect:
    """One ledger posting the payment's state requires; ``key`` is unique within the payment.

    ``amount`` is what to post (a magnitude; the ledger gives it its sign); ``requested`` what
    the processor reported. A clipped effect is an anomaly for staff; one clipped to zero posts
    nothing.
    """

    key: str
    kind: EffectKind
    source_id: str  # the processor's payment, refund or dispute id
    amount: Decimal
    requested: Decimal
    occurred_at: datetime

    @property
    def clipped(self) -> bool:
        return self.amount < self.requested


def effects(
    payment: ProcessorPayment, already_posted: Mapping[str, Decimal] | None = None
) -> tuple[Effect, ...]:
    """The ledger effects of ``payment``'s state: the payment, then refunds and chargebacks
    oldest first; nothing for a failed payment.

    Refunds and chargebacks together are clipped to the payment's amount, the oldest served
    first. ``already_posted`` gives the amounts earlier calls had posted under their keys: those
    stand as posted and the others share what is left, so a worker that folded a later dispute
    before an earlier refund reached it still never takes back more than was paid.
    """
    if payment.paid_at is None:
        return ()
    posted = already_posted or {}
    reversals = sorted(
        [_requested(EffectKind.REFUND, refund) for refund in payment.refunds]
        + [_requested(EffectKind.CHARGEBACK, dispute) for dispute in payment.disputes],
        key=lambda e: (e.occurred_at, e.key),
    )
    left = payment.amount - sum((posted[e.key] for e in reversals if e.key in posted), Decimal(0))
    result = [
        Effect(
            PAYMENT_KEY,
            EffectKind.PAYMENT,
            payment.processor_payment_id,
            payment.amount,
            payment.amount,
            payment.paid_at,
        )
    ]
    for reversal in reversals:
        if reversal.key in posted:
            amount = posted[reversal.key]
        else:
            amount = min(reversal.requested, max(left, Decimal(0)))
            left -= amount
        result.append(replace(reversal, amount=amount))
    return tuple(result)


def _requested(kind: EffectKind, reversal: Reversal) -> Effect:
    return Effect(
        f"{kind.value}:{reversal.reversal_id}",
        kind,
        reversal.reversal_id,
        reversal.amount,
        reversal.amount,
        reversal.reported_at,
    )
