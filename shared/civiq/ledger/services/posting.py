"""Posting to an account's ledger: computed from the account's state, written if that state still
holds, computed again if it moved (another posting went first).

:func:`post_until_settled` is the ledger's one retry policy: payments, refunds, reversals,
penalties, adjustments and statements (billing runs, final bills, rebills) all post through it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from civiq.accounts.ports import AccountRepository
from civiq.core.dates import local_today
from civiq.core.events import Actor, DomainEvent
from civiq.core.ports import Clock, IdGenerator
from civiq.core.publishing import PublishEvents
from civiq.ledger.domain.journal import AccountLedger, LedgerMoved, Posting
from civiq.ledger.domain.payments import Payment, Refund
from civiq.ledger.ports import LedgerRepository, PaymentRepository

ATTEMPTS = 12
BACKOFF_S = 0.01  # doubled per attempt, with jitter, up to MAX_BACKOFF_S
MAX_BACKOFF_S = 0.5

Result = TypeVar("Result")


def post_until_settled(
    account_id: str,
    state: Callable[[str], AccountLedger],
    post: Callable[[AccountLedger], Result],
) -> Result:
    """``post`` what it makes of the account's ledger as it stands; when another posting went
    first (``post`` raises LedgerMoved: the ledger is no longer at the head it was computed
    from), read the ledger again and post again, after a jittered pause that doubles each time.
    Raises LedgerMoved after ATTEMPTS tries (an account that busy is retried by its caller)."""
    for attempt in range(ATTEMPTS):
        try:
            return post(state(account_id))
        except LedgerMoved:
            pause = min(MAX_BACKOFF_S, BACKOFF_S * 2**attempt)
            time.sleep(pause * random.random())  # noqa: S311 (jitter, not a secret)
    raise LedgerMoved(account_id)


@dataclass(frozen=True)
class Draft:
    """A posting with the records and events it writes."""

    posting: Posting
    payment: Payment | None = None
    refund: Refund | None = None
    events: Sequence[DomainEvent] = field(default=())


@dataclass(frozen=True)
class PaymentLedger:
    """What the use cases that post to the ledger share."""

    ledger: LedgerRepository
    payments: PaymentRepository
    accounts: AccountRepository
    announcer: Announcer
    events: PublishEvents
    time_zone: ZoneInfo

    def today(self) -> date:
        return local_today(self.announcer.clock, self.time_zone)

    def post_until_settled(
        self, account_id: str, compute: Callable[[AccountLedger], Draft]
    ) -> Draft | None:
        """Post what ``compute`` makes of the account's current ledger, and publish its events;
        returns the draft posted, or None when its guard was posted before (a retry, a
        duplicate delivery)."""

        def post(basis: AccountLedger) -> Draft | None:
            draft = compute(basis)
            posted = self.ledger.post(
                draft.posting, payment=draft.payment, refund=draft.refund, events=draft.events
            )
            return draft if posted else None

        draft = post_until_settled(account_id, self.ledger.state, post)
        if draft is not None and draft.events:
            self.events.after_commit(draft.events)
        return draft


@dataclass(frozen=True)
class Announcer:
    """Events of the ledger's postings, in the account's history."""

    clock: Clock
    ids: IdGenerator

    def event(
        self, event_type: str, account_id: str, actor: Actor, cid: str, detail: dict[str, Any]
    ) -> DomainEvent:
        return DomainEvent(
            self.ids.new_id(),
            event_type,
            1,
            self.clock.now(),
            actor,
            cid,
            f"ACCOUNT#{account_id}",
            detail,
        )
