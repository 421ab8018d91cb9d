"""Every account's ledger head from the main table, for the digest job, and an account's journal
from a point on (the ledger table).

The heads are read from the accounts' status index (GSI2: ``ACCOUNTS#<status>``, one Query per
status, only the ledger attributes returned), which holds the account items and nothing else:
the requests and the capacity grow with the number of accounts, never with their entries,
statements or history (a Scan would read all of those). The index lags the table by moments and
can be changed by whoever writes the table (an account moved out of it is missed): the job reads
every account it digested before and does not see here again, by its key.
"""

from __future__ import annotations

from collections.abc import Iterator

from civiq.accounts.domain.accounts import AccountStatus
from civiq.ledger.adapters.dynamodb_books import UNREADABLE
from civiq.ledger.adapters.dynamodb_journal import DynamoJournal, LedgerAccountItem
from civiq.ledger.domain.journal import EntriesSince, Head
from civiq.platform import aws
from civiq.platform.dynamodb import keys
from civiq.platform.dynamodb.table import AccountStatusIndex

ACCOUNT_PREFIX = keys.account_pk("")


class DynamoLedgerHeads:
    def __init__(self) -> None:
        meta = LedgerAccountItem.Meta
        self._table = meta.table_name
        self._client = aws.client("dynamodb", meta.region, meta.host)  # thread-safe
        self._journal = DynamoJournal()

    def heads(self) -> Iterator[tuple[str, Head]]:
        paginator = self._client.get_paginator("query")
        for status in AccountStatus:
            pages = paginator.paginate(
                TableName=self._table,
                IndexName=AccountStatusIndex.Meta.index_name,
                KeyConditionExpression="GSI2PK = :status",
                ProjectionExpression="PK, ledger_sequence, ledger_hash",
                ExpressionAttributeValues={
                    ":status": {"S": keys.accounts_with_status(status.value)}
                },
            )
            for page in pages:
                for item in page["Items"]:
                    if "ledger_sequence" in item:
                        account_id = item["PK"]["S"].removeprefix(ACCOUNT_PREFIX)
                        hash_ = item.get("ledger_hash", {}).get("S", "")
                        yield account_id, Head(int(item["ledger_sequence"]["N"]), hash_)

    def since(self, account_id: str, after: int) -> EntriesSince | None:
        try:
            return self._journal.entries_since(account_id, after)
        except UNREADABLE:  # no such account, an entry missing or no longer an entry
            return None
