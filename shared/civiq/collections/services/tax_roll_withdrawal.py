"""Withdraw a transfer to the tax roll before its deadline (supervisors): the transfer is
cancelled, its workflow stopped, and the collection case it paused resumes."""

from __future__ import annotations

from dataclasses import dataclass

from civiq.collections.domain.tax_roll import TaxRollTransfer, TransferStatus, cancelled
from civiq.collections.services.tax_roll_work import TaxRollWork
from civiq.core.errors import Conflict
from civiq.core.events import Actor


@dataclass(frozen=True)
class WithdrawTransfer:
    tax_roll: TaxRollWork

    def __call__(
        self, transfer_id: str, reason: str, actor: Actor, correlation_id: str
    ) -> TaxRollTransfer:
        """Raises NotFound (no such transfer), Conflict (it is no longer noticed)."""
        tax_roll = self.tax_roll
        transfer = tax_roll.transfers.get(transfer_id)
        if transfer.status is not TransferStatus.NOTICED:
            raise Conflict(f"the transfer is {transfer.status.value}", "transfer_id")
        after = cancelled(transfer, f"withdrawn: {reason}", tax_roll.today(), actor.subject)
        entry = tax_roll.entry(
            after, "TaxRollTransferWithdrawn", actor, correlation_id, reason=reason
        )
        if not tax_roll.transfers.end(transfer, after, [entry]):
            raise Conflict("the transfer changed meanwhile", "transfer_id")
        tax_roll.workflow.stop(transfer.execution, f"withdrawn: {reason}")
        tax_roll.release_case(after, actor, correlation_id)
        return after
