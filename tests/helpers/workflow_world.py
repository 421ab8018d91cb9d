"""A small municipality in memory for the move and transfer services: the in-memory fakes wired
as the workflow task function wires the DynamoDB adapters, plus helpers to open accounts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from civiq.accounts.adapters.memory import (
    InMemoryBalances,
    InMemoryCustomers,
    InMemoryProperties,
    InMemoryStore,
    InMemoryTransfers,
)
from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.accounts import Account, HolderRole, Service, ServiceType
from civiq.accounts.domain.customers import ContactDetails, CustomerKind, Preferences
from civiq.accounts.domain.moves import ArrearsPolicy
from civiq.accounts.domain.properties import PropertyType
from civiq.accounts.services.customers import NewCustomer
from civiq.accounts.services.open_account import OpenAccount, OpenAccountCommand
from civiq.accounts.services.properties import NewProperty
from civiq.accounts.services.recording import Recorder
from civiq.accounts.services.settle_account import SettleAccount
from civiq.accounts.services.workflow_steps import FinalBill
from civiq.billing.adapters.memory import InMemoryCycles
from civiq.billing.services.requirements import CycleRequirements
from civiq.core.addresses import Address
from civiq.core.events import Actor, DomainEvent
from civiq.core.fakes import (
    FixedClock,
    InMemoryMilestones,
    RecordingCallbacks,
    RecordingPublisher,
    RecordingWorkflow,
    SequentialIds,
)
from civiq.core.ids import DeterministicIds
from civiq.core.language import Language
from civiq.core.money import Money
from civiq.core.publishing import PublishEvents
from civiq.event_catalog import checked_envelope
from civiq.metering.adapters.memory import InMemoryMetering
from civiq.rates.adapters.memory import InMemoryRateSchedules

CLERK = Actor("clerk-1", "clerk")
SUPERVISOR = Actor("supervisor-1", "supervisor")
APPROVER = Actor("supervisor-2", "supervisor")  # four eyes: not the supervisor who submitted
SINCE = date(2025, 1, 1)


def person(name: str, language: Language = Language.EN) -> NewCustomer:
    return NewCustomer(
        CustomerKind.PERSON, name, Preferences(language), ContactDetails(email="r@example.ca")
    )


def all_services(start: date = SINCE) -> tuple[Service, ...]:
    return tuple(Service(kind, start) for kind in ServiceType)


@dataclass
class World:
    clock: FixedClock = field(default_factory=FixedClock)
    store: InMemoryStore = field(default_factory=InMemoryStore)
    publisher: RecordingPublisher = field(default_factory=RecordingPublisher)
    numbering: AccountNumberScheme = field(default_factory=AccountNumberScheme)
    workflow: RecordingWorkflow = field(default_factory=RecordingWorkflow)
    callbacks: RecordingCallbacks = field(default_factory=RecordingCallbacks)

    def __post_init__(self) -> None:
        self.properties = InMemoryProperties(self.store)
        self.customers = InMemoryCustomers(self.store)
        self.balances = InMemoryBalances(self.store)
        self.milestones = InMemoryMilestones(self.store)
        self.transfers = InMemoryTransfers(self.store)
        self.events = PublishEvents(self.store, self.publisher)
        self._setup_ids = SequentialIds("SETUP")
        # what billing needs of an account: no cycle until a test defines one
        self.cycles = InMemoryCycles(self.store)
        self.rates = InMemoryRateSchedules(self.store)
        self.billing = CycleRequirements(self.cycles, self.rates, InMemoryMetering(self.store))

    # wiring, as functions/workflow_tasks wires the DynamoDB adapters
    def recorder(self, seed: str) -> Recorder:
        return Recorder(self.clock, DeterministicIds(seed))

    def final_bill(self, seed: str) -> FinalBill:
        return FinalBill(self.store, self.store, self.events, self.recorder(seed))

    def settle(self, seed: str, policy: ArrearsPolicy) -> SettleAccount:
        return SettleAccount(
            self.store, self.balances, self.store, self.events, self.recorder(seed), policy
        )

    def open_account(self) -> OpenAccount:
        return OpenAccount(
            accounts=self.store,
            properties=self.properties,
            customers=self.customers,
            changes=self.store,
            events=self.events,
            recorder=Recorder(self.clock, self._setup_ids),
            numbering=self.numbering,
            billing=self.billing,
        )

    # data
    def owner_with_building(self, units: tuple[str, ...] = ("1", "2")) -> Account:
        """A duplex (units 1 and 2) whose owner lives in unit 1."""
        building = NewProperty(
            Address("12 Rue Principale", "Gatineau", "QC", "J8X 1A1"),
            PropertyType.MULTI_RESIDENTIAL,
            units=units,
        )
        command = OpenAccountCommand(
            customer=person("Olivia Owner"),
            property=building,
            unit=units[0] if units else None,
            services=all_services(),
        )
        return self.open_account()(command, CLERK, "setup")

    def tenant(self, owner: Account, unit: str = "2", name: str = "Tom Tenant") -> Account:
        command = OpenAccountCommand(
            customer=person(name),
            property=owner.property_id,
            holder_role=HolderRole.TENANT,
            unit=unit,
            services=all_services(),
        )
        return self.open_account()(command, CLERK, "setup")

    def owes(self, account: Account, amount: str) -> None:
        self.balances.owed[account.account_id] = Money(Decimal(amount))

    # observations
    def published(self, event_type: str | None = None) -> list[DomainEvent]:
        """Published events (each checked against its schema, as the outbox adapter does)."""
        for event in self.publisher.published:
            checked_envelope(event)
        return [e for e in self.publisher.published if event_type in (None, e.event_type)]

    def account(self, account_id: str) -> Account:
        return self.store.get(account_id)

    def mark(self) -> tuple[int, int]:
        """(commits, published events) so far: what a retried task must not add to."""
        return len(self.store.commits), len(self.publisher.published)
