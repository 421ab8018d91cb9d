"""Write arrears off an account: a clerk up to the clerk's authority, a supervisor any amount,
the daily small-balance run by itself.

The write-off is one ledger entry that pays the open items oldest first, posted in one
transaction with its record, its event (ArrearsWrittenOff) and its history; the same
write-off id again changes nothing. The account's collection case then follows the ledger: it
closes as written off, its execution stopped, when nothing worth following is past due.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from civiq.collections.domain.write_offs import (
    Authority,
    WriteOff,
    WriteOffCategory,
    authority_of,
    case_after,
    refusals,
)
from civiq.collections.services.case_payments import FollowPayment
from civiq.collections.services.write_off_books import WRITTEN_OFF, WriteOffBooks, WriteOffDraft
from civiq.core.errors import InvalidInput
from civiq.core.events import Actor
from civiq.core.money import dollars
from civiq.ledger.domain.journal import (
    AccountLedger,
    AllocationOrder,
    Posting,
    allocate,
    paying,
)


@dataclass(frozen=True)
class WriteOffAsked:
    account_id: str
    amount: Decimal
    category: WriteOffCategory
    reason: str
    write_off_id: str | None = None  # the caller's, to retry safely (None: a new one)


@dataclass(frozen=True)
class Written:
    write_off: WriteOff
    new: bool  # False: written off before under the same id


@dataclass(frozen=True)
class WriteOffArrears:
    books: WriteOffBooks
    follow_case: FollowPayment

    def __call__(
        self,
        asked: WriteOffAsked,
        actor: Actor,
        cid: str,
        authority: Authority | None = None,
    ) -> Written:
        """Raises NotFound (no such account), InvalidInput (``amount``: above the clerk's
        authority, or above what the account owes), WriteOffIdTaken. ``authority``: the
        automatic run's (None: the actor's role decides)."""
        books = self.books
        account_id = asked.account_id
        books.accounts.get(account_id)
        write_off_id = asked.write_off_id or books.recorder.ids.new_id()
        before = books.write_offs.find(account_id, write_off_id)
        if before is None:
            decided = authority or authority_of(actor.role, asked.amount, books.policy)

            def compute(basis: AccountLedger, _: Sequence[WriteOff]) -> WriteOffDraft:
                return self._draft(basis, write_off_id, asked, decided, actor, cid)

            posted = books.post_until_settled(account_id, compute)
            if posted is not None and posted.made is not None:
                self._follow(account_id, cid)
                return Written(posted.made, True)
            before = books.write_offs.find(account_id, write_off_id)
            assert before is not None  # its guard was posted: so was its record
        self._follow(account_id, cid)  # an earlier try may have stopped short of the case
        return Written(before, False)

    def _follow(self, account_id: str, cid: str) -> None:
        self.follow_case(account_id, cid, case_after)

    def _draft(
        self,
        basis: AccountLedger,
        write_off_id: str,
        asked: WriteOffAsked,
        authority: Authority,
        actor: Actor,
        cid: str,
    ) -> WriteOffDraft:
        refused = refusals(asked.amount, basis)
        if refused:
            raise InvalidInput.of(refused)
        books = self.books
        allocation = allocate(asked.amount, basis.open_statements, AllocationOrder.OLDEST_FIRST)
        changes, credit = paying(basis, allocation)
        reason = f"written off ({asked.category.value}): {asked.reason}"
        entry = books.entry(basis, write_off_id, -asked.amount, reason, actor)
        made = WriteOff(
            write_off_id=write_off_id,
            account_id=basis.account_id,
            amount=asked.amount,
            category=asked.category,
            reason=asked.reason,
            written_off_by=actor.subject,
            authority=authority,
            written_off_at=entry.occurred_at,
        )
        detail = {
            "write_off_id": write_off_id,
            "account_id": basis.account_id,
            "amount": dollars(asked.amount),
            "reason_category": asked.category.value,
            "reason": asked.reason,
            "authority": authority.value,
            "applied": [
                {"statement_id": a.statement_id, "amount": dollars(a.amount)}
                for a in allocation.applied
            ],
            "balance_after": dollars(basis.balance - asked.amount),
        }
        return WriteOffDraft(
            Posting(basis, f"write-off:{write_off_id}", (entry,), changes, credit),
            made=made,
            events=[books.event(WRITTEN_OFF, basis.account_id, actor, cid, detail)],
        )
