"""In-memory fake of the penalty job's port (:mod:`civiq.payments.ports`), with the DynamoDB
adapter's rules: issued statements still owing, an account's all in one list, by due date."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import date

from civiq.billing.adapters.memory import InMemoryStatements
from civiq.billing.domain.statements import StatementStatus
from civiq.core.ports import Page
from civiq.ledger.adapters.memory import InMemoryLedger
from civiq.ledger.domain.journal import is_statement
from civiq.payments.ports import PastDueStatement


class InMemoryPastDue:
    def __init__(
        self, statements: InMemoryStatements, ledger: InMemoryLedger, shards: int = 3
    ) -> None:
        self.statements = statements
        self.ledger = ledger
        self.shards = shards

    def lists(self) -> int:
        return self.shards

    def past_due(
        self, shard: int, last_due: date, limit: int, cursor: str | None
    ) -> Page[PastDueStatement]:
        """The cursor is the last statement's sort key, as DynamoDB's is its key."""
        listed = sorted(
            (f"{s.due_on.isoformat()}#{s.statement_id}", s)
            for s in self._owing(shard)
            if s.due_on <= last_due
        )
        after = [(key, s) for key, s in listed if cursor is None or key > cursor]
        page = after[:limit]
        more = len(after) > limit
        return Page([s for _, s in page], page[-1][0] if more else None)

    def posted(self, guards: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        return {guard for guard in guards if guard in self.ledger.guards}

    def _owing(self, shard: int) -> list[PastDueStatement]:
        owing = []
        for account_id, basis in list(self.ledger.accounts.items()):
            if zlib.crc32(account_id.encode()) % self.shards != shard:
                continue
            for open_item in basis.open_statements:
                if not is_statement(open_item.statement_id):
                    continue
                statement = self.statements.get(account_id, open_item.statement_id)
                if statement.status is StatementStatus.ISSUED:
                    owing.append(
                        PastDueStatement(
                            account_id,
                            statement.account_number,
                            statement.statement_id,
                            statement.due_on,
                            statement.bill,
                        )
                    )
        return owing
