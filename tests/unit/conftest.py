"""Unit-test wiring: the services over the in-memory fakes, wired the way the functions wire them.

One :class:`InMemoryStore` plays every table (Changes, AccountRepository, Outbox); the property,
customer and audit views read the same store. Builders of valid inputs live in
``tests/helpers/builders.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from civiq.accounts.adapters.memory import InMemoryCustomers, InMemoryProperties, InMemoryStore
from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.accounts import Account
from civiq.accounts.services.change_account import ChangeAccount
from civiq.accounts.services.customers import RegisterCustomer, ReviseCustomer
from civiq.accounts.services.find_account import FindAccount
from civiq.accounts.services.open_account import OpenAccount
from civiq.accounts.services.properties import RegisterProperty, ReviseProperty
from civiq.accounts.services.recording import Recorder
from civiq.accounts.services.refresh_accounts import RefreshAccounts
from civiq.billing.adapters.memory import InMemoryCycles
from civiq.billing.services.requirements import CycleRequirements
from civiq.core.events import Actor, DomainEvent
from civiq.core.fakes import FixedClock, InMemoryAuditLog, RecordingPublisher, SequentialIds
from civiq.core.publishing import PublishEvents
from civiq.metering.adapters.memory import InMemoryMetering
from civiq.rates.adapters.memory import InMemoryRateSchedules
from tests.helpers.builders import CLERK, command


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def ids() -> SequentialIds:
    return SequentialIds()


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def properties(store: InMemoryStore) -> InMemoryProperties:
    return InMemoryProperties(store)


@pytest.fixture
def customers(store: InMemoryStore) -> InMemoryCustomers:
    return InMemoryCustomers(store)


@pytest.fixture
def audit_log(store: InMemoryStore) -> InMemoryAuditLog:
    return InMemoryAuditLog(store)


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture
def numbering() -> AccountNumberScheme:
    return AccountNumberScheme()


@pytest.fixture
def actor() -> Actor:
    return CLERK


@pytest.fixture
def recorder(clock: FixedClock, ids: SequentialIds) -> Recorder:
    return Recorder(clock, ids)


@pytest.fixture
def events(store: InMemoryStore, publisher: RecordingPublisher) -> PublishEvents:
    return PublishEvents(store, publisher)


@pytest.fixture
def refresh(store: InMemoryStore, recorder: Recorder) -> RefreshAccounts:
    return RefreshAccounts(store, store, recorder)


@pytest.fixture
def open_account(
    store: InMemoryStore,
    properties: InMemoryProperties,
    customers: InMemoryCustomers,
    events: PublishEvents,
    recorder: Recorder,
    numbering: AccountNumberScheme,
    billing: CycleRequirements,
) -> OpenAccount:
    return OpenAccount(
        accounts=store,
        properties=properties,
        customers=customers,
        changes=store,
        events=events,
        recorder=recorder,
        numbering=numbering,
        billing=billing,
    )


@pytest.fixture
def billing(store: InMemoryStore) -> CycleRequirements:
    """What billing needs of an account: its rule over cycles and rates in memory (none until a
    test defines them)."""
    return CycleRequirements(
        InMemoryCycles(store), InMemoryRateSchedules(store), InMemoryMetering(store)
    )


@pytest.fixture
def change_account(
    store: InMemoryStore,
    events: PublishEvents,
    recorder: Recorder,
    properties: InMemoryProperties,
    billing: CycleRequirements,
) -> ChangeAccount:
    return ChangeAccount(
        accounts=store,
        changes=store,
        events=events,
        recorder=recorder,
        properties=properties,
        billing=billing,
    )


@pytest.fixture
def register_property(
    properties: InMemoryProperties,
    customers: InMemoryCustomers,
    store: InMemoryStore,
    recorder: Recorder,
) -> RegisterProperty:
    return RegisterProperty(properties, customers, store, recorder)


@pytest.fixture
def revise_property(
    properties: InMemoryProperties,
    store: InMemoryStore,
    recorder: Recorder,
    refresh: RefreshAccounts,
) -> ReviseProperty:
    return ReviseProperty(properties, store, store, recorder, refresh)


@pytest.fixture
def register_customer(store: InMemoryStore, recorder: Recorder) -> RegisterCustomer:
    return RegisterCustomer(store, recorder)


@pytest.fixture
def revise_customer(
    customers: InMemoryCustomers,
    store: InMemoryStore,
    recorder: Recorder,
    refresh: RefreshAccounts,
) -> ReviseCustomer:
    return ReviseCustomer(customers, store, store, recorder, refresh)


@pytest.fixture
def find_account(store: InMemoryStore, numbering: AccountNumberScheme) -> FindAccount:
    return FindAccount(store, numbering)


@pytest.fixture
def opened(open_account: OpenAccount, actor: Actor) -> Account:
    """An owner account opened with a new customer at a new single-family property."""
    return open_account(command(), actor, "corr-open")


@pytest.fixture
def make_event(clock: FixedClock) -> Callable[..., DomainEvent]:
    """A DomainEvent with a valid AccountOpened v1 payload; ``age`` backdates it."""

    def build(
        event_id: str = "EV1", age: timedelta = timedelta(0), **overrides: Any
    ) -> DomainEvent:
        occurred_at: datetime = clock.now() - age
        fields: dict[str, Any] = {
            "event_id": event_id,
            "event_type": "AccountOpened",
            "version": 1,
            "occurred_at": occurred_at,
            "actor": CLERK,
            "correlation_id": f"corr-{event_id}",
            "subject_id": f"ACCOUNT#{event_id}",
            "detail": {
                "account_id": "ACC1",
                "account_number": "UB00000018",
                "property_id": "PROP1",
                "customer_id": "CUST1",
                "customer_name": "Élise Tremblay",
                "holder_role": "owner",
                "language": "fr",
                "service_address": "12-100 Main St, Ottawa ON K1P 1J1",
                "services": ["water", "sewer"],
            },
        }
        fields.update(overrides)
        return DomainEvent(**fields)

    return build
