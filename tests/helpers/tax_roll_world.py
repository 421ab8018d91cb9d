"""Transfers of arrears to the tax roll on the in-memory adapters: a collections world whose
properties carry roll numbers, an owner's (or a tenant's) account billed and long past due, and
the tax-roll services over it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal as D

from civiq.accounts.adapters.memory import InMemoryCustomers
from civiq.accounts.domain.accounts import Account, HolderRole
from civiq.accounts.domain.properties import Property
from civiq.accounts.services.properties import RegisterProperty
from civiq.collections.adapters.memory import InMemoryTaxRollFiles
from civiq.collections.domain.tax_roll import TaxRollPolicy, TaxRollTransfer
from civiq.collections.services.tax_roll_notice import NoticeTransfer
from civiq.collections.services.tax_roll_reversal import ReverseTransfer
from civiq.collections.services.tax_roll_transfer import TransferArrears, TransferStep
from civiq.collections.services.tax_roll_withdrawal import WithdrawTransfer
from civiq.collections.services.tax_roll_work import TaxRollWork
from civiq.core.events import Actor
from civiq.core.fakes import RecordingWorkflow
from civiq.ledger.domain.fees import TRANSFER_TO_TAX, Fee, FeeCatalogue, FeeTax, FeeVersion
from tests.helpers.builders import ROLL, new_property
from tests.helpers.collections_world import CollectionsWorld
from tests.helpers.metering_world import CLERK

SUPERVISOR = Actor("supervisor-2", "supervisor")
FEE = FeeVersion(
    date(2026, 1, 1),
    D("40.00"),
    "Tax roll transfer fee",
    "Frais de transfert au rôle d'imposition",
    "4100-TAXROLL",
    FeeTax("HST", "TVH", D("0.13")),
)


@dataclass
class TaxRollWorld(CollectionsWorld):
    def __post_init__(self) -> None:
        super().__post_init__()
        self.files = InMemoryTaxRollFiles()
        self.transfer_workflow = RecordingWorkflow()
        self.tax_roll = self.with_policy(TaxRollPolicy())

    def with_policy(self, policy: TaxRollPolicy) -> TaxRollWork:
        return TaxRollWork(
            transfers=self.transfers,
            files=self.files,
            work=self.work,
            properties=self.properties,
            books=self.books,
            catalogues=self.fees,
            workflow=self.transfer_workflow,
            policy=policy,
        )

    def charging_the_fee(self) -> None:
        """The catalogue's transfer fee: 40.00 and 13% HST (45.20)."""
        self.fees.catalogue = FeeCatalogue.of([Fee(TRANSFER_TO_TAX, (FEE,))], 1)

    def rolled_property(self, roll_number: str | None = ROLL) -> Property:
        register = RegisterProperty(
            self.properties, InMemoryCustomers(self.store), self.store, self.recorder
        )
        return register(new_property(roll_number=roll_number), CLERK, "corr-property")

    def long_past_due(
        self,
        roll_number: str | None = ROLL,
        tenant: bool = False,
        days: int = 61,
    ) -> tuple[Account, D]:
        """An account (the owner's, or a tenant's) billed once, its bill ``days`` past due;
        what it owes."""
        prop = self.rolled_property(roll_number)
        account = self.account(prop)
        if tenant:
            account = self.account(prop, name="Marc Gagnon", role=HolderRole.TENANT)
        self.consenting(account)
        statement = self.billed_by_a_run(account, ("2026-09-30", "100"), ("2026-11-30", "130"))
        self.on(statement.due_on + timedelta(days=days))
        return account, statement.total_due

    def notice(
        self, account_id: str, transfer_id: str | None = None, work: TaxRollWork | None = None
    ) -> TaxRollTransfer:
        return NoticeTransfer(work or self.tax_roll)(
            account_id, transfer_id, SUPERVISOR, "corr-notice"
        )

    def at_deadline(self, transfer: TaxRollTransfer) -> TransferStep:
        """The workflow's task the day after the deadline."""
        self.on(transfer.deadline + timedelta(days=1))
        return TransferArrears(self.tax_roll)(transfer.transfer_id, "corr-deadline")

    def withdraw(self, transfer_id: str, reason: str = "billing error") -> TaxRollTransfer:
        return WithdrawTransfer(self.tax_roll)(transfer_id, reason, SUPERVISOR, "corr-withdraw")

    def reverse(self, transfer_id: str, reason: str = "cancelled by council") -> TaxRollTransfer:
        return ReverseTransfer(self.tax_roll)(transfer_id, reason, SUPERVISOR, "corr-reverse")
