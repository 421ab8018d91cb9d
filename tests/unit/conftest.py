"""Shared builders for the unit tests: in-memory fakes wired the way the functions wire them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from civiq.adapters.memory import FixedClock, InMemoryAccounts, RecordingPublisher, SequentialIds
from civiq.domain.account_numbers import AccountNumberScheme
from civiq.domain.accounts import Customer, ServiceAddress
from civiq.domain.events import Actor, DomainEvent
from civiq.domain.language import Language
from civiq.services.open_account import OpenAccount, OpenAccountCommand
from civiq.services.publish_events import PublishEvents

CLERK = Actor(subject="clerk-1", role="clerk")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def ids() -> SequentialIds:
    return SequentialIds()


@pytest.fixture
def accounts() -> InMemoryAccounts:
    return InMemoryAccounts()


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
def open_account(
    accounts: InMemoryAccounts,
    publisher: RecordingPublisher,
    clock: FixedClock,
    ids: SequentialIds,
    numbering: AccountNumberScheme,
) -> OpenAccount:
    return OpenAccount(
        accounts=accounts,
        events=PublishEvents(outbox=accounts, publisher=publisher),
        clock=clock,
        ids=ids,
        numbering=numbering,
    )


@pytest.fixture
def make_command() -> Callable[..., OpenAccountCommand]:
    def build(**overrides: Any) -> OpenAccountCommand:
        fields: dict[str, Any] = {
            "customer": Customer(
                name="Élise Tremblay", email="elise@example.ca", phone="613-555-0100"
            ),
            "address": ServiceAddress(
                street="100 Main St",
                unit="12",
                city="Ottawa",
                province="ON",
                postal_code="k1p1j1",
            ),
            "language": Language.FR,
            "autopay": True,
        }
        fields.update(overrides)
        return OpenAccountCommand(**fields)

    return build


@pytest.fixture
def make_event(clock: FixedClock) -> Callable[..., DomainEvent]:
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
                "customer_name": "Élise Tremblay",
                "language": "fr",
                "service_address": "12-100 Main St, Ottawa ON K1P 1J1",
            },
        }
        fields.update(overrides)
        return DomainEvent(**fields)

    return build
