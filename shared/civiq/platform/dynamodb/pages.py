"""Opaque page cursors: the key of the last item a page returned."""

from __future__ import annotations

import base64
import json
from typing import Any

from civiq.core.errors import NotFound


def unknown_cursor() -> NotFound:
    """A cursor this API did not return names no page: like an unknown id, 404 (no pattern in
    the OpenAPI document can tell a cursor the API returned from another)."""
    return NotFound("no page starts at this cursor: pass a next_cursor this API returned", "cursor")


def encode(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode()


def decode(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError:
        raise unknown_cursor() from None
    if not isinstance(key, dict) or not all(
        isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) for v in key.values()
    ):
        raise unknown_cursor()
    return key


def key_of(**attributes: str) -> dict[str, Any]:
    """A DynamoDB key (ExclusiveStartKey) of string attributes."""
    return {name: {"S": value} for name, value in attributes.items()}
