"""DynamoDB requests with the request units DynamoDB would bill for them, and where they are made.

A botocore hook on every client created after :meth:`RequestUnits.install` records, for each
DynamoDB request: its operation, its call site (the innermost application frames that made it,
e.g. ``DynamoStatements.recent < BillAccount.issued``) and its on-demand request units computed
from the sizes of the items it read or wrote, as DynamoDB bills them:

- reads: 4 KB units, a strongly consistent read 1 per unit, an eventually consistent one 0.5;
  a GetItem and each BatchGetItem key per item (at least 1 unit, found or not); a Query (or Scan)
  the total size of the items it returned, rounded up once (at least 1 unit);
- writes: 1 KB units per item; in a TransactWriteItems 2 per unit per item (a ConditionCheck
  counted as a write, the dearer reading of AWS's documentation); an update or a put is sized
  after the change, looked up in moto's table (DynamoDB bills the larger of the item before and
  after; items only grow in a billing cycle); a delete counts 1 unit;
- each global secondary index the written item is in: 1 KB units of its projection (not
  doubled in a transaction); an index entry removed by an update (a statement paid off leaves
  GSI2) is not seen, and not counted.

Item sizes follow DynamoDB's rules (attribute names plus values: UTF-8 strings, numbers about
one byte per two digits, 3 bytes plus 1 per element for lists and maps). Query sizes are of the
items returned: a filter's discarded items would be billed too (none of the cycle's queries
filter).
"""

from __future__ import annotations

import math
import sys
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import botocore.session

from bench.common import REPO

READ_UNIT_BYTES = 4096
WRITE_UNIT_BYTES = 1024
MOTO_ACCOUNT = "123456789012"
APPLICATION = (str(REPO / "shared" / "civiq"), str(REPO / "functions"))
# generic table helpers: the call site is the code that uses them
PLUMBING = (
    str(REPO / "shared" / "civiq" / "platform" / "dynamodb"),
    str(REPO / "shared" / "civiq" / "ledger" / "services" / "posting.py"),
)
SITE_DEPTH = 2


@dataclass(frozen=True)
class Metered:
    service: str
    operation: str
    site: str
    read_units: float = 0.0
    write_units: float = 0.0
    entries: int = 1  # what the service bills by: events in a PutEvents, else the request
    parts: tuple[tuple[str, float], ...] = ()  # a transaction's write units by kind of item


@dataclass
class Window:
    """The requests made while a block ran."""

    calls: list[Metered] = field(default_factory=list)

    @property
    def requests(self) -> list[Metered]:
        """The DynamoDB requests."""
        return [c for c in self.calls if c.service == "dynamodb"]

    @property
    def count(self) -> int:
        return len(self.requests)

    def operations(self) -> Counter[str]:
        return Counter(r.operation for r in self.requests)

    def billed(self, service: str, operation: str) -> int:
        """What another service bills for its ``operation`` calls (requests, or events)."""
        return sum(
            c.entries for c in self.calls if (c.service, c.operation) == (service, operation)
        )

    @property
    def read_units(self) -> float:
        return sum(r.read_units for r in self.requests)

    @property
    def write_units(self) -> float:
        return sum(r.write_units for r in self.requests)

    def by_site(self) -> list[tuple[str, str, int, float, float]]:
        """(operation, call site, requests, read units, write units), most requests first."""
        totals: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
        for r in self.requests:
            row = totals[(r.operation, r.site)]
            row[0] += 1
            row[1] += r.read_units
            row[2] += r.write_units
        rows = [(op, site, int(n), rru, wru) for (op, site), (n, rru, wru) in totals.items()]
        return sorted(rows, key=lambda row: (-row[2], row[0], row[1]))

    def parts(self, site: str) -> dict[str, float]:
        """The write units of the transactions made at ``site``, by kind of item."""
        totals: dict[str, float] = defaultdict(float)
        for r in self.requests:
            if r.site == site:
                for kind, units in r.parts:
                    totals[kind] += units
        return dict(sorted(totals.items(), key=lambda item: -item[1]))


