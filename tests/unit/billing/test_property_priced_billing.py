"""Billing accounts whose charges are priced by their property: a flat rate for an unmetered
property beside the metered accounts of the same schedule, a daily basic charge for a
customer-owned meter, stormwater in billing units of the property's impervious area, and the
refusal of an account whose property lacks what its rates are priced by.

Every expectation is worked out by hand in the comment beside it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest

from civiq.accounts.adapters.memory import InMemoryCustomers
from civiq.accounts.domain.accounts import Account, ServiceType
from civiq.accounts.domain.properties import Property
from civiq.accounts.services.properties import RegisterProperty
from civiq.billing.domain.cycles import Outcome
from civiq.core.errors import InvalidInput
from civiq.metering.domain.meters import MeterOwner, MeterSize
from civiq.rates.domain.charges import ChargeLine, ChargeType
from civiq.rates.domain.rates import (
    Basis,
    Block,
    FixedCharge,
    Metering,
    Per,
    PropertyCharge,
    RateSchedule,
    RateVersion,
    StormwaterUnits,
    UnitRounding,
    VolumetricRate,
)
from tests.helpers.billing_world import SCHEDULE, SERVICE_START, BillingWorld
from tests.helpers.builders import command, new_customer, new_property, services
from tests.helpers.metering_world import CLERK

WATER = ChargeType.WATER
# The same schedule id the world's cycle bills, with property-priced charges.
PRICED = RateSchedule(
    SCHEDULE.schedule_id,
    "Water and stormwater",
    (
        RateVersion(
            date(2026, 1, 1),
            None,
            (
                FixedCharge(
                    WATER,
                    {MeterSize.MM15: D("0.4100")},
                    basis=Basis(Per.DAYS, 1),
                    customer_owned_prices={MeterSize.MM15: D("0.3500")},
                ),
                VolumetricRate(WATER, (Block(None, D("2.0000")),)),
                PropertyCharge(
                    WATER,
                    "property_type",
                    {},
                    D("150.00"),
                    metering=Metering.UNMETERED,
                    basis=Basis(Per.QUARTER),
                ),
                StormwaterUnits(D(267), D("100.00"), UnitRounding.NEAREST, 1),
            ),
        ),
    ),
)


@pytest.fixture
def world() -> BillingWorld:
    world = BillingWorld()
    world.rates.schedules[PRICED.schedule_id] = PRICED
    world.cycle()
    return world


def _property(world: BillingWorld, **details: object) -> Property:
    customers = InMemoryCustomers(world.store)
    register = RegisterProperty(world.properties, customers, world.store, world.recorder)
    return register(replace(new_property(), **details), CLERK, "corr-property")


def _account(world: BillingWorld, prop: Property, *kinds: ServiceType) -> Account:
    opened = command(
        new_customer("Élise Tremblay"),
        prop.property_id,
        services=services(*(kinds or (ServiceType.WATER,)), start=SERVICE_START),
    )
    return world.open(opened, CLERK, "corr-open")


def _lines(world: BillingWorld, account: Account) -> list[tuple[str, D]]:
    run = world.start("residential-a", date(2026, 11, 30), CLERK, "corr-run")
    outcome = world.bill_account(account.account_id, run.request(), PRICED)
    assert outcome.outcome is Outcome.BILLED, outcome
    statement = world.statements.get(account.account_id, outcome.statement_id or "")
    lines: list[ChargeLine] = list(statement.bill.lines)
    return [(line.kind, line.amount) for line in lines]


def test_an_unmetered_property_is_billed_its_flat_rate_and_no_fixed_charge(
    world: BillingWorld,
) -> None:
    account = _account(world, _property(world))
    # 2026-09-30 (exclusive) to 2026-11-30: 61 days; 4 x 150.00 x 61/365 = 100.2739 -> 100.27
    assert _lines(world, account) == [("property", D("100.27"))]


def test_a_customer_owned_meter_pays_its_daily_basic_charge(world: BillingWorld) -> None:
    prop = _property(world)
    account = _account(world, prop)
    meter = world.meter(prop, owner=MeterOwner.CUSTOMER)
    world.read(meter, "2026-09-30", "100")
    world.read(meter, "2026-11-30", "130")
    # 61 days x 0.3500 = 21.35; 30 m3 x 2.00 = 60.00; no flat rate (it has a meter)
    assert _lines(world, account) == [("fixed", D("21.35")), ("volumetric", D("60.00"))]


def test_stormwater_is_billed_in_units_of_the_propertys_impervious_area(
    world: BillingWorld,
) -> None:
    prop = _property(world, impervious_area=D("700.00"))
    account = _account(world, prop, ServiceType.WATER, ServiceType.STORMWATER)
    # 700 / 267 = 2.6217 -> 2.6 units x 100.00 a year x 61/365 = 43.4520 -> 43.45
    assert ("stormwater-units", D("43.45")) in _lines(world, account)


def test_an_account_whose_property_lacks_the_area_is_refused_when_opened(
    world: BillingWorld,
) -> None:
    prop = _property(world)
    with pytest.raises(InvalidInput) as refused:
        _account(world, prop, ServiceType.WATER, ServiceType.STORMWATER)
    assert refused.value.field == "property_id"
    assert "impervious_area" in refused.value.message
