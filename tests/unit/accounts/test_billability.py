"""Only billable accounts are opened: a new account takes the services and cart its request leaves
out from the unit's previous occupant (else the property's other accounts), and an account the
cycle billing its route could not bill is refused when it is opened or changed, naming every
field at fault, with nothing written. On the in-memory fakes, with billing's own rule
(:class:`CycleRequirements`) over the town's rates."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from civiq.accounts.domain.accounts import Account, CartSize, HolderRole, Service, ServiceType
from civiq.accounts.domain.moves import FinalReading
from civiq.accounts.domain.properties import PropertyType
from civiq.accounts.services.change_account import ChangeAccount
from civiq.accounts.services.moves import (
    CheckMove,
    MoveCommand,
    MoveInCommand,
    MoveOutCommand,
    RecordMoveIn,
    RecordMoveOut,
)
from civiq.accounts.services.open_account import OpenAccountCommand
from civiq.accounts.services.properties import NewProperty, RegisterProperty
from civiq.accounts.services.transfers import (
    OpenBuyerAccounts,
    RecordNewOwner,
    SubmitTransfer,
    TransferCommand,
)
from civiq.billing.domain.cycles import CycleDefinition, Frequency
from civiq.core.addresses import Address
from civiq.core.errors import FieldError, InvalidInput
from civiq.core.ids import DeterministicIds
from civiq.rates.domain.rates import RateSchedule, RateVersion, StormwaterCharge, WasteCharge
from civiq.rates.schemas.rates import NewRateSchedule
from infra.local.demo_rates import sample_schedule
from tests.helpers.workflow_world import CLERK, SUPERVISOR, World, person

TOWN_RATES = NewRateSchedule.model_validate_json(json.dumps(sample_schedule())).to_domain()
MOVE_IN_DAY = date(2026, 12, 1)  # the world's clock reads 2026-11-26
SINCE = date(2025, 1, 1)
CLOSING = date(2026, 12, 15)
WASTE_NEEDS_A_CART = "the account could not be billed: cart_size is required: the schedule has "
WASTE_NEEDS_A_CART += "a waste charge by it"


@pytest.fixture
def world() -> World:
    return World()


def billed_by(
    world: World, schedule: RateSchedule = TOWN_RATES, routes: tuple[str, ...] = ("1",)
) -> None:
    """A cycle of ``routes`` at ``schedule``'s rates: from now on accounts are checked."""
    world.rates.schedules[schedule.schedule_id] = schedule
    world.cycles.cycles["town"] = CycleDefinition(
        "town", "Town", Frequency.BIMONTHLY, routes, schedule.schedule_id, date(2026, 1, 31)
    )


def kinds(*names: ServiceType, start: date = SINCE) -> tuple[Service, ...]:
    return tuple(Service(kind, start) for kind in names)


def building(world: World, owner_cart: CartSize | None = CartSize.SMALL) -> Account:
    """A duplex whose owner lives in unit 1 with all four services and a small cart."""
    command = OpenAccountCommand(
        customer=person("Olivia Owner"),
        property=NewProperty(
            Address("12 Rue Principale", "Gatineau", "QC", "J8X 1A1"),
            PropertyType.MULTI_RESIDENTIAL,
            units=("1", "2"),
        ),
        unit="1",
        services=kinds(*ServiceType),
        cart_size=owner_cart,
    )
    return world.open_account()(command, CLERK, "setup")


def tenant(world: World, owner: Account, services: tuple[Service, ...], **more: Any) -> Account:
    command = OpenAccountCommand(
        customer=person("Tom Tenant"),
        property=owner.property_id,
        holder_role=HolderRole.TENANT,
        unit="2",
        services=services,
        **more,
    )
    return world.open_account()(command, CLERK, "setup")


def moved_out(world: World, account: Account, on: date = date(2026, 11, 20)) -> None:
    command = MoveOutCommand(account.account_id, on, FinalReading.estimated(on))
    seed = f"out-{account.account_id}"
    RecordMoveOut(world.final_bill(f"{seed}/move_out"))(seed, command, CLERK, "c")


