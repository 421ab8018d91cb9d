"""Ids in the shape of a ULID (26 Crockford base-32 characters, 128 bits).

:class:`UlidGenerator` makes new ones, sortable by creation time. :class:`DeterministicIds`
derives them from a seed, so a retried workflow task generates the same ids as its first attempt:
each Step Functions task builds its services with ``DeterministicIds(f"{execution}/{task}")``,
so a retry (or a redelivered task) produces the same entity, history and event ids, and its
commit either finds its own work already done or does it for the first time, never twice.
Those ids carry no time.
"""

from __future__ import annotations

import hashlib
import secrets
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _encoded(value: int) -> str:
    """128 bits as 26 Crockford base-32 characters."""
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


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
        return _encoded(int.from_bytes(digest[:16], "big"))

    def child(self, name: str) -> DeterministicIds:
        """An independent generator for one part of the task (e.g. one account of several)."""
        return DeterministicIds(f"{self._seed}/{name}")


class UlidGenerator:
    """ULIDs: sortable by creation time, 26 characters, no coordination needed."""

    def new_id(self) -> str:
        return _encoded((int(time.time() * 1000) << 80) | secrets.randbits(80))
