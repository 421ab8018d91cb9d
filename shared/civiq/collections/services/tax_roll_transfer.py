"""The transfer at the deadline (the TaxRollTransfer state machine's task).

What is still owed of the items the notice selected goes on the tax roll: the catalogue's
transfer fee is charged first (its own posting, once per transfer), then one ``tax-roll`` entry
of the arrears and the fee pays those items, written with the transfer's record, its line in
the day's file for the tax system, its event (ArrearsTransferredToTaxRoll) and history, in one
transaction. Paid in full meanwhile, the transfer is cancelled and the collection case resumes.
Every step is idempotent: a retried task finds the fee charged and the posting written (its
guard), and finishes what is left (the file, the case).
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from civiq.collections.domain.tax_roll import (
    SelectedItem,
    TaxRollTransfer,
    TransferMoved,
    TransferStatus,
    cancelled,
    is_due,
    line_of,
    still_owed,
    transferred,
)
from civiq.collections.services.tax_roll_work import TAX_ROLL, TaxRollWork
from civiq.core.money import dollars as money
from civiq.ledger.domain.fees import TRANSFER_TO_TAX
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

ZERO = Decimal(0)
ARREARS_TRANSFERRED = "ArrearsTransferredToTaxRoll"
PAID_BEFORE_THE_DEADLINE = "paid before the deadline"


class Outcome(StrEnum):
    WAIT = "wait"  # the deadline has not passed: wait until ``wake_at``
    TRANSFERRED = "transferred"
    CANCELLED = "cancelled"  # paid before the deadline, or withdrawn


@dataclass(frozen=True)
class TransferStep:
    outcome: Outcome
    transfer: TaxRollTransfer
    wake_at: datetime | None = None


def guard_of(transfer_id: str) -> str:
    return f"tax-roll:{transfer_id}"


@dataclass(frozen=True)
class TransferArrears:
    tax_roll: TaxRollWork

    def __call__(self, transfer_id: str, correlation_id: str) -> TransferStep:
        tax_roll = self.tax_roll
        transfer = tax_roll.transfers.get(transfer_id)
        if transfer.status is TransferStatus.TRANSFERRED:
            return self._finish(transfer, correlation_id)  # a retry: what is left
        if transfer.status is not TransferStatus.NOTICED:
            return TransferStep(Outcome.CANCELLED, transfer)
        today = tax_roll.today()
        if not is_due(transfer, today):
            return TransferStep(Outcome.WAIT, transfer, tax_roll.wake_at(transfer))
        ledger = tax_roll.work.ledger.state(transfer.account_id)
        if not still_owed(transfer, ledger.open_statements):
            return self._cancel(transfer, correlation_id)
        fee_item = self._charge_fee(transfer, correlation_id)

        def post(basis: AccountLedger) -> bool:
            posting, after = self._posting(transfer, basis, fee_item)
            event = tax_roll.books.announcer.event(
                ARREARS_TRANSFERRED,
                transfer.account_id,
                TAX_ROLL,
                correlation_id,
                transferred_detail(after),
            )
            line = line_of(after, today)
            if tax_roll.transfers.post(posting, transfer, after, line, [event], []):
                tax_roll.work.events.after_commit([event])
            return True

        with suppress(TransferMoved):  # withdrawn meanwhile: nothing was transferred
            post_until_settled(transfer.account_id, tax_roll.work.ledger.state, post)
        return self._finish(tax_roll.transfers.get(transfer_id), correlation_id)

    def _charge_fee(self, transfer: TaxRollTransfer, correlation_id: str) -> str | None:
        """The catalogue's fee as the notice stated it (its terms on the notice's day), charged
        once per transfer; the open item it is owed on (None: no fee)."""
        if not transfer.fee:
            return None
        charged = self.tax_roll.charge_fee.if_configured(
            transfer.account_id,
            TRANSFER_TO_TAX,
            transfer.transfer_id,
            TAX_ROLL,
            correlation_id,
            because="TaxRollTransfer",
            on=transfer.noticed_on,
        )
        return unbilled(charged.entries[0].entry_id) if charged else None

    def _posting(
        self, transfer: TaxRollTransfer, basis: AccountLedger, fee_item: str | None
    ) -> tuple[Posting, TaxRollTransfer]:
        """The ``tax-roll`` entry paying what is still owed of the items and the fee."""
        today = self.tax_roll.today()
        taken = still_owed(transfer, basis.open_statements)
        changes = [StatementChange(t.statement_id, t.due_on, t.owed - t.taken) for t in taken]
        gave = [SelectedItem(t.statement_id, t.due_on, t.taken) for t in taken]
        arrears = sum((t.taken for t in taken), ZERO)
        fee = ZERO
        fee_open = next((i for i in basis.open_statements if i.statement_id == fee_item), None)
        if fee_open is not None:
            fee = fee_open.owed
            changes.append(StatementChange(fee_open.statement_id, fee_open.due_on, ZERO))
            gave.append(SelectedItem(fee_open.statement_id, fee_open.due_on, fee))
        after = transferred(transfer, gave, arrears, fee, today, TAX_ROLL.subject)
        entry = append(
            basis.head,
            account_id=transfer.account_id,
            entry_id=f"TAXROLL-{transfer.transfer_id}",
            kind=EntryKind.TAX_ROLL,
            amount=-(arrears + fee),
            occurred_at=self.tax_roll.work.recorder.clock.now(),
            recorded_by=TAX_ROLL.subject,
            reason=f"added to the tax roll of roll number {transfer.roll_number}",
            source=Source("tax-roll-transfer", transfer.transfer_id),
        )
        posting = Posting(
            basis,
            guard_of(transfer.transfer_id),
            (entry,),
            tuple(changes),
            basis.credit,
            booked_on=today,
        )
        return posting, after

    def _cancel(self, transfer: TaxRollTransfer, correlation_id: str) -> TransferStep:
        tax_roll = self.tax_roll
        after = cancelled(transfer, PAID_BEFORE_THE_DEADLINE, tax_roll.today(), TAX_ROLL.subject)
        entry = tax_roll.entry(
            after, "TaxRollTransferCancelled", TAX_ROLL, correlation_id, reason=after.reason
        )
        tax_roll.transfers.end(transfer, after, [entry])
        tax_roll.release_case(after, TAX_ROLL, correlation_id)
        return TransferStep(Outcome.CANCELLED, tax_roll.transfers.get(transfer.transfer_id))

    def _finish(self, transfer: TaxRollTransfer, correlation_id: str) -> TransferStep:
        """The day's file written again with the transfer's line, the case closed."""
        if transfer.status is not TransferStatus.TRANSFERRED:
            return TransferStep(Outcome.CANCELLED, transfer)
        assert transfer.transferred_on is not None
        self.tax_roll.write_file(transfer.transferred_on)
        self.tax_roll.close_case(transfer, TAX_ROLL, correlation_id)
        return TransferStep(Outcome.TRANSFERRED, transfer)


def transferred_detail(transfer: TaxRollTransfer) -> dict[str, object]:
    """The ArrearsTransferredToTaxRoll event's detail."""
    assert transfer.transferred_on is not None
    return {
        "transfer_id": transfer.transfer_id,
        "account_id": transfer.account_id,
        "account_number": transfer.account_number,
        "roll_number": transfer.roll_number,
        "debtor": transfer.debtor.value,
        "owner_customer_id": transfer.owner_customer_id,
        "arrears": money(transfer.arrears),
        "fee": money(transfer.fee_charged),
        "total": money(transfer.total),
        "items": [
            {"item_id": i.statement_id, "due_on": i.due_on.isoformat(), "amount": money(i.owed)}
            for i in transfer.taken
        ],
        "noticed_on": transfer.noticed_on.isoformat(),
        "deadline": transfer.deadline.isoformat(),
        "transferred_on": transfer.transferred_on.isoformat(),
    }
