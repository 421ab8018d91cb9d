"""Rate schedules on the single table: one item per schedule, its versions as JSON.

item            PK           SK         GSI1PK / GSI1SK
rate schedule   RATE#<id>    SCHEDULE   RATES / <id>    (all schedules: one Query of GSI1)

The versions are stored in the API's shape (:class:`civiq.rates.schemas.rates.RateVersionSpec`,
every figure a decimal string) and read back through the same validation; blocks stored before
blocks declared their basis were per 30 days, and read back so. The item's
VersionAttribute is the schedule's version: a save writes only while the stored version is the one
read, in one transaction with the history entry (which lives in the schedule's partition).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pydantic import TypeAdapter
from pynamodb.attributes import UnicodeAttribute, VersionAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict, NotFound, VersionConflict
from civiq.platform.dynamodb import keys
from civiq.platform.dynamodb.table import TableItem, TableMeta
from civiq.platform.dynamodb.transactions import Connected, Transaction
from civiq.rates.domain.rates import RateSchedule
from civiq.rates.schemas.rates import RateVersionSpec, version_record

_VERSIONS = TypeAdapter(list[RateVersionSpec])
LEGACY_BLOCKS_BASIS = {"per": "days", "days": 30}  # what blocks stored without a basis meant


class RateScheduleIndex(GlobalSecondaryIndex["RateScheduleItem"]):
    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(range_key=True, attr_name="GSI1SK")


class RateScheduleItem(TableItem):
    class Meta(TableMeta):
        pass

    gsi1pk = UnicodeAttribute(attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(attr_name="GSI1SK")
    listed = RateScheduleIndex()
    schedule_id = UnicodeAttribute()
    name = UnicodeAttribute()
    versions = UnicodeAttribute()  # JSON: a list of RateVersionSpec
    version = VersionAttribute()


def _item(schedule: RateSchedule) -> RateScheduleItem:
    return RateScheduleItem(
        pk=keys.rate_pk(schedule.schedule_id),
        sk=keys.RATE_SCHEDULE_SK,
        gsi1pk=keys.RATE_SCHEDULES,
        gsi1sk=schedule.schedule_id,
        schedule_id=schedule.schedule_id,
        name=schedule.name,
        versions=json.dumps([version_record(v) for v in schedule.versions]),
    )


def _with_bases(versions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored versions with the basis blocks had before they declared one."""
    for version in versions:
        for component in version.get("components", ()):
            if component.get("component") == "blocks":
                component.setdefault("basis", dict(LEGACY_BLOCKS_BASIS))
    return versions


def _schedule_of(item: RateScheduleItem) -> RateSchedule:
    stored = _with_bases(json.loads(item.versions))
    versions = [spec.to_domain() for spec in _VERSIONS.validate_json(json.dumps(stored))]
    return RateSchedule(item.schedule_id, item.name, versions, int(item.version))


class DynamoRateSchedules(Connected):
    def get(self, schedule_id: str) -> RateSchedule:
        try:
            item = RateScheduleItem.get(
                keys.rate_pk(schedule_id), keys.RATE_SCHEDULE_SK, consistent_read=True
            )
        except DoesNotExist as exc:
            raise NotFound(f"no rate schedule {schedule_id}", "schedule_id") from exc
        return _schedule_of(item)

    def list(self) -> Sequence[RateSchedule]:
        return [_schedule_of(item) for item in RateScheduleItem.listed.query(keys.RATE_SCHEDULES)]

    def save(self, before: RateSchedule | None, after: RateSchedule, entry: AuditEntry) -> None:
        expected = 1 if before is None else before.version + 1
        if after.version != expected:
            raise ValueError(f"the saved schedule must be version {expected}")
        item = _item(after)
        transaction = Transaction()
        if before is None:
            transaction.put(
                item,
                RateScheduleItem.pk.does_not_exist(),
                lambda: Conflict(
                    f"rate schedule {after.schedule_id} already exists", "schedule_id"
                ),
            )
        else:
            item.version = before.version  # the put is conditional on it, and stores the next
            transaction.put(
                item,
                RateScheduleItem.pk.exists(),
                lambda: VersionConflict(
                    "the rate schedule was changed by someone else; reload it",
                    self.get(after.schedule_id).version,
                ),
            )
        transaction.history([entry])
        transaction.run(self._client())
