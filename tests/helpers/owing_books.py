"""What the collections contract tests share: the ledger and statements of the stores under test
(in memory or on DynamoDB alike), and accounts owing a statement fallen due."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from civiq.accounts.adapters.memory import InMemoryBalances, InMemoryStore
from civiq.billing.adapters.dynamodb import DynamoStatements
from civiq.billing.adapters.memory import InMemoryStatements
from civiq.ledger.adapters.dynamodb_journal import DynamoJournal
from civiq.ledger.adapters.memory import InMemoryLedger
from tests.helpers.statement_builders import issue_with_ledger, issued_entry, owing_statement
from tests.helpers.stores import Stores

DUE = date(2026, 10, 20)


class OwingBooks:
    def __init__(self, stores: Stores) -> None:
        self.stores = stores
        self.in_memory = isinstance(stores.accounts, InMemoryStore)
        if self.in_memory:
            self.ledger: Any = InMemoryLedger(stores.accounts)
            self.statements: Any = InMemoryStatements(
                stores.accounts, InMemoryBalances(stores.accounts), self.ledger
            )
        else:
            self.ledger = DynamoJournal()
            self.statements = DynamoStatements()

    def owing(self, n: int, total: str = "240.00") -> str:
        """A new account owing ``total`` on a statement due on ``DUE``."""
        account = self.stores.open(f"Holder {n}", f"{n} Rue Laval")
        issued = owing_statement(account.account_id, account.account_number, DUE, total)
        assert issue_with_ledger(self.statements, issued, issued_entry(issued))
        return account.account_id


def owe_on(account: Mapping[str, Any], due: date, total: str = "240.00") -> str:
    """An account as the API answered its opening now owes ``total`` on a statement due on
    ``due`` (issued through billing's DynamoDB adapter, on the ledger): the statement's id."""
    issued = owing_statement(account["id"], account["account_number"], due, total)
    assert issue_with_ledger(DynamoStatements(), issued, issued_entry(issued))
    return issued.statement_id
