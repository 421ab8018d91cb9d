"""A supervisor reverses a write-off made in error: what is left of it (not reinstated by
payments since) is owed again, from the account's credit first, the rest as an unbilled item
the next statement shows. Once per write-off: the same reversal again changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from civiq.collections.domain.write_offs import WriteOff, reinstating
from civiq.collections.services.write_off_books import WriteOffBooks, WriteOffDraft
from civiq.core.errors import Conflict
from civiq.core.events import Actor
from civiq.ledger.domain.journal import AccountLedger, StatementChange, apply_credit, unbilled


@dataclass(frozen=True)
class ReverseWriteOff:
    books: WriteOffBooks

    def __call__(self, write_off_id: str, reason: str, actor: Actor, cid: str) -> WriteOff:
        """The write-off after; raises NotFound, Conflict (nothing of it is left written
        off)."""
        books = self.books
        account_id = books.write_offs.get(write_off_id).account_id
        guard = f"write-off-reversed:{write_off_id}"

        def compute(basis: AccountLedger, write_offs: Sequence[WriteOff]) -> WriteOffDraft | None:
            target = next(w for w in write_offs if w.write_off_id == write_off_id)
            if target.left <= 0:
                if any(r.payment_id is None for r in target.reinstatements):
                    return None  # reversed already
                raise Conflict("payments reinstated the write-off in full already", "id")
            today = books.today()
            (after,) = reinstating([target], target.left, today, None)
            owed, credit = apply_credit(target.left, basis.credit)
            item = unbilled(f"{write_off_id}-reversed")
            changes = (StatementChange(item, today, owed),) if owed else ()
            return books.reinstated(
                basis,
                guard,
                [after],
                changes,
                credit,
                reason=f"write-off {write_off_id} reversed: {reason}",
                payment_id=None,
                actor=actor,
                cid=cid,
            )

        books.post_until_settled(account_id, compute)
        reversed_ = books.write_offs.find(account_id, write_off_id)
        assert reversed_ is not None
        return reversed_
