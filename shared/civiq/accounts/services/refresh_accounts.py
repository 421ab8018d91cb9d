"""Keep the holder and location details stored on accounts in step with their sources.

An account keeps a copy of its holder's name and contact details and of its property's address
and roll number, so a lookup is one read. After a customer or property changes, each of its
accounts is brought up to date in a change of its own (any number of accounts fits), retried
on a concurrent edit; running it again changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from civiq.accounts.domain.accounts import Account
from civiq.accounts.ports import AccountRepository, AccountSummary, Changes
from civiq.accounts.services.recording import Recorder, Step
from civiq.core.errors import VersionConflict
from civiq.core.events import Actor

ATTEMPTS = 3


@dataclass(frozen=True)
class RefreshAccounts:
    accounts: AccountRepository
    changes: Changes
    recorder: Recorder

    def __call__(
        self,
        summaries: list[AccountSummary],
        refreshed: Callable[[Account], Account | None],
        action: str,
        actor: Actor,
        cid: str,
    ) -> int:
        """Apply ``refreshed`` (None: nothing to change) to each account; count the changed."""
        changed = 0
        for summary in summaries:
            for attempt in range(ATTEMPTS):
                account = self.accounts.get(summary.account_id)
                after = refreshed(account)
                if after is None:
                    break
                try:
                    step = Step(after, action, account)
                    self.changes.commit(self.recorder.change([step], actor, cid))
                    changed += 1
                    break
                except VersionConflict:
                    if attempt == ATTEMPTS - 1:
                        raise
        return changed
