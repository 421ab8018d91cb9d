"""Record a contact with a delinquent account's holder on its case, with what it changes: a
promise to pay holds the next stage until the promised day is over; a dispute pauses the case
(its execution stopped, as a clerk's pause does). The contact and the case's change are one
write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from civiq.collections.domain.contacts import (
    Contact,
    ContactChannel,
    ContactOutcome,
    contact_refusals,
)
from civiq.collections.domain.dunning import CaseStatus, Promise, pause, promised
from civiq.collections.ports import CaseChange
from civiq.collections.services.case_holds import DISPUTE
from civiq.collections.services.casework import Casework, Reading
from civiq.core.errors import Conflict, InvalidInput
from civiq.core.events import Actor
from civiq.core.history import as_record


@dataclass(frozen=True)
class ContactTold:
    account_id: str
    channel: ContactChannel
    outcome: ContactOutcome
    note: str | None = None
    promised_amount: Decimal | None = None
    promised_by: date | None = None


@dataclass(frozen=True)
class RecordContact:
    work: Casework

    def __call__(self, told: ContactTold, actor: Actor, correlation_id: str) -> Contact:
        """Raises NotFound (no such account), InvalidInput (a promise without its amount or
        day, or a day too far off), Conflict (no case open or paused on the account)."""
        work = self.work
        work.accounts.get(told.account_id)
        today = work.recorder.today()
        refused = contact_refusals(told.outcome, told.promised_amount, told.promised_by, today)
        if refused:
            raise InvalidInput.of(refused)
        contact_id = work.recorder.ids.new_id()
        now = work.recorder.clock.now()

        def decision(reading: Reading) -> CaseChange:
            case = reading.case
            contact = Contact(
                contact_id,
                told.account_id,
                case.case_id,
                now,
                actor.subject,
                told.channel,
                told.outcome,
                told.note,
                told.promised_amount,
                told.promised_by,
            )
            after = case
            if told.outcome is ContactOutcome.PROMISE_TO_PAY:
                assert told.promised_amount is not None and told.promised_by is not None
                promise = Promise(told.promised_amount, told.promised_by, contact_id)
                after = promised(case, promise, today)
            elif told.outcome is ContactOutcome.DISPUTE and case.status is CaseStatus.OPEN:
                after = pause(case, DISPUTE, today)
            recorded = as_record(contact)
            entry = work.entry(
                after, "CollectionContactRecorded", actor, correlation_id, **recorded
            )
            return CaseChange(after, entries=[entry], contacts=[contact])

        change = work.decide(told.account_id, today, decision)
        if change is None:
            raise Conflict("the account has no collection case open", "id")
        if change.after.status is CaseStatus.PAUSED and change.after.paused_by == DISPUTE:
            work.stop(change.after, f"paused: {DISPUTE}")
        return change.contacts[0]
