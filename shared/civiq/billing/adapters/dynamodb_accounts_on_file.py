"""The accounts of a billing batch with their ledgers, from their account items: the account item
holds the account and its ledger's attributes (balance, head, open statements), so one
BatchGetItem of 100 keys reads both for 100 accounts, where reading the account and then its
ledger twice (the balance forward's journal, the posting's basis) took three GetItems each."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from civiq.accounts.adapters import dynamodb_mapping as mapping
from civiq.billing.ports import AccountOnFile
from civiq.ledger.adapters.dynamodb_journal import LedgerAccountItem, ledger_of
from civiq.platform.dynamodb import keys
from civiq.platform.dynamodb.table import AccountItem

BATCH_GET_LIMIT = 100  # keys per BatchGetItem request


class DynamoAccountsOnFile:
    def several(self, account_ids: Sequence[str]) -> Mapping[str, AccountOnFile]:
        wanted = [
            {"PK": {"S": keys.account_pk(a)}, "SK": {"S": keys.ACCOUNT_SK}}
            for a in dict.fromkeys(account_ids)
        ]
        found: dict[str, AccountOnFile] = {}
        for start in range(0, len(wanted), BATCH_GET_LIMIT):
            for raw in _batch_get(wanted[start : start + BATCH_GET_LIMIT]):
                account = mapping.account_of(AccountItem.from_raw_data(raw))
                ledger = ledger_of(account.account_id, LedgerAccountItem.from_raw_data(raw))
                found[account.account_id] = AccountOnFile(account, ledger)
        return found


def _batch_get(keys_to_get: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The raw items of ``keys_to_get`` (at most 100), strongly consistent, asking again for
    what DynamoDB leaves unprocessed."""
    items: list[dict[str, Any]] = []
    while keys_to_get:
        page, unprocessed = AccountItem._batch_get_page(
            keys_to_get, consistent_read=True, attributes_to_get=None
        )
        items.extend(page or [])
        keys_to_get = list(unprocessed or [])
    return items
