"""Pieces every API payload shares: strict requests, addresses, pins, pages, history."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

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
