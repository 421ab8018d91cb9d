"""What every use case on transfers to the tax roll shares: the account's collection case held
while a transfer is pending (and let go, or closed, after it), the transfer's workflow, the
history entries, and the day's file for the tax system written again after every line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from civiq.accounts.ports import PropertyRepository
from civiq.collections.domain.dunning import CaseEnd, CaseStatus, close
from civiq.collections.domain.tax_roll import (
    TaxRollPolicy,
    TaxRollTransfer,
    file_text,
    tax_roll_hold,
)
from civiq.collections.ports import CaseChange, TaxRollFiles, TaxRollTransfers
from civiq.collections.services.case_holds import PauseCase, ResumeCase
from civiq.collections.services.casework import Casework, Reading
from civiq.core.audit import AuditEntry
from civiq.core.events import Actor
from civiq.core.ports import Workflow
from civiq.ledger.ports import FeeCatalogueRepository
from civiq.ledger.services.fees import ChargeFee
from civiq.ledger.services.posting import PaymentLedger

TAX_ROLL = Actor("civiq-tax-roll", "system")


@dataclass(frozen=True)
class TaxRollWork:
    transfers: TaxRollTransfers
    files: TaxRollFiles
    work: Casework  # the accounts, their cases, ledger, notifier and events
    properties: PropertyRepository
    books: PaymentLedger
    catalogues: FeeCatalogueRepository
    workflow: Workflow  # the TaxRollTransfer state machine
    policy: TaxRollPolicy

    @property
    def charge_fee(self) -> ChargeFee:
        return ChargeFee(self.books, self.catalogues)

    def today(self) -> date:
        return self.work.recorder.today()

    def entry(
        self,
        transfer: TaxRollTransfer,
        action: str,
        actor: Actor,
        correlation_id: str,
        **detail: Any,
    ) -> AuditEntry:
        """A history entry on the transfer's account."""
        recorder = self.work.recorder
        return AuditEntry(
            entry_id=recorder.ids.new_id(),
            subject_id=f"ACCOUNT#{transfer.account_id}",
            action=action,
            actor_subject=actor.subject,
            actor_role=actor.role,
            occurred_at=recorder.clock.now(),
            correlation_id=correlation_id,
            detail={"transfer_id": transfer.transfer_id, **detail},
        )

    def wake_at(self, transfer: TaxRollTransfer) -> datetime:
        """When the transfer is made: the start of the day after its deadline, in the
        municipality."""
        day_after = transfer.deadline + timedelta(days=1)
        return datetime.combine(day_after, time(), tzinfo=self.work.recorder.time_zone).astimezone(
            UTC
        )

    def start(self, transfer: TaxRollTransfer) -> None:
        """Start the transfer's execution (idempotent: named after the transfer); its task
        answers when to wait until."""
        self.workflow.start(
            transfer.execution,
            {"transfer_id": transfer.transfer_id, "account_id": transfer.account_id},
        )

    def hold_case(self, transfer: TaxRollTransfer, actor: Actor, correlation_id: str) -> None:
        """The account's open case paused: no stage notice while the transfer is pending."""
        PauseCase(self.work)(
            transfer.account_id, tax_roll_hold(transfer.transfer_id), actor, correlation_id
        )

    def release_case(self, transfer: TaxRollTransfer, actor: Actor, correlation_id: str) -> None:
        """The case the transfer paused back on its ladder (closed when nothing worth
        following is past due)."""
        ResumeCase(self.work)(
            transfer.account_id, actor, correlation_id, held_by=tax_roll_hold(transfer.transfer_id)
        )

    def close_case(self, transfer: TaxRollTransfer, actor: Actor, correlation_id: str) -> None:
        """The account's case closed, its arrears on the tax roll, and its execution stopped
        (a case another hold paused is left to it)."""
        work = self.work
        today = self.today()
        hold = tax_roll_hold(transfer.transfer_id)

        def decision(reading: Reading) -> CaseChange | None:
            case = reading.case
            held_by_us = case.status is CaseStatus.PAUSED and case.paused_by == hold
            if case.status is not CaseStatus.OPEN and not held_by_us:
                return None
            after = close(case, reading.late, today, CaseEnd.TAX_ROLL)
            entry = work.entry(
                after,
                "CollectionCaseClosed",
                actor,
                correlation_id,
                ended=CaseEnd.TAX_ROLL.value,
                transfer_id=transfer.transfer_id,
            )
            return CaseChange(after, reading.ledger_sequence, entries=[entry])

        change = work.decide(transfer.account_id, today, decision)
        if change is not None:
            work.stop(change.after, "closed: the arrears went on the tax roll")

    def write_file(self, day: date) -> str:
        """``day``'s file from its lines, whole (the same lines give the same file)."""
        return self.files.write(day, file_text(self.transfers.lines(day)))
