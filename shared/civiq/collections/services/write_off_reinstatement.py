"""Reinstate written-off arrears when a payment reaches the account later (a consumer of
PaymentPosted): a payment that leaves the account in credit while its write-offs are not all
reinstated reinstates the smaller of the two, newest write-off first, paid at once from that
credit, so the money goes to the old debt rather than sitting as a credit. Once per payment
(the posting's guard names it); an account without write-offs costs one read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from civiq.collections.domain.write_offs import WriteOff, outstanding, reinstating
from civiq.collections.services.write_off_books import WriteOffBooks, WriteOffDraft
from civiq.core.events import Actor
from civiq.ledger.domain.journal import AccountLedger

WRITE_OFFS = Actor("civiq-write-offs", "system")


@dataclass(frozen=True)
class ReinstateWrittenOff:
    books: WriteOffBooks

    def __call__(self, account_id: str, payment_id: str, cid: str) -> Decimal:
        """What the payment reinstated (0: nothing)."""
        books = self.books
        if outstanding(books.write_offs.of_account(account_id)) <= 0:
            return Decimal(0)

        def compute(basis: AccountLedger, write_offs: Sequence[WriteOff]) -> WriteOffDraft | None:
            amount = min(basis.credit, outstanding(write_offs))
            if amount <= 0:
                return None
            changed = reinstating(write_offs, amount, books.today(), payment_id)
            return books.reinstated(
                basis,
                f"write-off-reinstated:{payment_id}",
                changed,
                (),
                basis.credit - amount,
                reason=f"written-off arrears reinstated: paid by payment {payment_id}",
                payment_id=payment_id,
                actor=WRITE_OFFS,
                cid=cid,
            )

        posted = books.post_until_settled(account_id, compute)
        return posted.posting.moved if posted is not None else Decimal(0)
