"""A collections world with collection agencies on the in-memory adapters: the roster, the
referral, recall and remittance services, and the daily files' assembly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal as D

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.accounts import Account
from civiq.billing.domain.cycles import BillingRun
from civiq.collections.adapters.memory import (
    InMemoryAgencyFiles,
    InMemoryAgencyRemittances,
    InMemoryAgencyRosters,
)
from civiq.collections.domain.agencies import Agency, AgencyRoster
from civiq.collections.services.agency_files import AssembleAgencyFiles
from civiq.collections.services.agency_recalls import RecallReferral
from civiq.collections.services.agency_referrals import ReferAccount
from civiq.collections.services.agency_remittances import RecordAgencyRemittance
from civiq.collections.services.agency_roster import ConfigureAgencies
from civiq.core.events import Actor
from civiq.notices.adapters.memory import InMemoryPrintFileStore
from civiq.payments.services.payments import PostPayment
from tests.helpers.billing_world import SCHEDULE
from tests.helpers.collections_world import CollectionsWorld

SUPERVISOR = Actor("supervisor-1", "supervisor")
NORTHERN = Agency("northern", "Northern Credit Services", D("25.00"), "Ana Roy", "ana@northern.ca")
SOUTHERN = Agency("southern", "Southern Recovery", D("18.50"))


@dataclass
class AgencyWorld(CollectionsWorld):
    def __post_init__(self) -> None:
        super().__post_init__()
        self.delinquents = 0
        self.billing_run: BillingRun | None = None
        self.rosters = InMemoryAgencyRosters()
        self.remittances = InMemoryAgencyRemittances(self.referrals)
        self.agency_files = InMemoryAgencyFiles(self.referrals)
        self.file_store = InMemoryPrintFileStore()
        self.configure = ConfigureAgencies(self.rosters, self.referrals, self.recorder)
        self.refer = ReferAccount(self.rosters, self.referrals, self.open_case)
        self.recall = RecallReferral(self.open_case, self.referrals)
        self.record_remittance = RecordAgencyRemittance(
            self.open_case,
            self.rosters,
            self.referrals,
            self.remittances,
            PostPayment(self.books),
            AccountNumberScheme(),
        )
        self.assemble = AssembleAgencyFiles(
            self.rosters,
            self.agency_files,
            self.file_store,
            AccountNumberScheme(),
            self.clock,
            self.recorder.time_zone,
        )

    def contracted(self) -> None:
        """Northern (25 %) and Southern (18.5 %) on the roster."""
        self.configure(AgencyRoster((NORTHERN, SOUTHERN)), SUPERVISOR, "corr-roster")

    def delinquent(self, name: str = "Élise Tremblay") -> tuple[Account, D]:
        """An account of ``name`` whose statement is 40 days past due, with its case open; what
        it owes."""
        self.delinquents += 1
        account = self.account(name=name)
        reads = ("2026-09-30", "100"), ("2026-11-30", str(120 + 10 * self.delinquents))
        meter = self.meter(
            self.properties.get(account.property_id), serial=f"SN-{1000 + self.delinquents}"
        )
        for on, value in reads:
            self.read(meter, on, value)
        if self.billing_run is None:
            self.billing_run = self.run()
        outcome = self.bill_account(account.account_id, self.billing_run.request(), SCHEDULE)
        statement = self.statements.get(account.account_id, outcome.statement_id or "")
        self.on(statement.due_on + timedelta(days=40))
        self.open_case(account.account_id, SUPERVISOR, "corr-open")
        return account, statement.total_due
