"""Settle a final-billed account: close it when nothing is owed, or apply the arrears policy.

Zero balance: the account closes (AccountClosed). A tenant's unpaid balance under
``roll-to-owner``: ArrearsTransferRequested names the owner of record and their open accounts,
and the account closes (the ledger moves the amount). Otherwise (``stay-with-tenant``, an
owner's own account, or a credit to refund) the account stays final-billed; a supervisor
closes it once settled (POST /accounts/{id}/closure). The balance is read when the step runs,
after the final bill posted; see README "Moves and transfers".
"""

from __future__ import annotations

from dataclasses import dataclass

from civiq.accounts.domain.accounts import Account, AccountStatus, HolderRole
from civiq.accounts.domain.moves import ArrearsPolicy, Settlement
from civiq.accounts.ports import AccountRepository, Balances, Changes
from civiq.accounts.services.recording import Recorder, Step
from civiq.accounts.services.workflow_steps import (
    OPEN,
    closed_payload,
    commit,
    new_event,
    with_events,
)
from civiq.core.errors import Conflict
from civiq.core.events import Actor, DomainEvent
from civiq.core.history import subject_of
from civiq.core.money import Money
from civiq.core.publishing import PublishEvents


@dataclass(frozen=True)
class SettleAccount:
    accounts: AccountRepository
    balances: Balances
    changes: Changes
    events: PublishEvents
    recorder: Recorder
    policy: ArrearsPolicy

    def __call__(
        self, account_id: str, actor: Actor, correlation_id: str
    ) -> tuple[Account, Settlement, Money]:
        account = self.accounts.get(account_id)
        balance = self.balances.balance_of(account_id)
        if account.status is AccountStatus.CLOSED:  # done by an earlier attempt
            return account, Settlement.CLOSED, balance
        if account.status is not AccountStatus.FINAL_BILLED:
            raise Conflict(f"only a final-billed account settles; it is {account.status}", "status")
        if balance.amount == 0:
            return self._close(account, actor, correlation_id, None), Settlement.CLOSED, balance
        rolls = (
            self.policy is ArrearsPolicy.ROLL_TO_OWNER
            and account.holder_role is HolderRole.TENANT
            and balance.amount > 0
        )
        if not rolls:
            return account, Settlement.AWAITING_PAYMENT, balance
        closed = self._close(account, actor, correlation_id, balance)
        return closed, Settlement.ARREARS_ROLLED_TO_OWNER, balance

    def _close(
        self, before: Account, actor: Actor, correlation_id: str, arrears: Money | None
    ) -> Account:
        now = self.recorder.clock.now()
        after = before.closed(now)
        step = Step(after, "AccountClosed", before, ("AccountClosed", closed_payload(after, now)))
        change = self.recorder.change([step], actor, correlation_id)
        if arrears is not None:
            change = with_events(change, [self._arrears(after, arrears, actor, correlation_id)])
        commit(self.changes, self.events, change)
        return after

    def _arrears(self, account: Account, amount: Money, actor: Actor, cid: str) -> DomainEvent:
        owner = account.owner_customer_id
        assert owner is not None  # a tenant account always names its owner of record
        owner_accounts = [
            s.account_id
            for s in self.accounts.of_customer(owner)
            if s.holder_role is HolderRole.OWNER and s.status in OPEN
        ]
        # the owner's accounts on this property first: that is where the arrears belong
        here = {s.account_id for s in self.accounts.of_property(account.property_id)}
        owner_accounts.sort(key=lambda a: a not in here)
        rounded = amount.rounded()
        return new_event(
            self.recorder,
            actor,
            cid,
            subject_of(account),
            "ArrearsTransferRequested",
            {
                "account_id": account.account_id,
                "account_number": account.account_number,
                "property_id": account.property_id,
                "tenant_customer_id": account.holder.customer_id,
                "owner_customer_id": owner,
                "owner_account_ids": owner_accounts,
                "amount": f"{rounded.amount:.2f}",
                "currency": rounded.currency,
                "policy": ArrearsPolicy.ROLL_TO_OWNER.value,
            },
        )
