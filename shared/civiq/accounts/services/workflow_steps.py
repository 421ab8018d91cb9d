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
from civiq.core.addresses import Address
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
class FinalBilled:
    """What ending an account's services left: the account, whether this call ended them, and
    the final bill to produce (None when another workflow ended them on another day)."""

    account: Account
    now: bool
    request: dict[str, Any] | None


@dataclass(frozen=True)
class FinalBill:
    """End an account's services on a date; the workflow then produces its final bill."""

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
        forwarding_address: Address | None = None,
    ) -> FinalBilled:
        """``also``: more (event type, payload) to publish with the change, payloads completed
        with the account's status; ``forwarding_address``: where the final bill is mailed, kept
        on the account (its history shows it). A retry (the services ended already, on ``on``)
        changes nothing and asks for the same final bill, which billing produces once."""
        before = self.accounts.get(account_id)
        if before.status not in OPEN:
            ended_here = bool(before.services) and all(s.end_date == on for s in before.services)
            request = final_bill_request(before, on, reading, reason, reference_id)
            return FinalBilled(before, False, request if ended_here else None)
        after = before.moved_out(on, forwarding_address)
        payload = final_bill_request(after, on, reading, reason, reference_id)
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
        return FinalBilled(after, True, payload)


def final_bill_request(
    account: Account, on: date, reading: FinalReading, reason: FinalBillReason, reference_id: str
) -> dict[str, Any]:
    """The final bill asked for (the FinalBillRequested event's payload)."""
    return {
        "account_id": account.account_id,
        "account_number": account.account_number,
        "property_id": account.property_id,
        "customer_id": account.holder.customer_id,
        "reason": reason.value,
        "reference_id": reference_id,
        "period_end": on.isoformat(),
        "final_reading": reading.as_payload(),
        "services": [s.service_type.value for s in account.services],
    }
