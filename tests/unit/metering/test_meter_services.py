"""Installing and exchanging meters: where a meter may serve, unique serials, atomic exchanges."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from civiq.core.errors import Conflict, InvalidInput, NotFound
from civiq.metering.domain.metering import ReadStatus
from civiq.metering.domain.meters import ReadFlag
from civiq.metering.services.meters import InstallCommand
from tests.helpers.builders import shared_meters
from tests.helpers.metering_world import CLERK, INSTALLED, World, spec


@pytest.fixture
def world() -> World:
    return World()


def test_a_meter_is_installed_with_its_first_read_and_history(world: World) -> None:
    prop = world.property()
    meter = world.meter(prop, serial=" sn-1001 ", first_value=Decimal("12.5"))
    assert meter.meter.serial == "SN-1001"
    assert (meter.property_id, meter.unit, meter.installed_by) == (
        prop.property_id,
        None,
        "clerk-1",
    )
    assert world.metering.at_property(prop.property_id) == [meter]
    assert world.metering.get_by_serial("SN-1001") == meter
    (first,) = world.metering.of_meter(meter.meter_id)
    assert (first.read_on, first.value, first.volume, first.status) == (
        INSTALLED,
        Decimal("12.5"),
        Decimal(0),
        ReadStatus.ACCEPTED,
    )
    actions = sorted(
        e.action for e in world.store.history.values() if e.subject_id.startswith("METER#")
    )
    assert actions == ["MeterInstalled", "ReadingRecorded"]
    installed = next(e for e in world.store.history.values() if e.action == "MeterInstalled")
    assert installed.subject_id == f"METER#{meter.meter_id}"
    assert installed.detail["changes"]["meter.serial"] == {"before": None, "after": "SN-1001"}


def test_each_unit_of_a_property_metered_per_unit_gets_its_own_meter(world: World) -> None:
    prop = world.property(units=("1", "2"))
    first = world.meter(prop, unit="1", serial="SN-1")
    second = world.meter(prop, unit="2", serial="SN-2")
    assert [m.unit for m in world.metering.at_property(prop.property_id)] == ["1", "2"]
    assert first.meter_id != second.meter_id


def test_a_shared_meter_serves_the_whole_building(world: World) -> None:
    prop = world.property(units=("1", "2"), meters=shared_meters(**{"1": "0.5", "2": "0.5"}))
    assert world.meter(prop, unit=None).unit is None


@pytest.mark.parametrize(
    ("units", "shared", "unit", "message"),
    [
        (("1", "2"), True, "1", "shared meter"),  # a shared meter has no unit
        (("1", "2"), False, None, "unit must be one of"),  # per unit: which one?
        (("1", "2"), False, "3", "unit must be one of"),
        ((), False, "1", "no units"),
    ],
)
def test_a_meter_serves_only_where_the_property_is_metered(
    world: World, units: tuple[str, ...], shared: bool, unit: str | None, message: str
) -> None:
    meters = shared_meters(**{"1": "0.5", "2": "0.5"}) if shared else None
    prop = world.property(units=units, meters=meters)
    with pytest.raises(InvalidInput, match=message) as error:
        world.meter(prop, unit=unit)
    assert error.value.field == "unit"
    assert world.metering.meters == {}


def test_an_unknown_property_is_named(world: World) -> None:
    with pytest.raises(NotFound) as error:
        world.install(InstallCommand("nope", None, INSTALLED, spec()), CLERK, "c")
    assert error.value.field == "property_id"


@pytest.mark.parametrize(
    ("command_changes", "spec_changes", "field"),
    [
        ({"installed_on": date(2026, 11, 27)}, {}, "installed_on"),  # tomorrow in Toronto
        ({}, {"register_digits": 2}, "meter.register_digits"),
        ({}, {"multiplier": Decimal(0)}, "meter.multiplier"),
        ({}, {"serial": "SN 1001!"}, "meter.serial"),
        ({"first_value": Decimal(1_000_000)}, {}, "first_value"),
    ],
)
def test_bad_installations_name_the_field_and_write_nothing(
    world: World, command_changes: dict[str, object], spec_changes: dict[str, object], field: str
) -> None:
    prop = world.property()
    fields: dict[str, object] = {
        "property_id": prop.property_id,
        "unit": None,
        "installed_on": INSTALLED,
        "meter": spec(**spec_changes),
        "first_value": Decimal(0),
    }
    fields.update(command_changes)
    with pytest.raises(InvalidInput) as error:
        world.install(InstallCommand(**fields), CLERK, "c")  # type: ignore[arg-type]
    assert error.value.field == field
    assert world.metering.commits == []


def test_a_serial_belongs_to_one_meter_but_the_same_installation_again_is_the_same(
    world: World,
) -> None:
    prop = world.property()
    meter = world.meter(prop)
    command = InstallCommand(prop.property_id, None, INSTALLED, spec(), Decimal(0))
    assert world.install(command, CLERK, "retry") == (meter, False)
    elsewhere = world.property()
    with pytest.raises(Conflict) as error:
        world.meter(elsewhere)
    assert error.value.field == "meter.serial"
    assert len(world.metering.commits) == 1


def test_one_meter_in_service_per_slot(world: World) -> None:
    prop = world.property()
    world.meter(prop)
    with pytest.raises(Conflict, match="exchange it instead") as error:
        world.meter(prop, serial="SN-9")
    assert error.value.field == "unit"


def test_an_exchange_ends_the_old_meter_and_starts_the_new_in_one_change(world: World) -> None:
    prop = world.property()
    old = world.meter(prop, register_digits=4)
    world.read(old, "2026-03-01", "9980")
    commits = len(world.metering.commits)
    exchange, created = world.exchange(
        world.exchange_command(old, "2026-06-01", "10"), CLERK, "corr-exchange"
    )
    assert created and len(world.metering.commits) == commits + 1
    assert exchange.removed.meter.removed_on == date(2026, 6, 1)
    assert exchange.installed.meter.installed_on == date(2026, 6, 1)
    assert exchange.installed.unit == old.unit
    assert exchange.final_read.flags == (ReadFlag.ROLLOVER,)
    assert [m.meter.removed_on for m in world.metering.at_property(prop.property_id)] == [
        date(2026, 6, 1),
        None,
    ]
    new_read = world.read(exchange.installed, "2026-09-01", "42.5")
    # consumption over the period = the old meter's final read + the new meter's reads
    billed = exchange.final_read.volume + new_read.volume
    assert billed == Decimal("72.500")  # 9980 -> 10 rolls a 4-digit register over: 30 + 42.5
    actions = [e.action for e in world.metering.commits[-2].history]
    assert actions == ["MeterRemoved", "ReadingRecorded", "MeterInstalled", "ReadingRecorded"]


def test_the_same_exchange_again_changes_nothing(world: World) -> None:
    old = world.meter()
    command = world.exchange_command(old, "2026-06-01", "120")
    first, _ = world.exchange(command, CLERK, "c1")
    again, created = world.exchange(command, CLERK, "c2")
    assert (again, created) == (first, False)
    assert len(world.metering.commits) == 2  # the installation and the exchange


def test_a_backwards_final_read_waits_for_review(world: World) -> None:
    old = world.meter()
    world.read(old, "2026-03-01", "500")
    exchange, _ = world.exchange(world.exchange_command(old, "2026-06-01", "400"), CLERK, "c")
    assert exchange.final_read.status is ReadStatus.PENDING_REVIEW
    (flagged,) = world.published("ReadingFlagged")
    assert flagged["flags"] == ["backwards"] and flagged["meter_id"] == old.meter_id


@pytest.mark.parametrize(
    ("on", "final", "new_serial", "error_type", "field"),
    [
        ("2026-02-01", "120", "SN-2002", Conflict, "exchanged_on"),  # a later read exists
        ("2026-11-27", "120", "SN-2002", InvalidInput, "exchanged_on"),  # the future
        ("2026-06-01", "1000000", "SN-2002", InvalidInput, "final_value"),
        ("2026-06-01", "120", "SN-1001", Conflict, "new_meter.serial"),  # the old one's
        ("2023-06-01", "120", "SN-2002", InvalidInput, "exchanged_on"),  # before installation
    ],
)
def test_a_refused_exchange_writes_nothing(
    world: World, on: str, final: str, new_serial: str, error_type: type, field: str
) -> None:
    old = world.meter()
    world.read(old, "2026-03-01", "100")
    commits = len(world.metering.commits)
    command = world.exchange_command(old, on, final, new_meter=spec(new_serial))
    with pytest.raises(error_type) as error:
        world.exchange(command, CLERK, "c")
    assert error.value.field == field
    assert len(world.metering.commits) == commits
    assert world.metering.get(old.meter_id).meter.removed_on is None


def test_an_exchange_of_a_removed_meter_is_a_conflict(world: World) -> None:
    old = world.meter()
    world.exchange(world.exchange_command(old, "2026-06-01", "120"), CLERK, "c")
    other = world.exchange_command(old, "2026-07-01", "130", new_meter=spec("SN-3003"))
    with pytest.raises(Conflict) as error:
        world.exchange(other, CLERK, "c")
    assert error.value.field == "id"
