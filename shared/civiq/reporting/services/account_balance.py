"""What an account owes (the ledger's balance) with its latest statement and what is still owed
on it: the staff dashboard's account view and the resident portal both show it."""

from __future__ import annotations

from dataclasses import dataclass

from civiq.accounts.domain.accounts import Account
from civiq.accounts.ports import Balances
from civiq.reporting.domain.dashboard import AccountBalance
from civiq.reporting.ports import DashboardReader


@dataclass(frozen=True)
class BalanceOfAccount:
    reader: DashboardReader
    balances: Balances

    def __call__(self, account: Account) -> AccountBalance:
        latest = self.reader.latest_statement(account.account_id)
        balance = self.balances.balance_of(account.account_id)
        if latest is None:
            return AccountBalance(balance, None)
        statement, owed = latest
        return AccountBalance(balance, statement, owed)
