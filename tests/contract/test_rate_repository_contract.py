"""One contract, two implementations: rate schedules in memory and on DynamoDB behave alike."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from civiq.accounts.adapters.memory import InMemoryStore
from civiq.accounts.domain.accounts import CartSize
from civiq.accounts.domain.properties import PropertyType
from civiq.accounts.services.recording import Recorder
from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict, NotFound, VersionConflict
from civiq.core.events import Actor
from civiq.core.fakes import FixedClock, InMemoryAuditLog, SequentialIds
from civiq.metering.domain.meters import MeterSize
from civiq.platform.dynamodb.audit import DynamoAuditLog
from civiq.rates.adapters.dynamodb import DynamoRateSchedules
from civiq.rates.adapters.memory import InMemoryRateSchedules
from civiq.rates.domain.charges import ChargeType
from civiq.rates.domain.rates import (
    Basis,
    Block,
    ConsumptionBlocks,
    DayCount,
    FixedCharge,
    MinimumCharge,
    Per,
    RateSchedule,
    RateVersion,
    Season,
    SewerCharge,
    StormwaterCharge,
    Tax,
    VolumeCap,
    VolumetricRate,
    WasteCharge,
)
from civiq.rates.services.rates import AddRateVersion, CreateRateSchedule, rate_subject

D = Decimal
SUPERVISOR = Actor("super-1", "supervisor")
START = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)


@dataclass
class Stores:
    schedules: Any
    audit: Any
    recorder: Recorder

    def create(self, schedule: RateSchedule) -> RateSchedule:
        return CreateRateSchedule(self.schedules, self.recorder)(schedule, SUPERVISOR, "corr-1")


@pytest.fixture(params=["memory", "dynamodb"])
def stores(request: pytest.FixtureRequest) -> Iterator[Stores]:
    recorder = Recorder(FixedClock(START), SequentialIds("01J"))
    if request.param == "memory":
        store = InMemoryStore()
        yield Stores(InMemoryRateSchedules(store), InMemoryAuditLog(store), recorder)
    else:
        request.getfixturevalue("aws")
        yield Stores(DynamoRateSchedules(), DynamoAuditLog(), recorder)


def every_component(start: date, end: date | None = None) -> RateVersion:
    """A version using every kind of component, so each one's stored form is read back."""
    return RateVersion(
        start,
        end,
        [
            FixedCharge(ChargeType.WATER, {MeterSize.MM16: D("372.00")}),
            ConsumptionBlocks(
                ChargeType.WATER,
                [Block(D("15"), D("1.8900")), Block(None, D("2.9800"), D("3.1000"))],
            ),
            VolumetricRate(
                ChargeType.SEWER,
                [Block(D("300"), D("0.5000")), Block(None, D("0.4000"))],
                Season("summer", 5, 9),
            ),
            SewerCharge(percent=D("80")),
            SewerCharge(rate=D("0.2500"), late_rate=D("0.3000"), winter_cap=True),
            StormwaterCharge({PropertyType.SINGLE_FAMILY: D("110.40")}),
            WasteCharge({CartSize.SMALL: D("150.00")}),
            MinimumCharge(ChargeType.WATER, D("20.00")),
        ],
        [Tax(ChargeType.MISCELLANEOUS, "HST", D("0.13"))],
    )


def bases_and_caps(start: date) -> RateVersion:
    """A version whose figures have their own bases, a cap, and a fixed period length."""
    per_period = Basis(Per.PERIOD)
    return RateVersion(
        start,
        None,
        [
            FixedCharge(ChargeType.WATER, {MeterSize.MM16: D("24.92")}, basis=Basis(Per.QUARTER)),
            ConsumptionBlocks(
                ChargeType.WATER,
                [Block(D("30"), D("1.5000")), Block(None, D("2.0000"))],
                basis=per_period,
                cap=VolumeCap(D("200"), per_period),
            ),
            SewerCharge(rate=D("1.5000"), cap=VolumeCap(D("90"), per_period)),
            MinimumCharge(ChargeType.WATER, D("30.00"), per_period),
        ],
        day_count=DayCount.FIXED_PERIOD,
        periods_per_year=4,
    )


def test_bases_caps_and_day_counts_read_back_the_same(stores: Stores) -> None:
    schedule = RateSchedule("quarterly", "Quarterly", [bases_and_caps(date(2026, 1, 1))])
    stores.create(schedule)
    assert stores.schedules.get("quarterly") == schedule