def move_in(owner: Account, **changes: Any) -> MoveInCommand:
    fields: dict[str, Any] = {
        "property_id": owner.property_id,
        "customer": person("Nina Newcomer"),
        "holder_role": HolderRole.TENANT,
        "move_in_date": MOVE_IN_DAY,
        "unit": "2",
    }
    fields.update(changes)
    return MoveInCommand(**fields)


def check(world: World) -> CheckMove:
    return CheckMove(world.store, world.properties, world.customers, world.clock, world.billing)


def record_move_in(world: World, command: MoveInCommand, move_id: str = "MV1") -> Account:
    record = RecordMoveIn(
        world.store,
        world.properties,
        world.customers,
        world.store,
        world.events,
        world.milestones,
        world.numbering,
        world.clock,
        world.billing,
    )
    return record(move_id, command, DeterministicIds(f"{move_id}/move_in"), CLERK, "c")


def refused(world: World, attempt: Any) -> InvalidInput:
    before = world.mark()
    with pytest.raises(InvalidInput) as error:
        attempt()
    assert world.mark() == before  # nothing written, nothing published
    return error.value


# ------------------------------------------------------------------ defaults


def test_a_move_in_without_services_takes_the_previous_occupants_services_and_cart(
    world: World,
) -> None:
    billed_by(world)
    owner = building(world)
    previous = tenant(
        world, owner, kinds(ServiceType.WATER, ServiceType.WASTE), cart_size=CartSize.MEDIUM
    )
    moved_out(world, previous)
    command = move_in(owner)
    check(world)(MoveCommand(move_in=command))  # accepted: billable with the medium cart

    account = record_move_in(world, command)

    assert account.services == kinds(ServiceType.WATER, ServiceType.WASTE, start=MOVE_IN_DAY)
    assert account.cart_size is CartSize.MEDIUM


def test_named_services_are_kept_and_their_missing_cart_taken_from_the_previous_occupant(
    world: World,
) -> None:
    owner = building(world)
    previous = tenant(world, owner, kinds(ServiceType.WASTE), cart_size=CartSize.LARGE)
    moved_out(world, previous)
    named = kinds(ServiceType.SEWER, ServiceType.WASTE, start=date(2026, 12, 5))
    account = record_move_in(world, move_in(owner, services=named))
    assert (account.services, account.cart_size) == (named, CartSize.LARGE)


def test_a_named_cart_is_kept(world: World) -> None:
    owner = building(world)
    previous = tenant(world, owner, kinds(ServiceType.WASTE), cart_size=CartSize.LARGE)
    moved_out(world, previous)
    account = record_move_in(world, move_in(owner, cart_size=CartSize.SMALL))
    assert account.cart_size is CartSize.SMALL


def test_a_unit_never_occupied_takes_the_propertys_other_accounts(world: World) -> None:
    owner = building(world, owner_cart=CartSize.MEDIUM)
    account = record_move_in(world, move_in(owner))
    assert account.services == kinds(*ServiceType, start=MOVE_IN_DAY)
    assert account.cart_size is CartSize.MEDIUM


def test_what_the_previous_occupant_lacks_comes_from_the_other_accounts(world: World) -> None:
    owner = building(world, owner_cart=CartSize.LARGE)
    previous = tenant(world, owner, kinds(ServiceType.WATER, ServiceType.WASTE))  # no cart
    moved_out(world, previous)
    account = record_move_in(world, move_in(owner))
    assert account.services == kinds(ServiceType.WATER, ServiceType.WASTE, start=MOVE_IN_DAY)
    assert account.cart_size is CartSize.LARGE


