"""Make a payment arrangement for an account's arrears, within the municipality's policy, and
list an account's arrangements. The account's collection case, if it has one, is paused while
the arrangement is in force.

The same use case serves a clerk and a resident (through the portal): who asks is the actor, and
the policy is the same for both. What is arranged is what the ledger says is past due today; the
terms asked for are checked against the policy and the arrangements the debtor (the account's
holder) broke on any account they hold, and every reason to refuse is given at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from civiq.accounts.domain.accounts import Account
from civiq.accounts.ports import AccountRepository
from civiq.accounts.services.recording import Recorder
from civiq.collections.domain.arrangements import (
    Arrangement,
    ArrangementPolicy,
    ArrangementTerms,
    InstalmentFrequency,
    arrears,
    broken_on,
    instalments,
    refusals,
)
from civiq.collections.domain.dunning import arrangement_hold
from civiq.collections.ports import Arrangements
from civiq.collections.services.case_holds import PauseCase
from civiq.core.errors import Conflict, InvalidInput
from civiq.core.events import Actor, DomainEvent
from civiq.core.money import dollars as money
from civiq.core.ports import Page
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
    accounts: AccountRepository
    arrangements: Arrangements
    ledger: JournalReader
    policy: ArrangementPolicy
    recorder: Recorder
    pause_case: PauseCase

    def __call__(self, asked: ArrangementAsked, actor: Actor, correlation_id: str) -> Arrangement:
        """Raises NotFound (no such account), InvalidInput (every term the policy refuses),
        Conflict (an arrangement is in force)."""
        today = self.recorder.today()
        account = self.accounts.get(asked.account_id)
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
        refused = refusals(terms, self.policy, self._broken_by(account, history))
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
        created = self._created(arrangement, actor, correlation_id)
        self.arrangements.make(arrangement, first_check, created)
        self.pause_case.work.events.after_commit([created])
        # the account's collection case waits while the arrangement is kept (should this stop
        # short, the case's next advance pauses it: it finds the arrangement in force)
        self.pause_case(
            asked.account_id, arrangement_hold(arrangement.arrangement_id), actor, correlation_id
        )
        return arrangement

    def _broken_by(self, account: Account, history: Sequence[Arrangement]) -> list[date]:
        """The days the arrangements of every account ``account``'s holder holds were broken
        (``history``: this account's, read already): a debtor's record follows them from one
        address to the next."""
        debtor = account.holder.customer_id
        others = [
            a.account_id
            for a in self.accounts.of_customer(debtor)
            if a.holder_customer_id == debtor and a.account_id != account.account_id
        ]
        return broken_on(history) + [
            day for other in others for day in broken_on(self.arrangements.of_account(other))
        ]

    def _created(self, arrangement: Arrangement, actor: Actor, correlation_id: str) -> DomainEvent:
        terms = arrangement.terms
        return DomainEvent(
            event_id=self.recorder.ids.new_id(),
            event_type="ArrangementCreated",
            version=1,
            occurred_at=arrangement.made_at,
            actor=actor,
            correlation_id=correlation_id,
            subject_id=f"ACCOUNT#{arrangement.account_id}",
            detail={
                "arrangement_id": arrangement.arrangement_id,
                "account_id": arrangement.account_id,
                "owed": money(terms.owed),
                "down_payment": money(terms.down_payment),
                "frequency": terms.frequency.value,
                "instalments": [
                    {"due_on": i.due_on.isoformat(), "amount": money(i.amount)}
                    for i in arrangement.instalments
                ],
            },
        )


@dataclass(frozen=True)
class ArrangementViews:
    """What staff read of arrangements: an account's, and every account's in force."""

    accounts: AccountRepository
    arrangements: Arrangements

    def of_account(self, account_id: str) -> Sequence[Arrangement]:
        """Newest first. Raises NotFound (no such account)."""
        self.accounts.get(account_id)
        return self.arrangements.of_account(account_id)

    def in_force(self, limit: int, after: str | None) -> Page[Arrangement]:
        """The next to be checked first."""
        return self.arrangements.in_force(limit, after)
