"""The accounts of a billing batch with their ledgers and premises.

The account item holds the account and its ledger's attributes (balance, head, open
statements), so one BatchGetItem of 100 keys reads both for 100 accounts, where reading the
account and then its ledger twice (the balance forward's journal, the posting's basis) took three
GetItems each. A property's item and its meters' links share its partition and sort together
(``METER#<id>`` links, ``METERSLOT#`` claims, then ``PROPERTY``), so one Query of that range
reads the property with its meters, once per property of the batch (the units of a building
share it), where a GetItem and a Query of the links took two requests per account. The account
item names its latest issued statement, which a second BatchGetItem reads for 100 accounts:
billing needs no Query of each account's statements (that statement's chart is the history),
nor of its ledger entries when its head is still where that statement's posting left it.
That read is eventually consistent, as the Query was: a statement it misses (issued a moment
ago) leaves billing to query the account's statements.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from civiq.accounts.adapters import dynamodb_mapping as mapping
from civiq.billing.adapters.dynamodb import (
    BillingAccountItem,
    StatementItem,
    statement_of,
    statement_sk,
)
from civiq.billing.ports import AccountOnFile, Premises
from civiq.ledger.adapters.dynamodb_journal import LedgerAccountItem, ledger_of
from civiq.ledger.domain.journal import AccountLedger, Profile
from civiq.metering.adapters.dynamodb import MeterLinkItem, meter_of
from civiq.platform.dynamodb import keys
from civiq.platform.dynamodb.table import AccountItem, PropertyItem

BATCH_GET_LIMIT = 100  # keys per BatchGetItem request


class DynamoAccountsOnFile:
    def several(self, account_ids: Sequence[str]) -> Mapping[str, AccountOnFile]:
        wanted = [
            {"PK": {"S": keys.account_pk(a)}, "SK": {"S": keys.ACCOUNT_SK}}
            for a in dict.fromkeys(account_ids)
        ]
        read = []
        latest_keys = []
        posted_through = {}
        for raw in _batch_get_all(wanted):
            account = mapping.account_of(AccountItem.from_raw_data(raw))
            read.append(
                (account, ledger_of(account.account_id, LedgerAccountItem.from_raw_data(raw)))
            )
            billing = BillingAccountItem.from_raw_data(raw)
            if billing.latest_statement is not None:
                latest_keys.append(
                    {"PK": raw["PK"], "SK": {"S": statement_sk(billing.latest_statement)}}
                )
            if billing.latest_statement_head is not None:
                posted_through[account.account_id] = int(billing.latest_statement_head)
        latest_of = {
            statement.account_id: statement
            for statement in (
                statement_of(item.record, item.document_key)
                for item in map(
                    StatementItem.from_raw_data, _batch_get_all(latest_keys, consistent=False)
                )
            )
        }
        premises = {p: premises_of(p) for p in dict.fromkeys(a.property_id for a, _ in read)}
        return {
            account.account_id: AccountOnFile(
                account,
                with_property(ledger, premises[account.property_id]),
                premises[account.property_id],
                latest_of.get(account.account_id),
                posted_through.get(account.account_id),
            )
            for account, ledger in read
        }


def with_property(ledger: AccountLedger, premises: Premises | None) -> AccountLedger:
    """The ledger, its receivables counted under its property's type as it stands (billing
    read the property anyway)."""
    if premises is None:
        return ledger
    return replace(ledger, profile=Profile(ledger.profile.route, premises.prop.property_type.value))


def premises_of(property_id: str) -> Premises | None:
    """The property with its meters, in one Query (None: no such property)."""
    prop, meters = None, []
    for raw in _query_range(
        keys.property_pk(property_id), keys.METER_LINK_PREFIX, keys.PROPERTY_SK
    ):
        sort_key = raw["SK"]["S"]
        if sort_key == keys.PROPERTY_SK:
            prop = mapping.property_of(PropertyItem.from_raw_data(raw))
        elif sort_key.startswith(keys.METER_LINK_PREFIX):
            meters.append(meter_of(MeterLinkItem.from_raw_data(raw).record))
    if prop is None:
        return None
    meters.sort(key=lambda m: (m.meter.installed_on, m.meter_id))
    return Premises(prop, tuple(meters))


def _query_range(partition: str, low: str, high: str) -> list[dict[str, Any]]:
    """The raw items of ``partition`` with sort keys from ``low`` to ``high``, every page."""
    connection = PropertyItem._get_connection()
    items: list[dict[str, Any]] = []
    start = None
    while True:
        page = connection.query(
            partition,
            range_key_condition=PropertyItem.sk.between(low, high),
            exclusive_start_key=start,
        )
        items.extend(page.get("Items", []))
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def _batch_get_all(
    keys_to_get: list[dict[str, Any]], consistent: bool = True
) -> list[dict[str, Any]]:
    """The raw items of ``keys_to_get``, 100 to a request."""
    return [
        raw
        for start in range(0, len(keys_to_get), BATCH_GET_LIMIT)
        for raw in _batch_get(keys_to_get[start : start + BATCH_GET_LIMIT], consistent)
    ]


def _batch_get(keys_to_get: list[dict[str, Any]], consistent: bool) -> list[dict[str, Any]]:
    """The raw items of ``keys_to_get`` (at most 100), asking again for what DynamoDB leaves
    unprocessed."""
    items: list[dict[str, Any]] = []
    while keys_to_get:
        page, unprocessed = AccountItem._batch_get_page(
            keys_to_get, consistent_read=consistent, attributes_to_get=None
        )
        items.extend(page or [])
        keys_to_get = list(unprocessed or [])
    return items
