"""Scheduled, daily: pending accounts whose first service has started become active."""

from __future__ import annotations

from dataclasses import dataclass

from civiq.accounts.domain.accounts import AccountStatus
from civiq.accounts.ports import AccountRepository, Changes
from civiq.accounts.services.recording import Recorder, Step
from civiq.core.events import Actor

SYSTEM = Actor("account-activation", "system")
PAGE = 100


@dataclass(frozen=True)
class ActivateAccounts:
    accounts: AccountRepository
    changes: Changes
    recorder: Recorder

    def __call__(self, correlation_id: str) -> int:
        """Activate what is due today (municipal date); running it twice changes nothing."""
        today = self.recorder.today()
        due: list[str] = []
        cursor: str | None = None
        while True:  # collect first: activating moves accounts out of the pending list
            page = self.accounts.list_by_status(AccountStatus.PENDING, None, PAGE, cursor)
            due.extend(s.account_id for s in page.items)
            cursor = page.next_cursor
            if cursor is None:
                break
        activated = 0
        for account_id in due:
            account = self.accounts.get(account_id)
            if account.activated(today).status is not AccountStatus.ACTIVE:
                continue
            after = account.revised(status=AccountStatus.ACTIVE)
            step = Step(after, "AccountActivated", account)
            self.changes.commit(self.recorder.change([step], SYSTEM, correlation_id))
            activated += 1
        return activated