def test_a_schedule_stored_before_bases_reads_back_with_the_old_meaning(aws: Any) -> None:
    """Blocks stored without a basis were per 30 days; annual prices per year."""
    from civiq.platform.dynamodb import keys
    from civiq.rates.adapters.dynamodb import RateScheduleItem

    stored = [
        {
            "effective_from": "2026-01-01",
            "effective_to": None,
            "components": [
                {"component": "fixed", "charge_type": "water", "annual": {"16mm": "372.00"}},
                {
                    "component": "blocks",
                    "charge_type": "water",
                    "blocks": [{"limit": "15", "rate": "1.8900"}, {"rate": "2.9800"}],
                },
                {"component": "minimum", "charge_type": "water", "per_30_days": "20.00"},
            ],
            "taxes": [],
        }
    ]
    RateScheduleItem(
        pk=keys.rate_pk("old"),
        sk=keys.RATE_SCHEDULE_SK,
        gsi1pk=keys.RATE_SCHEDULES,
        gsi1sk="old",
        schedule_id="old",
        name="Old",
        versions=json.dumps(stored),
    ).save()
    (version,) = DynamoRateSchedules().get("old").versions
    assert version.components == (
        FixedCharge(ChargeType.WATER, {MeterSize.MM16: D("372.00")}),
        ConsumptionBlocks(
            ChargeType.WATER, [Block(D("15"), D("1.8900")), Block(None, D("2.9800"))]
        ),
        MinimumCharge(ChargeType.WATER, D("20.00")),
    )
    assert version.components[1].basis == Basis(Per.DAYS, 30)  # type: ignore[union-attr]
    assert version.day_count is DayCount.ACTUAL_365


def test_a_created_schedule_reads_back_the_same_with_its_history(stores: Stores) -> None:
    schedule = RateSchedule("residential", "Residential", [every_component(date(2026, 1, 1))])
    stores.create(schedule)
    stored = stores.schedules.get("residential")
    assert stored == schedule and stored.version == 1
    assert stored.versions[0].components == schedule.versions[0].components
    (entry,) = stores.audit.entries_for(rate_subject("residential"), 10, None).items
    assert (entry.action, entry.actor_subject, entry.detail["version"]) == (
        "RateScheduleCreated",
        "super-1",
        1,
    )
    assert entry.detail["changes"]["name"] == {"before": None, "after": "Residential"}


def test_schedules_are_listed_by_id(stores: Stores) -> None:
    for schedule_id in ("residential", "bulk", "commercial"):
        stores.create(
            RateSchedule(schedule_id, schedule_id.title(), [every_component(date(2026, 1, 1))])
        )
    assert [s.schedule_id for s in stores.schedules.list()] == ["bulk", "commercial", "residential"]


def test_an_unknown_schedule_is_not_found(stores: Stores) -> None:
    with pytest.raises(NotFound) as error:
        stores.schedules.get("nowhere")
    assert error.value.field == "schedule_id"
    assert list(stores.schedules.list()) == []


def test_a_schedule_id_is_created_once(stores: Stores) -> None:
    schedule = RateSchedule("residential", "Residential", [every_component(date(2026, 1, 1))])
    stores.create(schedule)
    with pytest.raises(Conflict) as error:
        stores.create(RateSchedule("residential", "Other", [every_component(date(2027, 1, 1))]))
    assert error.value.field == "schedule_id"
    assert stores.schedules.get("residential").name == "Residential"
    assert len(stores.audit.entries_for(rate_subject("residential"), 10, None).items) == 1


def test_a_version_is_added_only_to_the_version_read(stores: Stores) -> None:
    created = stores.create(
        RateSchedule("residential", "Residential", [every_component(date(2026, 1, 1))])
    )
    add = AddRateVersion(stores.schedules, stores.recorder)
    after = add("residential", 1, every_component(date(2027, 1, 1)), SUPERVISOR, "corr-2")
    assert stores.schedules.get("residential") == after
    assert [(v.effective_from, v.effective_to) for v in after.versions] == [
        (date(2026, 1, 1), date(2026, 12, 31)),
        (date(2027, 1, 1), None),
    ]
    late = created.with_version(every_component(date(2028, 1, 1)))  # from version 1, now stale
    with pytest.raises(VersionConflict) as error:
        stores.schedules.save(created, late, entry(stores.recorder))
    assert error.value.current_version == 2
    assert stores.schedules.get("residential") == after
    history = stores.audit.entries_for(rate_subject("residential"), 10, None).items
    assert [e.action for e in history] == ["RateScheduleCreated", "RateVersionAdded"]


def entry(recorder: Recorder) -> AuditEntry:
    return AuditEntry(
        entry_id=recorder.ids.new_id(),
        subject_id=rate_subject("residential"),
        action="RateVersionAdded",
        actor_subject=SUPERVISOR.subject,
        actor_role=SUPERVISOR.role,
        occurred_at=START,
        correlation_id="corr-3",
        detail={},
    )
