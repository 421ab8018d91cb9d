"""Pieces every API payload shares: strict requests, addresses, pins, pages, history."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from civiq.core.addresses import Address, GeoPoint
from civiq.core.audit import AuditEntry
from civiq.core.errors import field_prefix
from civiq.core.history import as_record


class Payload(BaseModel):
    """Base of the API's payloads: a model's validator and serializer are built at its first use
    (``defer_build``), not when its module is imported, so a cold start builds the models its
    request uses and no others."""

    model_config = ConfigDict(defer_build=True)


class Request(Payload):
    """Unknown fields are refused and types are not coerced: a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)


class Versioned(Request):
    version: int = Field(ge=1, description="The version you read; a stale one gets 409.")


class AddressIn(Request):
    street: str = Field(min_length=1, max_length=200, description="Civic number and street")
    unit: str | None = Field(default=None, max_length=20)
    city: str = Field(min_length=1, max_length=100)
    province: str = Field(min_length=2, max_length=2, description="Two-letter code, e.g. ON")
    postal_code: str = Field(min_length=6, max_length=7, description="e.g. K1P 1J1")

    def to_domain(self, field: str) -> Address:
        with field_prefix(field):
            return Address(**self.model_dump())


Degrees = Annotated[Decimal, Field(strict=False, description="Decimal degrees (WGS 84)")]


class LocationIn(Request):
    latitude: Degrees
    longitude: Degrees

    def to_domain(self, field: str = "location") -> GeoPoint:
        with field_prefix(field):
            return GeoPoint(self.latitude, self.longitude)


class AddressOut(Payload):
    street: str
    unit: str | None
    city: str
    province: str
    postal_code: str
    one_line: str

    @classmethod
    def of(cls, address: Address) -> AddressOut:
        return cls(**as_record(address), one_line=address.one_line())


class LocationOut(Payload):
    latitude: str
    longitude: str


class ActorOut(Payload):
    subject: str
    role: str


class HistoryEntryOut(Payload):
    entry_id: str
    action: str
    actor: ActorOut
    occurred_at: datetime
    correlation_id: str
    version: int | None = Field(description="The version this change made")
    changes: dict[str, dict[str, Any]] = Field(description="field -> {before, after}")

    @classmethod
    def of(cls, entry: AuditEntry) -> HistoryEntryOut:
        return cls(
            entry_id=entry.entry_id,
            action=entry.action,
            actor=ActorOut(subject=entry.actor_subject, role=entry.actor_role),
            occurred_at=entry.occurred_at,
            correlation_id=entry.correlation_id,
            version=entry.detail.get("version"),
            changes=entry.detail.get("changes", {}),
        )


class HistoryPage(Payload):
    items: list[HistoryEntryOut]
    next_cursor: str | None


class PageQuery(Request):
    limit: Annotated[int, Field(strict=False, ge=1, le=100)] = 25
    cursor: str | None = Field(default=None, max_length=2048)


_AMOUNT = re.compile(r"(-?)([0-9]{1,7})(?:\.([0-9]{1,2}))?")


def _amount_parser(signed: bool) -> Callable[[object], str]:
    """An amount as a clerk types it (``150``, ``150.0``, ``150.00``; a JSON string, or a whole
    number) to dollars and cents (``"150.00"``); anything else is refused in words."""
    message = (
        "must be an amount in dollars and cents, like 25.00 or -25.00"
        if signed
        else "must be a positive amount in dollars and cents, like 150.00"
    )

    def parse(value: object) -> str:
        text = ""
        if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
            text = str(value).strip()
        found = _AMOUNT.fullmatch(text)
        if found is None or (found.group(1) and not signed):
            raise PydanticCustomError("dollars", message)
        sign, dollars, cents = found.groups()
        return f"{sign}{int(dollars)}.{(cents or '').ljust(2, '0')}"

    return parse


DollarsIn = Annotated[
    str,
    PlainValidator(_amount_parser(signed=False)),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^[0-9]{1,7}(\.[0-9]{1,2})?$",
            "description": "Dollars and cents, e.g. 150.00 (150 and 150.0 are read as 150.00)",
            "examples": ["150.00"],
        }
    ),
]
SignedDollarsIn = Annotated[
    str,
    PlainValidator(_amount_parser(signed=True)),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^-?[0-9]{1,7}(\.[0-9]{1,2})?$",
            "description": "Positive: a charge owed; negative: a credit (e.g. -25.00)",
            "examples": ["-25.00"],
        }
    ),
]
