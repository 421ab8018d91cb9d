"""Ports of collections: where arrangements are kept. Adapters implement them (in memory)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from civiq.collections.domain.arrangements import Arrangement
from civiq.core.audit import AuditEntry


class Arrangements(Protocol):
    def of_account(self, account_id: str) -> Sequence[Arrangement]:
        """The account's arrangements, newest first."""
        ...

    def make(self, arrangement: Arrangement, first_check: date, entry: AuditEntry) -> None:
        """Keep a new arrangement in force, to be checked on ``first_check``, with its history
        entry; Conflict, keeping nothing, when the account has one in force."""
        ...

    def due_for_check(self, day: date) -> Sequence[Arrangement]:
        """The arrangements in force to be checked on ``day`` or before."""
        ...

    def recheck(self, arrangement: Arrangement, on: date) -> None:
        """Check ``arrangement`` (in force) again on ``on``."""
        ...

    def end(self, before: Arrangement, after: Arrangement, entry: AuditEntry) -> None:
        """Record how ``before`` ended (``after``) with its history entry; nothing when it is no
        longer in force (ended by an earlier run)."""
        ...
