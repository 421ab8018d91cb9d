"""Ids derived from a seed: a retried workflow task generates the same ids as its first attempt.

Each Step Functions task builds its services with ``DeterministicIds(f"{execution}/{task}")``,
so a retry (or a redelivered task) produces the same entity, history and event ids, and its
commit either finds its own work already done or does it for the first time, never twice.
The ids have the shape of a ULID (26 Crockford base-32 characters, 128 bits) but carry no time.
"""

from __future__ import annotations

import hashlib
import secrets
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class DeterministicIds:
    def __init__(self, seed: str) -> None:
        self._seed = seed
        self._issued = 0

    def new_id(self) -> str:
        self._issued += 1
        return self.peek(self._issued)

    def peek(self, n: int) -> str:
        """The ``n``-th id this generator issues (1-based), without issuing it."""
        digest = hashlib.sha256(f"{self._seed}#{n}".encode()).digest()
        value = int.from_bytes(digest[:16], "big")
        return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))

    def child(self, name: str) -> DeterministicIds:
        """An independent generator for one part of the task (e.g. one account of several)."""
        return DeterministicIds(f"{self._seed}/{name}")


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class UlidGenerator:
    """ULIDs: sortable by creation time, 26 characters, no coordination needed."""

    def new_id(self) -> str:
        value = (int(time.time() * 1000) << 80) | secrets.randbits(80)
        return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))
