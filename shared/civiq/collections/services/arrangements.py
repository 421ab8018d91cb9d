"""Make a payment arrangement for an account's arrears, within the municipality's policy, and
check the arrangements in force every day.

The same use case serves a clerk and a resident (through the portal): who asks is the actor, and
the policy is the same for both. What is arranged is what the ledger says is past due today; the
terms asked for are checked against the policy and the debtor's broken arrangements, and every
reason to refuse is given at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from civiq.accounts.ports import AccountRepository
from civiq.accounts.services.recording import Recorder
from civiq.collections.domain.arrangements import (
    Arrangement,
    ArrangementPolicy,
    ArrangementStatus,
    ArrangementTerms,
    Compliance,
    InstalmentFrequency,
    Standing,
    arrears,
    broken_on,
    compliance,
    instalments,
    paid_toward,
    refusals,
)
from civiq.collections.ports import Arrangements
from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict, InvalidInput
from civiq.core.events import Actor
from civiq.ledger.ports import JournalReader


@dataclass(frozen=True)
class ArrangementAsked:
    account_id: str
    down_payment: Decimal
    instalments: int
    frequency: InstalmentFrequency
    first_due: date


@dataclass(frozen=True)
class MakeArrangement:
    arrangements: Arrangements
    ledger: JournalReader
    policy: ArrangementPolicy
    recorder: Recorder

    def __call__(self, asked: ArrangementAsked, actor: Actor, correlation_id: str) -> Arrangement:
        """Raises NotFound (no such account), InvalidInput (every term the policy refuses),
        Conflict (an arrangement is in force)."""
        today = self.recorder.today()
        ledger = self.ledger.state(asked.account_id)
        owed = arrears(ledger, today)
        history = self.arrangements.of_account(asked.account_id)
        terms = ArrangementTerms(
            owed,
            asked.down_payment,
            asked.instalments,
            asked.frequency,
            asked.first_due,
            today,
        )
        if any(a.ended_on is None for a in history):
            raise Conflict("the account has an arrangement in force", "account_id")
        refused = refusals(terms, self.policy, broken_on(history))
        if refused:
            raise InvalidInput.of(refused)
        arrangement = Arrangement(
            arrangement_id=self.recorder.ids.new_id(),
            account_id=asked.account_id,
            terms=terms,
            instalments=instalments(terms, self.policy),
            made_by=actor.subject,
            made_at=self.recorder.clock.now(),
            ledger_head=ledger.head.sequence if ledger.head is not None else 0,
        )
        first_check = arrangement.check_on(self.policy.grace_days, today)
        entry = self._entry(arrangement, actor, correlation_id)
        self.arrangements.make(arrangement, first_check, entry)
        return arrangement

    def _entry(self, arrangement: Arrangement, actor: Actor, correlation_id: str) -> AuditEntry:
        terms = arrangement.terms
        return AuditEntry(
            entry_id=self.recorder.ids.new_id(),
            subject_id=f"ACCOUNT#{arrangement.account_id}",
            action="ArrangementMade",
            actor_subject=actor.subject,
            actor_role=actor.role,
            occurred_at=arrangement.made_at,
            correlation_id=correlation_id,
            detail={
                "arrangement_id": arrangement.arrangement_id,
                "owed": str(terms.owed),
                "down_payment": str(terms.down_payment),
                "instalments": [
                    [i.due_on.isoformat(), str(i.amount)] for i in arrangement.instalments
                ],
            },
        )


@dataclass(frozen=True)
class AccountArrangements:
    """An account's arrangements, newest first (NotFound: no such account)."""

    accounts: AccountRepository
    arrangements: Arrangements

    def __call__(self, account_id: str) -> Sequence[Arrangement]:
        self.accounts.get(account_id)
        return self.arrangements.of_account(account_id)


@dataclass(frozen=True)
class Checked:
    kept: int
    broken: int
    completed: int


@dataclass(frozen=True)
class CheckArrangements:
    """The daily check: each arrangement whose next payment's grace ended is checked against
    what the account paid since it was made; kept, it is checked again past the next payment's
    grace; missed, it is broken; paid in full, it is completed. Each end is recorded once (the
    store ends an arrangement only while it is in force), so a rerun changes nothing."""

    arrangements: Arrangements
    ledger: JournalReader
    policy: ArrangementPolicy
    recorder: Recorder

    def __call__(self, correlation_id: str) -> Checked:
        today = self.recorder.today()
        counts = {standing: 0 for standing in Standing}
        for arrangement in self.arrangements.due_for_check(today):
            since = self.ledger.entries_since(arrangement.account_id, arrangement.ledger_head)
            found = compliance(
                arrangement.terms,
                arrangement.instalments,
                paid_toward(since.entries),
                today,
                self.policy.grace_days,
            )
            counts[found.standing] += 1
            if found.standing is Standing.KEPT:
                next_check = arrangement.check_on(self.policy.grace_days, today)
                self.arrangements.recheck(arrangement, next_check)
                continue
            status = (
                ArrangementStatus.BROKEN
                if found.standing is Standing.MISSED
                else ArrangementStatus.COMPLETED
            )
            ended = replace(arrangement, status=status, ended_on=today)
            self.arrangements.end(arrangement, ended, self._entry(ended, found, correlation_id))
        return Checked(counts[Standing.KEPT], counts[Standing.MISSED], counts[Standing.COMPLETED])

    def _entry(self, ended: Arrangement, found: Compliance, correlation_id: str) -> AuditEntry:
        missed = found.missed
        return AuditEntry(
            entry_id=self.recorder.ids.new_id(),
            subject_id=f"ACCOUNT#{ended.account_id}",
            action="ArrangementBroken"
            if ended.status is ArrangementStatus.BROKEN
            else "ArrangementCompleted",
            actor_subject=CHECK.subject,
            actor_role=CHECK.role,
            occurred_at=self.recorder.clock.now(),
            correlation_id=correlation_id,
            detail={
                "arrangement_id": ended.arrangement_id,
                "due": str(found.due),
                "paid": str(found.paid),
                "missed_instalment": None if missed is None else missed.number,
                "missed_due_on": None if missed is None else missed.due_on.isoformat(),
            },
        )


CHECK = Actor(subject="civiq-arrangement-check", role="system")
