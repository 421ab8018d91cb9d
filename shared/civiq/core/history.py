"""What changed: flat before/after records of an entity, for the append-only history."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

IGNORED = frozenset({"version"})  # every change bumps it; the entry says which version it made


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return as_record(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def subject_of(entity: Any) -> str:
    """The id under which an account, customer or property keeps its history."""
    for kind in ("account", "customer", "property"):
        entity_id = getattr(entity, f"{kind}_id", None)
        if entity_id is not None and type(entity).__name__.lower() == kind:
            return f"{kind.upper()}#{entity_id}"
    raise TypeError(f"{type(entity).__name__} has no history")


def as_record(entity: Any) -> dict[str, Any]:
    """A JSON-ready dict of a domain dataclass (enums, dates and decimals as strings)."""
    return {f.name: _plain(getattr(entity, f.name)) for f in dataclasses.fields(entity)}


def _flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in record.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):  # an empty mapping has no fields to compare
            flat.update(_flatten(value, path + "."))
        else:
            flat[path] = value
    return flat


def changes(before: Any | None, after: Any) -> dict[str, dict[str, Any]]:
    """``{"field.path": {"before": old, "after": new}}`` for every field that differs.

    Nested records are compared field by field (``holder.name``); lists as a whole
    (``services``), so an entry shows the full list before and after.
    """
    old = _flatten(as_record(before)) if before is not None else {}
    new = _flatten(as_record(after))
    return {
        key: {"before": old.get(key), "after": new.get(key)}
        for key in sorted(old.keys() | new.keys())
        if key not in IGNORED and old.get(key) != new.get(key)
    }
