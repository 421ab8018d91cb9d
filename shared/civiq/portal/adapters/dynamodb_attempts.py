"""The lookup throttle's counters: one item per key (``LOOKUP#<key>``), which DynamoDB's TTL
deletes a day after its last wrong try."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from pynamodb.attributes import NumberAttribute, UTCDateTimeAttribute

from civiq.platform.dynamodb.table import TableItem, TableMeta
from civiq.portal.domain.throttle import Attempts

ATTEMPTS_SK = "ATTEMPTS"


class LookupAttemptItem(TableItem):
    class Meta(TableMeta):
        pass

    failures = NumberAttribute(default=0)
    last_failure_at = UTCDateTimeAttribute(null=True)
    expires = NumberAttribute(null=True, attr_name="ttl")  # epoch seconds: the table's TTL


def _pk(key: str) -> str:
    return f"LOOKUP#{key}"


class DynamoLookupAttempts:
    def of(self, keys: Sequence[str]) -> Mapping[str, Attempts]:
        found = {
            item.pk: Attempts(int(item.failures), item.last_failure_at)
            for item in LookupAttemptItem.batch_get([(_pk(k), ATTEMPTS_SK) for k in keys])
        }
        return {key: found.get(_pk(key), Attempts()) for key in keys}

    def failed(self, keys: Sequence[str], at: datetime, forget_at: datetime) -> None:
        for key in keys:
            LookupAttemptItem(_pk(key), ATTEMPTS_SK).update(
                actions=[
                    LookupAttemptItem.failures.add(1),
                    LookupAttemptItem.last_failure_at.set(at),
                    LookupAttemptItem.expires.set(int(forget_at.timestamp())),
                ]
            )

    def forget(self, key: str) -> None:
        LookupAttemptItem(_pk(key), ATTEMPTS_SK).delete()
