"""Ports of collections: where arrangements are kept. Adapters implement them (in memory)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from civiq.collections.domain.arrangements import Arrangement
from civiq.core.audit import AuditEntry


class Arrangements(Protocol):
    def of_account(self, account_id: str) -> Sequence[Arrangement]:
        """The account's arrangements, newest first."""
        ...

    def make(self, arrangement: Arrangement, entry: AuditEntry) -> None:
        """Keep a new arrangement with its history entry; Conflict, keeping nothing, when the
        account has an active one."""
        ...