def test_the_units_most_recent_occupant_comes_first(world: World) -> None:
    owner = building(world)
    first = tenant(world, owner, kinds(ServiceType.WASTE), cart_size=CartSize.SMALL)
    moved_out(world, first)
    world.clock.advance(days=14)
    second = record_move_in(world, move_in(owner, cart_size=CartSize.LARGE), "MV1")
    moved_out(world, second, on=date(2026, 12, 5))
    third = record_move_in(world, move_in(owner, move_in_date=date(2026, 12, 6)), "MV2")
    assert third.cart_size is CartSize.LARGE


def test_a_staff_opened_account_without_services_takes_the_units_previous_occupants(
    world: World,
) -> None:
    owner = building(world)
    services = kinds(ServiceType.SEWER, ServiceType.WASTE)
    previous = tenant(world, owner, services, cart_size=CartSize.MEDIUM)
    moved_out(world, previous)
    command = OpenAccountCommand(
        customer=person("Nina Newcomer"),
        property=owner.property_id,
        holder_role=HolderRole.TENANT,
        unit="2",
    )
    account = world.open_account()(command, CLERK, "c")
    today = world.recorder("today").today()
    assert account.services == kinds(ServiceType.SEWER, ServiceType.WASTE, start=today)
    assert account.cart_size is CartSize.MEDIUM


def test_with_no_account_at_the_property_all_four_services_and_no_cart(world: World) -> None:
    owner = building(world)
    register = RegisterProperty(world.properties, world.customers, world.store, world.recorder("p"))
    empty = register(
        NewProperty(
            Address("14 Rue Principale", "Gatineau", "QC", "J8X 1A1"),
            PropertyType.SINGLE_FAMILY,
            owner_customer_id=owner.holder.customer_id,
        ),
        CLERK,
        "c",
    )
    command = OpenAccountCommand(customer=owner.holder.customer_id, property=empty.property_id)
    account = world.open_account()(command, CLERK, "c")
    assert {s.service_type for s in account.services} == set(ServiceType)
    assert account.cart_size is None  # no cycle yet: nothing refuses it


# ------------------------------------------------------------------ refusals


def test_a_staff_open_with_waste_and_no_cart_is_refused_naming_cart_size(world: World) -> None:
    billed_by(world)
    error = refused(world, lambda: building(world, owner_cart=None))
    assert error.errors == [FieldError("cart_size", WASTE_NEEDS_A_CART)]
    assert world.store.accounts() == []


def test_every_missing_field_is_named_at_once(world: World) -> None:
    houses_only = RateSchedule(
        "houses",
        "Houses",
        (
            RateVersion(
                date(2026, 1, 1),
                None,
                (
                    StormwaterCharge({PropertyType.SINGLE_FAMILY: Decimal("110.40")}),
                    WasteCharge({CartSize.SMALL: Decimal("150.00")}),
                ),
            ),
        ),
    )
    billed_by(world, houses_only)
    error = refused(world, lambda: building(world, owner_cart=CartSize.LARGE))
    assert [e.field for e in error.errors] == ["property.property_type", "cart_size"]
    assert "no stormwater for multi-residential" in error.errors[0].message
    assert "no waste charge for large" in error.errors[1].message


def test_an_account_on_a_route_no_cycle_bills_is_refused_naming_the_route(world: World) -> None:
    billed_by(world, routes=("2",))
    error = refused(world, lambda: building(world))
    assert [(e.field, e.message) for e in error.errors] == [
        ("property.route", "the account could not be billed: no billing cycle bills route 1")
    ]


def test_on_an_existing_property_the_property_is_named(world: World) -> None:
    owner = building(world)
    billed_by(world, routes=("2",))
    error = refused(world, lambda: tenant(world, owner, kinds(ServiceType.WATER)))
    assert [e.field for e in error.errors] == ["property_id"]


