"""What billing needs of an account (:class:`CycleRequirements`, the accounts feature's
BillingRequirements) answers alike over the in-memory fakes and over DynamoDB: nothing before
any cycle exists; the route when no cycle bills it; each attribute the cycle's current rates
price the account's services by and it lacks; a meter's size only once a meter serves it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from civiq.accounts.adapters.memory import InMemoryStore
from civiq.accounts.domain.accounts import CartSize, ServiceType
from civiq.accounts.domain.billability import BillingAttribute, BillingProfile, Unmet
from civiq.accounts.domain.properties import Property, PropertyType
from civiq.billing.adapters.dynamodb import DynamoCycles
from civiq.billing.adapters.memory import InMemoryCycles
from civiq.billing.domain.cycles import CycleDefinition, Frequency
from civiq.billing.services.requirements import CycleRequirements
from civiq.core.audit import AuditEntry
from civiq.metering.adapters.dynamodb import DynamoMetering
from civiq.metering.adapters.memory import InMemoryMetering
from civiq.metering.domain.metering import InstalledMeter
from civiq.metering.domain.meters import Meter, MeterSize, MeterType
from civiq.metering.ports import MeteringChange
from civiq.rates.adapters.dynamodb import DynamoRateSchedules
from civiq.rates.adapters.memory import InMemoryRateSchedules
from civiq.rates.domain.charges import ChargeType
from civiq.rates.domain.rates import FixedCharge, RateSchedule, RateVersion, WasteCharge
from tests.helpers.builders import address

AT = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
TODAY = AT.date()
PROPERTY = Property("P1", address(), None, PropertyType.SINGLE_FAMILY, AT, units=("1", "2"))
SCHEDULE = RateSchedule(
    "town",
    "Town",
    (
        RateVersion(
            date(2026, 1, 1),
            None,
            (
                FixedCharge(ChargeType.WATER, {MeterSize.MM15: Decimal("372.00")}),
                WasteCharge({CartSize.SMALL: Decimal(150), CartSize.MEDIUM: Decimal(200)}),
            ),
        ),
    ),
)


@dataclass
class Backend:
    cycles: Any
    rates: Any
    metering: Any

    @property
    def requirements(self) -> CycleRequirements:
        return CycleRequirements(self.cycles, self.rates, self.metering)

    def bill(self, *routes: str) -> None:
        """The town's rates (a fixed water charge for 15 mm meters, waste by cart size) and a
        cycle of ``routes``."""
        self.rates.save(None, SCHEDULE, entry("RATE"))
        definition = CycleDefinition(
            "town", "Town", Frequency.BIMONTHLY, routes, SCHEDULE.schedule_id, date(2026, 1, 31)
        )
        self.cycles.save(None, definition, entry("CYCLE"))

    def install(self, meter_id: str, size: MeterSize, unit: str | None) -> None:
        meter = Meter(meter_id, f"SN-{meter_id}", size, MeterType.DISPLACEMENT, date(2024, 1, 1))
        installed = InstalledMeter(meter, PROPERTY.property_id, unit, "clerk-1")
        self.metering.commit(MeteringChange(installed=[installed]))


def entry(subject: str) -> AuditEntry:
    return AuditEntry(f"E-{subject}", f"{subject}#1", "Defined", "s", "supervisor", AT, "c", {})


@pytest.fixture(params=["memory", "dynamodb"])
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == "memory":
        store = InMemoryStore()
        return Backend(InMemoryCycles(store), InMemoryRateSchedules(store), InMemoryMetering(store))
    request.getfixturevalue("aws")
    return Backend(DynamoCycles(), DynamoRateSchedules(), DynamoMetering())


def profile(
    services: frozenset[ServiceType] = frozenset({ServiceType.WATER, ServiceType.WASTE}),
    cart_size: CartSize | None = CartSize.MEDIUM,
    unit: str | None = "1",
    route: str = "1",
) -> BillingProfile:
    return BillingProfile(PROPERTY, unit, route, services, cart_size, TODAY)


def test_before_any_cycle_exists_nothing_is_asked(backend: Backend) -> None:
    assert list(backend.requirements.unmet(profile(cart_size=None, route="9"))) == []


def test_a_route_no_cycle_bills_is_unmet(backend: Backend) -> None:
    backend.bill("2", "3")
    assert list(backend.requirements.unmet(profile())) == [
        Unmet(BillingAttribute.ROUTE, "no billing cycle bills route 1")
    ]


def test_waste_without_a_cart_is_unmet_and_a_priced_cart_is_not(backend: Backend) -> None:
    backend.bill("1")
    assert list(backend.requirements.unmet(profile())) == []
    assert list(backend.requirements.unmet(profile(cart_size=None))) == [
        Unmet(
            BillingAttribute.CART_SIZE,
            "cart_size is required: the schedule has a waste charge by it",
        )
    ]


def test_a_meter_size_is_asked_only_of_a_meter_serving_the_account(backend: Backend) -> None:
    backend.bill("1")
    water = frozenset({ServiceType.WATER})
    assert list(backend.requirements.unmet(profile(water))) == []  # no meter yet
    backend.install("M2", MeterSize.MM25, unit="2")  # another unit's: not this account's
    assert list(backend.requirements.unmet(profile(water))) == []
    backend.install("M1", MeterSize.MM25, unit="1")
    assert list(backend.requirements.unmet(profile(water))) == [
        Unmet(BillingAttribute.METER_SIZE, "the rate schedule has no fixed charge for 25mm")
    ]
    assert list(backend.requirements.unmet(profile(frozenset({ServiceType.WASTE})))) == []
