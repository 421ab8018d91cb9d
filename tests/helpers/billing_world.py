"""Billing in memory: accounts, meters and reads (through their services), a rate schedule and
a bimonthly cycle, with the billing services wired over the in-memory fakes as the billing
functions wire the DynamoDB adapters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal as D

from civiq.accounts.adapters.memory import InMemoryBalances, InMemoryCustomers
from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.accounts import Account, HolderRole, ServiceType
from civiq.accounts.domain.properties import Property
from civiq.accounts.services.open_account import OpenAccount
from civiq.billing.adapters.memory import (
    InlineStatementDocuments,
    InMemoryAccountsOnFile,
    InMemoryCycles,
    InMemoryManifests,
    InMemoryRuns,
    InMemoryStatements,
)
from civiq.billing.domain.cycles import BillingRun, CycleDefinition, Frequency
from civiq.billing.domain.statements import Statement
from civiq.billing.services.billing import BillAccount, BillBatch
from civiq.billing.services.cycles import DefineCycle, PrepareRun, StartRun, SummarizeRun
from civiq.billing.services.final_bills import ProduceFinalBill
from civiq.billing.services.issue_statements import IssueBatch, IssueStatements, Letterhead
from civiq.billing.services.rebill import RebillStatement
from civiq.billing.services.requirements import CycleRequirements
from civiq.core.fakes import FakeRenderer, InMemoryDocuments, RecordingWorkflow
from civiq.ledger.adapters.memory import InMemoryFeeCatalogues, InMemoryLedger
from civiq.ledger.services.fees import ChargeFee
from civiq.ledger.services.posting import Announcer, PaymentLedger
from civiq.metering.domain.meters import MeterSize
from civiq.rates.adapters.memory import InMemoryRateSchedules
from civiq.rates.domain.charges import ChargeType
from civiq.rates.domain.rates import (
    Block,
    FixedCharge,
    RateSchedule,
    RateVersion,
    SewerCharge,
    VolumetricRate,
)
from tests.helpers.builders import command, new_customer, services, shared_meters
from tests.helpers.metering_world import CLERK, World

PERIOD_END = date(2026, 11, 30)
SERVICE_START = date(2026, 10, 1)
RUN_DAY = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)  # three days after the period ended

SCHEDULE = RateSchedule(
    "water-2026",
    "Water and sewer 2026",
    (
        RateVersion(
            date(2026, 1, 1),
            None,
            (
                FixedCharge(ChargeType.WATER, {MeterSize.MM15: D("120.00")}),
                VolumetricRate(ChargeType.WATER, (Block(None, D("2.0000")),)),
                SewerCharge(percent=D(80)),
            ),
        ),
    ),
)


@dataclass
class BillingWorld(World):
    def __post_init__(self) -> None:
        super().__post_init__()
        self.clock.advance(seconds=(RUN_DAY - self.clock.now()).total_seconds())
        self.balances = InMemoryBalances(self.store)
        self.ledger = InMemoryLedger(self.store)  # statements post their charges to it
        self.statements = InMemoryStatements(self.store, self.balances, self.ledger)
        self.runs = InMemoryRuns(self.store)
        self.cycles = InMemoryCycles(self.store)
        self.manifests = InMemoryManifests()
        self.workflow = RecordingWorkflow()
        self.renderer = FakeRenderer()
        self.documents = InMemoryDocuments()
        m = self.metering
        self.bill_account = BillAccount(
            self.store,
            self.properties,
            m,
            m,
            self.statements,
            self.ledger,
            self.estimate,
            self.clock,
            self.recorder.ids,
        )
        self.bill_batch = BillBatch(
            self.bill_account,
            self.runs,
            InMemoryAccountsOnFile(self.store, self.ledger, self.statements),
        )
        self.rates = InMemoryRateSchedules(self.store)
        self.rates.schedules[SCHEDULE.schedule_id] = SCHEDULE
        self.define = DefineCycle(self.cycles, self.rates, self.recorder)
        self.start = StartRun(self.cycles, self.runs, self.workflow, self.recorder)
        self.prepare = PrepareRun(self.store, self.runs, self.manifests)
        self.summarize = SummarizeRun(self.runs, self.recorder)
        self.issue = IssueStatements(
            self.statements,
            self.renderer,
            self.documents,
            self.events,
            Letterhead("Town of Example", "https://portal.example.ca", AccountNumberScheme()),
            self.clock,
            self.recorder.ids,
        )
        self.issue_batch = IssueBatch(self.issue, self.runs)
        self.fees = InMemoryFeeCatalogues(self.store)
        self.books = PaymentLedger(
            self.ledger,
            self.ledger,
            self.store,
            Announcer(self.clock, self.recorder.ids),
            self.events,
            self.recorder.time_zone,
        )
        self.final_bill = ProduceFinalBill(
            self.store,
            m,
            self.record,
            self.cycles,
            self.rates,
            self.bill_account,
            self.issue,
            self.recorder,
            ChargeFee(self.books, self.fees),
        )
        self.documents_requested = InlineStatementDocuments(self.issue)
        self.rebill = RebillStatement(
            self.store,
            self.statements,
            self.bill_account,
            self.cycles,
            self.rates,
            self.documents_requested,
            self.recorder,
        )
        self.open = OpenAccount(
            accounts=self.store,
            properties=self.properties,
            customers=InMemoryCustomers(self.store),
            changes=self.store,
            events=self.events,
            recorder=self.recorder,
            numbering=AccountNumberScheme(),
            billing=CycleRequirements(self.cycles, self.rates, m),
        )

    def account(
        self,
        prop: Property | None = None,
        unit: str | None = None,
        name: str = "Élise Tremblay",
        role: HolderRole = HolderRole.OWNER,
        started: date = SERVICE_START,
    ) -> Account:
        prop = prop or self.property()
        kinds = (ServiceType.WATER, ServiceType.SEWER)
        opened = command(
            new_customer(name),
            prop.property_id,
            unit=unit,
            holder_role=role,
            services=services(*kinds, start=started),
        )
        return self.open(opened, CLERK, f"corr-open-{name}")

    def shared_building(self) -> Property:
        return self.property(units=("1", "2"), meters=shared_meters(**{"1": "0.6", "2": "0.4"}))

    def cycle(self) -> CycleDefinition:
        definition = CycleDefinition(
            "residential-a",
            "Residential A",
            Frequency.BIMONTHLY,
            ("1",),
            SCHEDULE.schedule_id,
            date(2026, 9, 30),
            read_days=5,
        )
        return self.define.create(definition, CLERK, "corr-cycle")

    def run(self) -> BillingRun:
        self.cycle()
        return self.start("residential-a", PERIOD_END, CLERK, "corr-run")

    def billed_by_a_run(
        self, account: Account, *reads: tuple[str, str], serial: str = "SN-1001"
    ) -> Statement:
        """``account``'s statement of a run of the cycle, its meter (``serial``) installed and
        read (day, register) first."""
        meter = self.meter(self.properties.get(account.property_id), serial=serial)
        for on, value in reads:
            self.read(meter, on, value)
        run = self.run()
        outcome = self.bill_account(account.account_id, run.request(), SCHEDULE)
        return self.statements.get(account.account_id, outcome.statement_id or "")
