"""Processor events that cannot be posted as they stand, waiting for a clerk.

A signed event is acknowledged before it is posted, so an event no retry will ever post (an
account number with a wrong check digit, money in another currency...) must not fail until the
queue gives up on it: the resident paid. It becomes a :class:`ProcessorException`, once per
processor event id, that a clerk decides: post the payment to the account they found, or refund
it to the payer. The decision is also the payment's (:class:`Assignment`): every later event of
that payment (a refund, a dispute) follows it, and no payment is ever posted to two accounts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from civiq.core.errors import Conflict
from civiq.payments.domain.processor_payments import ProcessorEvent


class ExceptionReason(StrEnum):
    # The payment can be posted once a clerk names the account.
    INVALID_ACCOUNT_NUMBER = "invalid-account-number"  # not our format, or a wrong check digit
    UNKNOWN_ACCOUNT = "unknown-account"  # a valid number that no account has
    CLOSED_ACCOUNT = "closed-account"  # closed, nothing owed, not one new account of its holder
    REFUSED_BY_LEDGER = "refused-by-ledger"  # e.g. a refund of a payment staff reversed already
    # Nothing the ledger can post: the money goes back to the payer.
    UNSUPPORTED_CURRENCY = "unsupported-currency"
    UNSUPPORTED_AMOUNT = "unsupported-amount"  # zero, or over the ledger's bound
    UNKNOWN_EVENT_TYPE = "unknown-event-type"  # a type we do not know, with an amount
    CONTRADICTORY_EVENTS = "contradictory-events"  # the processor's events of it disagree


POSTABLE = frozenset(
    {
        ExceptionReason.INVALID_ACCOUNT_NUMBER,
        ExceptionReason.UNKNOWN_ACCOUNT,
        ExceptionReason.CLOSED_ACCOUNT,
        ExceptionReason.REFUSED_BY_LEDGER,
    }
)


class ExceptionStatus(StrEnum):
    OPEN = "open"  # waiting for a clerk
    RESOLVED = "resolved"


class Resolution(StrEnum):
    POSTED = "posted"  # paid to the account the clerk named
    REFUND = "refund"  # to be given back to the payer; nothing posted


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an event cannot be posted as it stands (``candidates``: accounts it might be for)."""

    reason: ExceptionReason
    explanation: str
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Reported:
    """An event as far as it can be read, whatever its type: what a clerk needs to find the
    payment (fields the event does not carry as text are None) and its ``data`` as sent."""

    event_id: str
    event_type: str
    created_at: datetime
    processor_payment_id: str | None
    amount: str | None
    currency: str | None
    method: str | None
    account_number: str | None
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Delivery:
    """A verified event as the worker takes it: the event to post, or why it cannot be
    (``refusal``), or neither: a type we do not know carrying no money, acknowledged and
    ignored."""

    reported: Reported
    event: ProcessorEvent | None = None
    refusal: Refusal | None = None


@dataclass(frozen=True, slots=True)
class ProcessorException:
    reported: Reported
    reason: ExceptionReason
    explanation: str
    candidates: tuple[str, ...]
    received_at: datetime
    status: ExceptionStatus = ExceptionStatus.OPEN
    resolution: Resolution | None = None
    account_id: str | None = None  # the account paid (resolved: posted)
    decided_by: str | None = None
    decided_at: datetime | None = None
    note: str | None = None
    version: int = 1

    @classmethod
    def of(cls, reported: Reported, refusal: Refusal, received_at: datetime) -> ProcessorException:
        return cls(reported, refusal.reason, refusal.explanation, refusal.candidates, received_at)

    @property
    def event_id(self) -> str:
        return self.reported.event_id

    @property
    def can_post(self) -> bool:
        """Whether a clerk can post it to an account (else only refund it)."""
        return self.reason in POSTABLE and self.reported.processor_payment_id is not None

    def posted_to(self, account_id: str, by: str, at: datetime, note: str) -> ProcessorException:
        if not self.can_post:
            raise Conflict(
                f"a {self.reason.value} event cannot be posted to an account; refund it",
                "action",
            )
        return self._decided(Resolution.POSTED, account_id, by, at, note)

    def refunded(self, by: str, at: datetime, note: str) -> ProcessorException:
        return self._decided(Resolution.REFUND, None, by, at, note)

    def same_decision(self, resolution: Resolution | None, account_id: str | None) -> bool:
        """Whether it was resolved so already (the decision asked again)."""
        return (
            self.status is ExceptionStatus.RESOLVED
            and self.resolution is resolution
            and self.account_id == account_id
        )

    def _decided(
        self,
        resolution: Resolution,
        account_id: str | None,
        by: str,
        at: datetime,
        note: str,
    ) -> ProcessorException:
        if self.status is not ExceptionStatus.OPEN:
            decided = self.resolution.value if self.resolution else self.status.value
            raise Conflict(f"the exception was decided already ({decided})", "event_id")
        return replace(
            self,
            status=ExceptionStatus.RESOLVED,
            resolution=resolution,
            account_id=account_id,
            decided_by=by,
            decided_at=at,
            note=note,
            version=self.version + 1,
        )


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where a processor's payment goes, decided on one of its exceptions (or, for a payment a
    ledger refused, the account it is posted on): an account, or back to the payer (None)."""

    processor_payment_id: str
    account_id: str | None
    event_id: str  # the exception it was decided on

    def describe(self) -> str:
        if self.account_id is None:
            return f"payment {self.processor_payment_id} is to be refunded to the payer"
        return f"payment {self.processor_payment_id} goes to account {self.account_id}"
