"""The statements past due on the single table, for the late-payment penalty job.

read                 request(s)
past-due page        one Query of GSI2 ``OPEN#<shard>``, SK < ``<last due date>~`` (a statement
                     is listed there, by ``<due>#<id>``, while it owes something: billing's
                     items, :mod:`civiq.billing.adapters.dynamodb`)
postings done        BatchGetItem of the guard items ``POSTED#<guard>`` (100 keys a request)

Only statements are listed: an amount owed that no statement carries (an unbilled item) has no
statement item. GSI2 is read eventually consistently; the job reads each account's ledger before
it posts, so a listing a moment old never charges what is no longer owed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from civiq.billing.adapters.dynamodb import (
    OPEN_SHARDS,
    StatementItem,
    open_statements_pk,
    statement_of,
)
from civiq.core.ports import Page
from civiq.ledger.adapters.dynamodb_journal import GUARD_PREFIX, PostingGuardItem
from civiq.payments.ports import PastDueStatement
from civiq.platform.dynamodb import keys, pages

LISTED = ["PK", "SK", "GSI2PK", "GSI2SK", "record", "document_key"]
ACCOUNT_PREFIX = keys.account_pk("")


class DynamoPastDue:
    def lists(self) -> int:
        return OPEN_SHARDS

    def past_due(
        self, shard: int, last_due: date, limit: int, cursor: str | None
    ) -> Page[PastDueStatement]:
        found = StatementItem.open_by_due_date.query(
            open_statements_pk(shard),
            StatementItem.gsi2sk < f"{last_due.isoformat()}~",  # every id of that due date
            limit=limit,
            last_evaluated_key=pages.decode(cursor),
            attributes_to_get=LISTED,
        )
        listed = []
        for item in found:
            statement = statement_of(item.record, item.document_key)
            listed.append(
                PastDueStatement(
                    statement.account_id,
                    statement.account_number,
                    statement.statement_id,
                    statement.due_on,
                    statement.bill,
                )
            )
        last = found.last_evaluated_key
        return Page(listed, pages.encode(last) if last else None)

    def posted(self, guards: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        found = PostingGuardItem.batch_get(
            [
                (keys.account_pk(account_id), f"{GUARD_PREFIX}{guard}")
                for account_id, guard in guards
            ],
            consistent_read=True,
            attributes_to_get=["PK", "SK"],
        )
        return {
            (item.pk.removeprefix(ACCOUNT_PREFIX), item.sk.removeprefix(GUARD_PREFIX))
            for item in found
        }
