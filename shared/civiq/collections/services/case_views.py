"""What staff read of collection cases: an account's cases with every step and why, and its
contacts; the cases not closed, each staff member's worklist, and the staff tasks still to
do."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from civiq.accounts.ports import AccountRepository
from civiq.collections.domain.contacts import Contact
from civiq.collections.domain.dunning import Case, CollectionTask
from civiq.collections.ports import Cases
from civiq.core.ports import Page


@dataclass(frozen=True)
class CaseViews:
    accounts: AccountRepository
    cases: Cases

    def of_account(self, account_id: str) -> Sequence[Case]:
        """Newest first. Raises NotFound (no such account)."""
        self.accounts.get(account_id)
        return self.cases.of_account(account_id)

    def current(self, limit: int, after: str | None) -> Page[Case]:
        return self.cases.current_cases(limit, after)

    def tasks(self, limit: int, after: str | None) -> Page[CollectionTask]:
        return self.cases.open_tasks(limit, after)

    def worklist(self, assignee: str | None, limit: int, after: str | None) -> Page[Case]:
        """A staff member's cases (None: nobody's yet), most exposed first (risk times what is
        past due)."""
        return self.cases.worklist(assignee, limit, after)

    def contacts(self, account_id: str) -> Sequence[Contact]:
        """Newest first. Raises NotFound (no such account)."""
        self.accounts.get(account_id)
        return self.cases.contacts(account_id)
