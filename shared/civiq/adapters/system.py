"""The real clock and id generator."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class UlidGenerator:
    """ULIDs: sortable by creation time, 26 characters, no coordination needed."""

    def new_id(self) -> str:
        value = (int(time.time() * 1000) << 80) | secrets.randbits(80)
        return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))