def test_a_move_in_billing_could_not_bill_is_refused_up_front(world: World) -> None:
    owner = building(world, owner_cart=None)  # opened before billing was set up
    billed_by(world)
    error = refused(world, lambda: check(world)(MoveCommand(move_in=move_in(owner))))
    assert [(e.field, e.message) for e in error.errors] == [
        ("move_in.cart_size", WASTE_NEEDS_A_CART)
    ]
    check(world)(MoveCommand(move_in=move_in(owner, cart_size=CartSize.MEDIUM)))  # accepted
    water_only = kinds(ServiceType.WATER, start=MOVE_IN_DAY)
    check(world)(MoveCommand(move_in=move_in(owner, services=water_only)))  # no waste: accepted


# ------------------------------------------------------------------ transfers


def sell(world: World, owner: Account) -> None:
    command = TransferCommand(
        "TR1", owner.property_id, CLOSING, person("Bea Buyer"), FinalReading.estimated(CLOSING)
    )
    SubmitTransfer(
        world.store,
        world.properties,
        world.customers,
        world.transfers,
        world.workflow,
        world.clock,
        world.billing,
    )(command, SUPERVISOR, "c")


def test_the_buyers_account_carries_the_sellers_services_and_cart(world: World) -> None:
    billed_by(world)
    owner = building(world, owner_cart=CartSize.LARGE)
    sell(world, owner)
    RecordNewOwner(
        world.transfers,
        world.store,
        world.properties,
        world.customers,
        world.store,
        world.events,
        world.recorder("TR1/record_new_owner"),
    )("TR1", "c")
    (buyer_account_id,) = OpenBuyerAccounts(
        world.transfers,
        world.store,
        world.properties,
        world.customers,
        world.store,
        world.events,
        world.numbering,
        world.clock,
        world.billing,
    )("TR1", DeterministicIds("TR1/open_buyer_accounts"), "c")
    buyer = world.account(buyer_account_id)
    assert buyer.holder.name == "Bea Buyer"
    assert buyer.services == kinds(*ServiceType, start=CLOSING)
    assert buyer.cart_size is CartSize.LARGE


def test_a_sale_whose_buyer_could_not_be_billed_is_refused_at_submission(world: World) -> None:
    owner = building(world, owner_cart=None)  # opened before billing was set up
    billed_by(world)
    error = refused(world, lambda: sell(world, owner))
    assert [e.field for e in error.errors] == ["property_id"]
    assert "the buyer's account for unit 1 could not be billed" in error.errors[0].message
    assert world.transfers.find("TR1") is None


# ------------------------------------------------------------------ changes


def change(world: World) -> ChangeAccount:
    return ChangeAccount(
        world.store,
        world.store,
        world.events,
        world.recorder("change"),
        world.properties,
        world.billing,
    )


def test_removing_the_cart_of_an_account_with_waste_is_refused(world: World) -> None:
    billed_by(world)
    owner = building(world)
    error = refused(
        world,
        lambda: change(world).settings(owner.account_id, owner.version, CLERK, "c", cart_size=None),
    )
    assert [(e.field, e.message) for e in error.errors] == [("cart_size", WASTE_NEEDS_A_CART)]


def test_adding_waste_needs_a_cart_which_the_change_may_give(world: World) -> None:
    billed_by(world)
    owner = building(world)
    renter = tenant(world, owner, kinds(ServiceType.WATER))
    with_waste = kinds(ServiceType.WATER, ServiceType.WASTE)
    error = refused(
        world,
        lambda: change(world).services(renter.account_id, renter.version, with_waste, CLERK, "c"),
    )
    assert [e.field for e in error.errors] == ["cart_size"]
    changed = change(world).services(
        renter.account_id, renter.version, with_waste, CLERK, "c", cart_size=CartSize.SMALL
    )
    assert (changed.services, changed.cart_size) == (with_waste, CartSize.SMALL)


def test_a_change_is_not_refused_for_what_was_unmet_before_it(world: World) -> None:
    owner = building(world, owner_cart=None)  # opened before billing was set up
    billed_by(world)
    changed = change(world).settings(owner.account_id, owner.version, CLERK, "c", autopay=True)
    assert changed.autopay is True
