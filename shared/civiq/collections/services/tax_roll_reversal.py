"""Reverse a transfer to the tax roll (supervisors): one made in error, or cancelled by council.

The transfer's total (the arrears and the fee) is owed on the utility account again: one
``tax-roll`` entry, owed as an unbilled item named after it (receivables count it as arrears
returned from the tax roll), written with the transfer's record, its history and a reversal
line in today's file for the tax system, in one transaction; posted once (its guard).
"""

from __future__ import annotations

from dataclasses import dataclass

from civiq.collections.domain.tax_roll import (
    TaxRollTransfer,
    TransferStatus,
    line_of,
    taken_back,
)
from civiq.collections.services.tax_roll_work import TaxRollWork
from civiq.core.errors import Conflict
from civiq.core.events import Actor
from civiq.core.money import dollars as money
from civiq.ledger.domain.journal import (
    AccountLedger,
    EntryKind,
    Posting,
    Source,
    StatementChange,
    append,
    unbilled,
)
from civiq.ledger.services.posting import post_until_settled


@dataclass(frozen=True)
class ReverseTransfer:
    tax_roll: TaxRollWork

    def __call__(
        self, transfer_id: str, reason: str, actor: Actor, correlation_id: str
    ) -> TaxRollTransfer:
        """Raises NotFound (no such transfer), Conflict (it was not transferred, or is
        reversed already)."""
        tax_roll = self.tax_roll
        transfer = tax_roll.transfers.get(transfer_id)
        if transfer.status is not TransferStatus.TRANSFERRED:
            raise Conflict(f"the transfer is {transfer.status.value}", "transfer_id")
        today = tax_roll.today()
        after = taken_back(transfer, reason, today, actor.subject)

        entry_id = f"TAXROLL-{transfer.transfer_id}-reversed"

        def post(basis: AccountLedger) -> bool:
            entry = append(
                basis.head,
                account_id=transfer.account_id,
                entry_id=entry_id,
                kind=EntryKind.TAX_ROLL,
                amount=transfer.total,
                occurred_at=tax_roll.work.recorder.clock.now(),
                recorded_by=actor.subject,
                reason=f"taken back from the tax roll of roll number {transfer.roll_number}: "
                + reason,
                source=Source("tax-roll-transfer", transfer.transfer_id),
            )
            posting = Posting(
                basis,
                f"tax-roll-reversal:{transfer.transfer_id}",
                (entry,),
                (StatementChange(unbilled(entry_id), today, transfer.total),),
                basis.credit,
                booked_on=today,
            )
            history = tax_roll.entry(
                after,
                "TaxRollTransferReversed",
                actor,
                correlation_id,
                reason=reason,
                total=money(transfer.total),
            )
            return tax_roll.transfers.post(
                posting, transfer, after, line_of(after, today), [], [history]
            )

        post_until_settled(transfer.account_id, tax_roll.work.ledger.state, post)
        tax_roll.write_file(today)
        return tax_roll.transfers.get(transfer_id)
