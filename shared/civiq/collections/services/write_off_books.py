"""What the write-off use cases share: an account's ledger and write-offs read together, posted
to until settled, and the entry and event of arrears reinstated.

A write-off record changes only inside a posting to its account's ledger, whose condition on the
ledger's head serialises every change of the account. The ledger is read before the write-offs:
a posting that lands between the two reads moves the head, so the posting computed from them is
refused and computed again, never written from write-offs older than its ledger.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from civiq.accounts.ports import AccountRepository
from civiq.accounts.services.recording import Recorder
from civiq.collections.domain.write_offs import WriteOff, WriteOffPolicy
from civiq.collections.ports import WriteOffs
from civiq.core.events import Actor, DomainEvent
from civiq.core.money import dollars
from civiq.core.publishing import PublishEvents
from civiq.ledger.domain.journal import (
    AccountLedger,
    EntryKind,
    LedgerEntry,
    Posting,
    Source,
    StatementChange,
    append,
)
from civiq.ledger.ports import JournalReader
from civiq.ledger.services.posting import post_until_settled

WRITTEN_OFF = "ArrearsWrittenOff"
REINSTATED = "WrittenOffArrearsReinstated"


@dataclass(frozen=True)
class WriteOffDraft:
    """A posting with the write-off it makes, those it reinstates and its events."""

    posting: Posting
    made: WriteOff | None = None
    changed: Sequence[WriteOff] = ()
    events: Sequence[DomainEvent] = field(default=())


Compute = Callable[[AccountLedger, Sequence[WriteOff]], WriteOffDraft | None]


@dataclass(frozen=True)
class WriteOffBooks:
    accounts: AccountRepository
    ledger: JournalReader
    write_offs: WriteOffs
    recorder: Recorder
    events: PublishEvents
    policy: WriteOffPolicy

    def post_until_settled(self, account_id: str, compute: Compute) -> WriteOffDraft | None:
        """Post what ``compute`` makes of the account's ledger and write-offs (None: nothing to
        post), again from what they are when another posting went first; publish its events.
        None when nothing was posted (nothing to, or its guard was posted before)."""

        def post(basis: AccountLedger) -> WriteOffDraft | None:
            draft = compute(basis, self.write_offs.of_account(account_id))
            if draft is None:
                return None
            posted = self.write_offs.post(draft.posting, draft.made, draft.changed, draft.events)
            return draft if posted else None

        draft = post_until_settled(account_id, self.ledger.state, post)
        if draft is not None:
            self.events.after_commit(draft.events)
        return draft

    def entry(
        self, basis: AccountLedger, entry_id: str, amount: Decimal, reason: str, actor: Actor
    ) -> LedgerEntry:
        """A ``write-off`` entry: negative, arrears written off; positive, reinstated."""
        return append(
            basis.head,
            account_id=basis.account_id,
            entry_id=entry_id,
            kind=EntryKind.WRITE_OFF,
            amount=amount,
            occurred_at=self.recorder.clock.now(),
            recorded_by=actor.subject,
            reason=reason,
            source=Source("write-off", entry_id),
        )

    def event(
        self, event_type: str, account_id: str, actor: Actor, cid: str, detail: dict[str, Any]
    ) -> DomainEvent:
        return DomainEvent(
            self.recorder.ids.new_id(),
            event_type,
            1,
            self.recorder.clock.now(),
            actor,
            cid,
            f"ACCOUNT#{account_id}",
            detail,
        )

    def reinstated(
        self,
        basis: AccountLedger,
        guard: str,
        changed: Sequence[WriteOff],
        owed_again: Sequence[StatementChange],
        credit: Decimal,
        *,
        reason: str,
        payment_id: str | None,
        actor: Actor,
        cid: str,
    ) -> WriteOffDraft:
        """The posting that reinstates what ``changed`` (the write-offs after) took back last:
        owed again on ``owed_again``, or paid at once from the account's credit (``credit``:
        what is left of it); ``payment_id``: the payment that reinstated (None: a supervisor's
        reversal)."""
        parts = [(w.write_off_id, w.reinstatements[-1].amount) for w in changed]
        amount = sum((part for _, part in parts), Decimal(0))
        entry = self.entry(basis, self.recorder.ids.new_id(), amount, reason, actor)
        detail = {
            "account_id": basis.account_id,
            "amount": dollars(amount),
            "payment_id": payment_id,
            "reason": reason,
            "write_offs": [{"write_off_id": i, "amount": dollars(a)} for i, a in parts],
            "balance_after": dollars(basis.balance + amount),
        }
        return WriteOffDraft(
            Posting(basis, guard, (entry,), tuple(owed_again), credit),
            changed=changed,
            events=[self.event(REINSTATED, basis.account_id, actor, cid, detail)],
        )

    def today(self) -> date:
        return self.recorder.today()
