"""A resident cancels autopay: the PAD agreement is cancelled (kept, as Rule H1 wants the
agreement kept after it ends) with its AutopayCancelled event, then the account's autopay flag
is cleared through the accounts feature's own change. Cancelling again changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from civiq.accounts.ports import AccountRepository
from civiq.accounts.services.change_account import ChangeAccount
from civiq.core.events import Actor, DomainEvent
from civiq.core.ports import Clock, IdGenerator
from civiq.payments.ports import Mandates

CANCELLED = "AutopayCancelled"


@dataclass(frozen=True)
class CancelAutopay:
    accounts: AccountRepository
    change: ChangeAccount
    mandates: Mandates
    clock: Clock
    ids: IdGenerator

    def __call__(self, account_id: str, actor: Actor, cid: str) -> None:
        mandate = self.mandates.current(account_id)
        if mandate is not None:
            now = self.clock.now()
            cancelled = DomainEvent(
                self.ids.new_id(),
                CANCELLED,
                1,
                now,
                actor,
                cid,
                f"ACCOUNT#{account_id}",
                {
                    "account_id": account_id,
                    "mandate_id": mandate.mandate_id,
                    "cancelled_at": now.isoformat(),
                },
            )
            self.mandates.save(mandate, mandate.cancelled(now), cancelled)
        account = self.accounts.get(account_id)
        if account.autopay:
            self.change.settings(account_id, account.version, actor, cid, autopay=False)
