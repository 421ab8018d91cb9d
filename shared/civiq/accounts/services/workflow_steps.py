"""Building blocks shared by the move and transfer workflow tasks.

Every task is idempotent: it checks the state before acting (a retried task finds its work
done), builds its ids from the execution (:class:`~civiq.core.ids.
DeterministicIds`), and writes each change atomically with its history and events.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from civiq.accounts.domain.accounts import Account, AccountStatus
from civiq.accounts.domain.moves import FinalBillReason, FinalReading
from civiq.accounts.ports import AccountRepository, Change, Changes
from civiq.accounts.services.recording import Recorder, Step
from civiq.core.audit import AuditEntry
from civiq.core.events import Actor, DomainEvent
from civiq.core.history import subject_of
from civiq.core.publishing import PublishEvents

OPEN = (AccountStatus.PENDING, AccountStatus.ACTIVE)
SYSTEM = Actor(subject="civiq-workflow", role="system")


def new_event(
    recorder: Recorder,
    actor: Actor,
    correlation_id: str,
    subject_id: str,
    event_type: str,
    payload: dict[str, Any],
) -> DomainEvent:
    return DomainEvent(
        recorder.ids.new_id(),
        event_type,
        1,
        recorder.clock.now(),
        actor,
        correlation_id,
        subject_id,
        payload,
    )


def with_events(change: Change, events: list[DomainEvent]) -> Change:
    """``change`` plus more events, each with its history entry (same id, so the audit writer
    finds it already written when the event comes back from the bus)."""
    return replace(
        change,
        events=[*change.events, *events],
        history=[*change.history, *(AuditEntry.of(e) for e in events)],
    )


def commit(changes: Changes, events: PublishEvents, change: Change) -> None:
    changes.commit(change)
    events.after_commit(change.events)


def closed_payload(account: Account, at: datetime) -> dict[str, Any]:
    """AccountClosed, as the staff close service publishes it."""
    return {
        "account_id": account.account_id,
        "account_number": account.account_number,
        "property_id": account.property_id,
        "closed_at": at.isoformat(),
        "status": AccountStatus.CLOSED.value,
    }


@dataclass(frozen=True)
class FinalBill:
    """End an account's services on a date and ask billing for its final bill."""

    accounts: AccountRepository
    changes: Changes
    events: PublishEvents
    recorder: Recorder

    def __call__(
        self,
        account_id: str,
        on: date,
        reading: FinalReading,
        reason: FinalBillReason,
        reference_id: str,
        actor: Actor,
        correlation_id: str,
        also: list[tuple[str, dict[str, Any]]] | None = None,
    ) -> tuple[Account, bool]:
        """The account after; False when it was already final-billed or closed (a retry, or
        another workflow got there first). ``also``: more (event type, payload) to publish with
        the change, payloads completed with the account's status."""
        before = self.accounts.get(account_id)
        if before.status not in OPEN:
            return before, False
        after = before.moved_out(on)
        payload = {
            "account_id": after.account_id,
            "account_number": after.account_number,
            "property_id": after.property_id,
            "customer_id": after.holder.customer_id,
            "reason": reason.value,
            "reference_id": reference_id,
            "period_end": on.isoformat(),
            "final_reading": reading.as_payload(),
            "services": [s.service_type.value for s in after.services],
        }
        step = Step(after, "FinalBillRequested", before, ("FinalBillRequested", payload))
        change = self.recorder.change([step], actor, correlation_id)
        extra = [
            new_event(
                self.recorder,
                actor,
                correlation_id,
                subject_of(after),
                event_type,
                {**data, "status": after.status.value},
            )
            for event_type, data in also or []
        ]
        commit(self.changes, self.events, with_events(change, extra))
        return after, True