class RequestUnits:
    UNIQUE_ID = "civiq-bench-request-units"
    CONTEXT_KEY = "civiq_bench_request"

    def __init__(self, region: str) -> None:
        self.region = region
        self._requests: list[Metered] = []
        self._lock = threading.Lock()

    def install(self) -> None:
        """Attach to every botocore client created from now on (call before any is built)."""
        original = botocore.session.Session.create_client
        meter = self

        def create_client(session: Any, *args: Any, **kwargs: Any) -> Any:
            client = original(session, *args, **kwargs)
            events = client.meta.events
            events.register(
                "before-parameter-build",
                meter._before,
                unique_id=meter.UNIQUE_ID + "-before",
            )
            events.register(
                "after-call.dynamodb", meter._after, unique_id=meter.UNIQUE_ID + "-after"
            )
            return client

        botocore.session.Session.create_client = create_client  # type: ignore[method-assign,assignment]

    @contextmanager
    def window(self) -> Iterator[Window]:
        with self._lock:
            start = len(self._requests)
        seen = Window()
        yield seen
        with self._lock:
            seen.calls.extend(self._requests[start:])

    def _before(
        self, event_name: str, params: dict[str, Any], context: dict[str, Any], **_: Any
    ) -> None:
        service, operation = event_name.split(".", 2)[1:]
        if service == "dynamodb":
            context[self.CONTEXT_KEY] = (call_site(sys._getframe(1)), params)
            return
        entries = len(params.get("Entries", [])) if operation == "PutEvents" else 1
        with self._lock:
            self._requests.append(Metered(service, operation, "", entries=entries))

    def _after(
        self, event_name: str, parsed: dict[str, Any], context: dict[str, Any], **_: Any
    ) -> None:
        operation = event_name.rsplit(".", 1)[1]
        site, params = context.get(self.CONTEXT_KEY) or ("?", {})
        parts: list[tuple[str, float]] = []
        if "Error" in parsed:
            reads, writes = 0.0, 0.0  # a cancelled transaction or a failed condition
        else:
            reads, writes = self._units(operation, params, parsed, parts)
        with self._lock:
            self._requests.append(
                Metered("dynamodb", operation, site, reads, writes, parts=tuple(parts))
            )

    def _units(
        self,
        operation: str,
        params: Mapping[str, Any],
        parsed: Mapping[str, Any],
        parts: list[tuple[str, float]],
    ) -> tuple[float, float]:
        """Read and write units; a transaction's write units by item kind to ``parts``."""
        factor = 1.0 if params.get("ConsistentRead") else 0.5
        if operation == "GetItem":
            return factor * read_units(item_size(parsed.get("Item", {}))), 0.0
        if operation in ("Query", "Scan"):
            total = sum(item_size(i) for i in parsed.get("Items", []))
            return factor * read_units(total), 0.0
        if operation == "BatchGetItem":
            units = 0.0
            for table, request in params.get("RequestItems", {}).items():
                consistent = 1.0 if request.get("ConsistentRead") else 0.5
                found = parsed.get("Responses", {}).get(table, [])
                unprocessed = parsed.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
                missing = len(request.get("Keys", [])) - len(found) - len(unprocessed)
                units += consistent * (sum(read_units(item_size(i)) for i in found) + missing)
            return units, 0.0
        if operation in ("PutItem", "UpdateItem"):
            key = params.get("Key") or params["Item"]
            return 0.0, float(sum(self._written(params["TableName"], key)))
        if operation == "DeleteItem":
            return 0.0, 1.0
        if operation == "BatchWriteItem":
            units = 0
            for requests in params.get("RequestItems", {}).values():
                for request in requests:
                    put = request.get("PutRequest")
                    units += write_units(item_size(put["Item"])) if put else 1
            return 0.0, float(units)
        if operation == "TransactWriteItems":
            units = 0
            for action in params.get("TransactItems", []):
                ((kind, body),) = action.items()
                key = body.get("Key") or body["Item"]
                if kind in ("Put", "Update"):
                    table_units, index_units = self._written(body["TableName"], key)
                    item_units = 2 * table_units + index_units
                else:  # Delete, ConditionCheck
                    item_units = 2
                units += item_units
                parts.append((f"{kind} {item_kind(key)}", float(item_units)))
            return 0.0, float(units)
        if operation == "TransactGetItems":
            found = [r.get("Item", {}) for r in parsed.get("Responses", [])]
            return 2.0 * sum(read_units(item_size(i)) for i in found), 0.0
        return 0.0, 0.0

    def _written(self, table: str, key: Mapping[str, Any]) -> tuple[int, int]:
        """The write units of an item as moto now holds it (after the change just made): the
        table's, and its global secondary indexes' (the projections it has keys in)."""
        from moto.dynamodb.models import dynamodb_backends
        from moto.dynamodb.models.dynamo_type import DynamoType

        found = dynamodb_backends[MOTO_ACCOUNT][self.region].get_table(table)
        hash_name, range_name = found.hash_key_attr, found.range_key_attr
        stored = found.get_item(
            DynamoType(key[hash_name]),
            DynamoType(key[range_name]) if range_name else None,
        )
        if stored is None:
            return 1, 0
        indexed = [
            write_units(item_size(index.project(stored).to_json()["Attributes"]))
            for index in found.global_indexes
            if all(name in stored.attrs for name in index.schema_key_attrs)
        ]
        return write_units(item_size(stored.to_json()["Attributes"])), sum(indexed)


def item_kind(key: Mapping[str, Any]) -> str:
    """What an item is, from its key: the sort key's prefix (``STATEMENT``, ``LEDGER``), or the
    partition key's where the sort key starts with a date (``OUTBOX``)."""
    sort_key = str(next(iter(key.get("SK", {"S": "?"}).values())))
    if sort_key[:1].isdigit():
        sort_key = str(next(iter(key.get("PK", {"S": "?"}).values())))
    return sort_key.split("#", 1)[0]


def read_units(size: int) -> int:
    return max(1, math.ceil(size / READ_UNIT_BYTES))


def write_units(size: int) -> int:
    return max(1, math.ceil(size / WRITE_UNIT_BYTES))


def item_size(item: Mapping[str, Any]) -> int:
    """An item's size as DynamoDB counts it, from its wire form (``{"name": {"S": "..."}}``)."""
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def value_size(value: Mapping[str, Any]) -> int:
    ((kind, content),) = value.items()
    if kind == "S":
        return len(str(content).encode())
    if kind == "N":
        digits = len(str(content).lstrip("-").replace(".", "").strip("0")) or 1
        return math.ceil(digits / 2) + 1
    if kind == "B":
        return len(content)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in content)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + value_size(v) for k, v in content.items())
    if kind == "SS":
        return sum(len(str(s).encode()) for s in content)
    if kind == "NS":
        return sum(value_size({"N": n}) for n in content)
    if kind == "BS":
        return sum(len(b) for b in content)
    raise ValueError(f"unknown attribute type {kind}")


def call_site(frame: FrameType | None) -> str:
    """The innermost application frames (outside the table helpers) that made a request,
    innermost first: ``DynamoStatements.recent < BillAccount.issued``."""
    names: list[str] = []
    while frame is not None and len(names) < SITE_DEPTH:
        path = frame.f_code.co_filename
        if path.startswith(APPLICATION) and not path.startswith(PLUMBING):
            names.append(frame.f_code.co_qualname)
        frame = frame.f_back
    if not names:
        return "?"
    return " < ".join(names)
