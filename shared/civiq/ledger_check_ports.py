"""Ports of the ledger check: every account's books, read for an audit. Adapters implement them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from civiq.domain.ledger_audit import AccountBooks


@dataclass(frozen=True, slots=True)
class UnreadableEntry:
    """An account whose journal holds a record that is no longer a ledger entry (a field removed
    or garbled): its chain cannot be followed past that entry."""

    books: AccountBooks  # with the entries before the unreadable one
    sequence: int
    why: str


Books = AccountBooks | UnreadableEntry


class LedgerBooks(Protocol):
    segments: int  # how many parts of the table :meth:`books` reads, each on its own

    def books(self, segment: int) -> Iterator[Books]:
        """Every account of one part (``0 <= segment < segments``): the parts together hold each
        account exactly once."""
        ...

    def of_account(self, account_id: str) -> Books:
        """Raises NotFound."""
        ...
