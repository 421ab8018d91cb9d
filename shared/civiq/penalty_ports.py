"""The port of the late-payment penalty job: the statements past due, read list by list.
Adapters implement it (DynamoDB, and in memory)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from civiq.domain.charges import RatedBill
from civiq.ports import Page


@dataclass(frozen=True, slots=True)
class PastDueStatement:
    """An issued statement still owing something as last listed (the ledger says how much)."""

    account_id: str
    account_number: str
    statement_id: str
    due_on: date
    bill: RatedBill  # for the rate schedule's after-due-date price


class PastDueStatements(Protocol):
    def lists(self) -> int:
        """How many lists the open statements are spread over (an account's are all in one):
        each is read on its own, and the lists can be read at once."""
        ...

    def past_due(
        self, shard: int, last_due: date, limit: int, cursor: str | None
    ) -> Page[PastDueStatement]:
        """Statements of list ``shard`` (from 0) still owing and due on or before
        ``last_due``, by due date then id; never an amount owed that no statement carries
        (an unbilled item). A cursor stays valid while statements are paid or penalized."""
        ...

    def posted(self, guards: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these (account id, posting guard) pairs were posted: what a rerun
        skips without reading each account's ledger."""
        ...
