"""Move-out, settlement and move-in services on the in-memory fakes: what each writes and
publishes, what it refuses (with the field), and that a retried task changes nothing twice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from civiq.accounts.domain.accounts import (
    AccountStatus,
    HolderRole,
    Service,
    ServiceStatus,
    ServiceType,
)
from civiq.accounts.domain.moves import ArrearsPolicy, FinalReading, Settlement
from civiq.accounts.services.moves import (
    CheckMove,
    MoveCommand,
    MoveInCommand,
    MoveOutCommand,
    RecordMoveIn,
    RecordMoveOut,
)
from civiq.accounts.services.workflow_steps import FinalBilled
from civiq.core.errors import Conflict, DomainError, InvalidInput, NotFound
from civiq.core.ids import DeterministicIds
from tests.helpers.workflow_world import CLERK, World, person

MOVE_OUT_DAY = date(2026, 11, 20)  # the world's clock reads 2026-11-26
READING = FinalReading(MOVE_OUT_DAY, Decimal("1234.567"))


@pytest.fixture
def world() -> World:
    return World()


def check(world: World) -> CheckMove:
    return CheckMove(world.store, world.properties, world.customers, world.clock, world.billing)


def move_in_service(world: World) -> RecordMoveIn:
    return RecordMoveIn(
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


def move_out(world: World, account_id: str, seed: str = "MV1/move_out") -> FinalBilled:
    command = MoveOutCommand(account_id, MOVE_OUT_DAY, READING)
    return RecordMoveOut(world.final_bill(seed))("MV1", command, CLERK, "cid-1")


# ------------------------------------------------------------------ final reading


def test_a_reading_is_a_value_with_litre_precision_or_an_estimate() -> None:
    assert FinalReading(MOVE_OUT_DAY, Decimal("12.5")).as_payload() == {
        "value_m3": "12.5",
        "read_on": "2026-11-20",
        "estimate": False,
    }
    assert FinalReading.estimated(MOVE_OUT_DAY).as_payload()["estimate"] is True
    for bad in ("1.2345", "-1", "NaN"):
        with pytest.raises(InvalidInput) as refused:
            FinalReading(MOVE_OUT_DAY, Decimal(bad))
        assert refused.value.field == "value_m3"
    with pytest.raises(InvalidInput):
        FinalReading(MOVE_OUT_DAY)  # neither a value nor an estimate
    with pytest.raises(InvalidInput):
        FinalReading(MOVE_OUT_DAY, Decimal("1"), estimate=True)
    reading = FinalReading(MOVE_OUT_DAY, Decimal("0.001"))
    assert FinalReading.from_payload(reading.as_payload()) == reading


# ------------------------------------------------------------------ checks (API, synchronous)


def refused(world: World, move: MoveCommand) -> DomainError:
    before = world.mark()
    with pytest.raises(DomainError) as error:
        check(world)(move)
    assert world.mark() == before  # nothing written
    return error.value


def test_a_move_needs_a_move_out_or_a_move_in(world: World) -> None:
    error = refused(world, MoveCommand())
    assert (type(error), error.field) == (InvalidInput, "move_out")


def test_move_out_of_an_unknown_account_is_not_found(world: World) -> None:
    error = refused(world, MoveCommand(MoveOutCommand("NOPE", MOVE_OUT_DAY, READING)))
    assert (type(error), error.field) == (NotFound, "move_out.account_id")


@pytest.mark.parametrize("status", [AccountStatus.FINAL_BILLED, AccountStatus.CLOSED])
def test_move_out_of_a_final_billed_or_closed_account_conflicts(
    world: World, status: AccountStatus
) -> None:
    tenant = world.tenant(world.owner_with_building())
    move_out(world, tenant.account_id)
    if status is AccountStatus.CLOSED:
        world.settle("s", ArrearsPolicy.STAY_WITH_TENANT)(tenant.account_id, CLERK, "c")
    assert world.account(tenant.account_id).status is status
    error = refused(world, MoveCommand(MoveOutCommand(tenant.account_id, MOVE_OUT_DAY, READING)))
    assert (type(error), error.field) == (Conflict, "move_out.account_id")


def test_move_out_before_the_services_started_is_refused(world: World) -> None:
    tenant = world.tenant(world.owner_with_building())
    early = date(2024, 12, 31)
    command = MoveOutCommand(tenant.account_id, early, FinalReading.estimated(early))
    error = refused(world, MoveCommand(command))
    assert (type(error), error.field) == (InvalidInput, "move_out.move_out_date")


def test_move_out_in_the_future_is_refused(world: World) -> None:
    tenant = world.tenant(world.owner_with_building())
    later = date(2026, 12, 1)
    command = MoveOutCommand(tenant.account_id, later, FinalReading.estimated(later))
    assert refused(world, MoveCommand(command)).field == "move_out.move_out_date"


def test_a_reading_far_from_the_move_out_date_is_refused(world: World) -> None:
    tenant = world.tenant(world.owner_with_building())
    stale = FinalReading(date(2026, 9, 1), Decimal("10"))
    error = refused(world, MoveCommand(MoveOutCommand(tenant.account_id, MOVE_OUT_DAY, stale)))
    assert error.field == "move_out.final_reading.read_on"


def move_in_command(at: str, **changes: object) -> MoveInCommand:
    fields: dict[str, object] = {
        "property_id": at,
        "customer": person("Nina Newcomer"),
        "holder_role": HolderRole.TENANT,
        "move_in_date": date(2026, 12, 1),
        "unit": "2",
    }
    fields.update(changes)
    return MoveInCommand(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "kind", "field"),
    [
        ({"property_id": "NOPE"}, NotFound, "move_in.property_id"),
        ({"customer": "NOPE"}, NotFound, "move_in.customer_id"),
        ({"unit": "9"}, InvalidInput, "move_in.unit"),
        ({"holder_role": HolderRole.OWNER}, InvalidInput, "move_in.holder_role"),
        (
            {"services": (Service(ServiceType.WATER, date(2026, 11, 30)),)},
            InvalidInput,
            "move_in.services.0.start_date",
        ),
    ],
    ids=["unknown-property", "unknown-customer", "no-such-unit", "not-the-owner", "early-service"],
)
def test_move_in_refusals_name_the_field(
    world: World, changes: dict[str, object], kind: type[DomainError], field: str
) -> None:
    owner = world.owner_with_building()
    error = refused(world, MoveCommand(move_in=move_in_command(owner.property_id, **changes)))
    assert (type(error), error.field) == (kind, field)


def test_move_in_to_an_occupied_unit_needs_the_move_out_in_the_same_request(
    world: World,
) -> None:
    owner = world.owner_with_building()
    tenant = world.tenant(owner)
    error = refused(world, MoveCommand(move_in=move_in_command(owner.property_id)))
    assert (type(error), error.field) == (Conflict, "move_in.unit")
    combined = MoveCommand(
        MoveOutCommand(tenant.account_id, MOVE_OUT_DAY, READING),
        move_in_command(owner.property_id),
    )
    check(world)(combined)  # the same unit, moving out and in: accepted


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"unit": "1", "holder_role": HolderRole.TENANT}, "move_in.unit"),
        ({"move_in_date": date(2026, 11, 19)}, "move_in.move_in_date"),
    ],
    ids=["other-unit", "moves-in-before-the-move-out"],
)
def test_a_combined_move_is_for_one_unit_in_date_order(
    world: World, changes: dict[str, object], field: str
) -> None:
    owner = world.owner_with_building()
    tenant = world.tenant(owner)
    world.store.entities.pop(f"ACCOUNT#{owner.account_id}")  # unit 1 vacant: only the unit differs
    combined = MoveCommand(
        MoveOutCommand(tenant.account_id, MOVE_OUT_DAY, READING),
        move_in_command(owner.property_id, **changes),
    )
    error = refused(world, combined)
    assert (type(error), error.field) == (InvalidInput, field)


# ------------------------------------------------------------------ move-out task


def test_move_out_ends_services_and_requests_the_final_bill_with_the_reading(
    world: World,
) -> None:
    tenant = world.tenant(world.owner_with_building())
    billed = move_out(world, tenant.account_id)
    assert billed.now
    stored = world.account(tenant.account_id)
    assert stored.status is AccountStatus.FINAL_BILLED
    assert {(s.status, s.end_date) for s in stored.services} == {
        (ServiceStatus.CLOSED, MOVE_OUT_DAY)
    }
    (bill,) = world.published("FinalBillRequested")
    assert bill.detail["final_reading"] == {
        "value_m3": "1234.567",
        "read_on": "2026-11-20",
        "estimate": False,
    }
    assert (bill.detail["reason"], bill.detail["reference_id"]) == ("move-out", "MV1")
    (completed,) = world.published("MoveOutCompleted")
    assert completed.detail["status"] == "final-billed"
    assert completed.detail["unit"] == "2"
    # both events are in the account's history, under their own ids
    history = {e.entry_id: e for e in world.store.history.values()}
    assert {bill.event_id, completed.event_id} <= set(history)
    assert history[bill.event_id].detail["changes"]["status"]["after"] == "final-billed"
    assert billed.request == {k: v for k, v in bill.detail.items() if k != "status"}


def test_a_retried_move_out_changes_nothing_twice_and_asks_for_the_same_final_bill(
    world: World,
) -> None:
    tenant = world.tenant(world.owner_with_building())
    first = move_out(world, tenant.account_id)
    before = world.mark()
    again = move_out(world, tenant.account_id)
    assert not again.now
    assert again.request == first.request  # the workflow waits for that bill, produced once
    assert world.mark() == before


# ------------------------------------------------------------------ settle task


def test_zero_balance_closes_the_account(world: World) -> None:
    tenant = world.tenant(world.owner_with_building())
    move_out(world, tenant.account_id)
    settle = world.settle("MV1/settle", ArrearsPolicy.STAY_WITH_TENANT)
    account, settlement, balance = settle(tenant.account_id, CLERK, "c")
    assert (account.status, settlement, balance.amount) == (
        AccountStatus.CLOSED,
        Settlement.CLOSED,
        0,
    )
    (closed,) = world.published("AccountClosed")
    assert closed.detail["status"] == "closed"
    before = world.mark()
    assert settle(tenant.account_id, CLERK, "c")[1] is Settlement.CLOSED  # retried
    assert world.mark() == before


def test_roll_to_owner_closes_the_tenant_and_names_the_owner_and_their_accounts(
    world: World,
) -> None:
    owner = world.owner_with_building()
    tenant = world.tenant(owner)
    move_out(world, tenant.account_id)
    world.owes(tenant, "123.45")
    account, settlement, _ = world.settle("MV1/settle", ArrearsPolicy.ROLL_TO_OWNER)(
        tenant.account_id, CLERK, "c"
    )
    assert (account.status, settlement) == (
        AccountStatus.CLOSED,
        Settlement.ARREARS_ROLLED_TO_OWNER,
    )
    (arrears,) = world.published("ArrearsTransferRequested")
    assert arrears.detail["owner_customer_id"] == owner.holder.customer_id
    assert arrears.detail["owner_account_ids"] == [owner.account_id]
    assert (arrears.detail["amount"], arrears.detail["currency"]) == ("123.45", "CAD")
    assert len(world.published("AccountClosed")) == 1


def test_stay_with_tenant_keeps_the_account_final_billed(world: World) -> None:
    tenant = world.tenant(world.owner_with_building())
    move_out(world, tenant.account_id)
    world.owes(tenant, "50.00")
    before = world.mark()
    account, settlement, balance = world.settle("s", ArrearsPolicy.STAY_WITH_TENANT)(
        tenant.account_id, CLERK, "c"
    )
    assert (account.status, settlement) == (
        AccountStatus.FINAL_BILLED,
        Settlement.AWAITING_PAYMENT,
    )
    assert str(balance) == "50.00 CAD"
    assert world.mark() == before


@pytest.mark.parametrize("who", ["owner", "tenant-in-credit"])
def test_roll_to_owner_applies_only_to_a_tenant_who_owes(world: World, who: str) -> None:
    owner = world.owner_with_building()
    tenant = world.tenant(owner)
    account = owner if who == "owner" else tenant
    move_out(world, account.account_id)
    world.owes(account, "75.00" if who == "owner" else "-10.00")
    _, settlement, _ = world.settle("s", ArrearsPolicy.ROLL_TO_OWNER)(
        account.account_id, CLERK, "c"
    )
    assert settlement is Settlement.AWAITING_PAYMENT
    assert not world.published("ArrearsTransferRequested")


def test_settling_an_open_account_is_a_conflict(world: World) -> None:
    tenant = world.tenant(world.owner_with_building())
    with pytest.raises(Conflict):
        world.settle("s", ArrearsPolicy.STAY_WITH_TENANT)(tenant.account_id, CLERK, "c")


# ------------------------------------------------------------------ move-in task


def test_move_in_opens_the_account_and_publishes_move_in_completed_once(world: World) -> None:
    owner = world.owner_with_building()
    tenant = world.tenant(owner)
    move_out(world, tenant.account_id)
    command = move_in_command(owner.property_id)
    account = move_in_service(world)(
        "MV1", command, DeterministicIds("MV1/move_in"), CLERK, "cid-1"
    )
    assert account.holder.name == "Nina Newcomer"
    assert account.status is AccountStatus.PENDING  # services start on 2026-12-01
    assert account.owner_customer_id == owner.holder.customer_id
    assert {s.start_date for s in account.services} == {date(2026, 12, 1)}
    (completed,) = world.published("MoveInCompleted")
    assert completed.detail["account_id"] == account.account_id
    assert len(world.published("AccountOpened")) == 3  # owner, tenant, newcomer

    before = world.mark()
    again = move_in_service(world)("MV1", command, DeterministicIds("MV1/move_in"), CLERK, "c")
    assert again.account_id == account.account_id
    assert world.mark() == before
    assert len([a for a in world.store.accounts() if a.holder.name == "Nina Newcomer"]) == 1
