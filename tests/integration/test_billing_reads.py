"""What billing reads from the table, and how: a batch's premises in one Query per property, its
accounts' latest statements in one BatchGetItem per 100, and statement records stored compressed
(records stored before as JSON text still read)."""

from __future__ import annotations

import json
from collections import Counter

import boto3

from civiq.accounts.adapters.dynamodb_properties import DynamoPropertyRepository
from civiq.billing.adapters.dynamodb import DynamoStatements, StatementItem, statement_sk
from civiq.billing.adapters.dynamodb_accounts_on_file import DynamoAccountsOnFile
from civiq.core.audit import AuditEntry
from civiq.core.history import as_record
from civiq.ledger.adapters.dynamodb_journal import DynamoJournal
from civiq.metering.adapters.dynamodb import DynamoMetering
from civiq.platform.dynamodb import keys
from civiq.platform.dynamodb.table import AccountItem, PropertyItem
from tests.helpers.statement_builders import issue_with_ledger, statement
from tests.helpers.stores import NOW
from tests.helpers.workflows import metered_account


def test_a_batch_reads_each_account_with_its_property_and_meters_in_one_query(aws: None) -> None:
    account, meter = metered_account("Élise Tremblay", "12 Rue Laurier")
    metering = DynamoMetering()
    calls: Counter[str] = Counter()
    for model in (AccountItem, PropertyItem):
        model._get_connection().connection.client.meta.events.register(
            "before-call.dynamodb",
            lambda event_name, **_: calls.update([event_name.rsplit(".", 1)[1]]),
            unique_id=f"count-{model.__name__}",
        )

    on_file = DynamoAccountsOnFile().several([account.account_id])
    requests = Counter(calls)

    premises = on_file[account.account_id].premises
    assert premises is not None
    assert premises.prop == DynamoPropertyRepository().get(account.property_id)
    assert list(premises.meters) == list(metering.at_property(account.property_id))
    assert [m.meter_id for m in premises.meters] == [meter.meter_id]
    assert requests == Counter({"BatchGetItem": 1, "Query": 1})


def test_a_statement_is_stored_compressed_and_one_stored_as_json_text_still_reads(
    aws: None,
) -> None:
    account, _ = metered_account("Marc Gagnon", "3 Rue Champlain")
    issued = statement(
        account_id=account.account_id, statement_id=f"{account.account_number}-20261031"
    )
    issued_entry = AuditEntry(
        "S1", f"ACCOUNT#{account.account_id}", "StatementCreated", "b", "system", NOW, "c", {}
    )
    issue_with_ledger(DynamoStatements(), issued, issued_entry)
    client = boto3.client("dynamodb", region_name="ca-central-1")
    key = {
        "PK": {"S": keys.account_pk(account.account_id)},
        "SK": {"S": statement_sk(issued.statement_id)},
    }
    table = StatementItem.Meta.table_name
    stored = client.get_item(TableName=table, Key=key)["Item"]
    text = json.dumps({k: v for k, v in as_record(issued).items() if k != "document_key"})
    assert "B" in stored["record"] and len(stored["record"]["B"]) < len(text) / 3

    client.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET #r = :text",
        ExpressionAttributeNames={"#r": "record"},
        ExpressionAttributeValues={":text": {"S": text}},
    )

    assert DynamoStatements().get(account.account_id, issued.statement_id) == issued


def test_a_batch_reads_each_accounts_latest_statement_with_the_account(aws: None) -> None:
    billed, _ = metered_account("Élise Tremblay", "12 Rue Laurier")
    never_billed, _ = metered_account("Marc Gagnon", "3 Rue Champlain")
    statements = DynamoStatements()
    for period_end in ("20260831", "20261031"):
        issued = statement(
            account_id=billed.account_id, statement_id=f"{billed.account_number}-{period_end}"
        )
        entry = AuditEntry(
            period_end,
            f"ACCOUNT#{billed.account_id}",
            "StatementCreated",
            "b",
            "system",
            NOW,
            "c",
            {},
        )
        issue_with_ledger(statements, issued, entry)
    calls: Counter[str] = Counter()
    AccountItem._get_connection().connection.client.meta.events.register(
        "before-call.dynamodb",
        lambda event_name, **_: calls.update([event_name.rsplit(".", 1)[1]]),
        unique_id="count-latest",
    )

    on_file = DynamoAccountsOnFile().several([billed.account_id, never_billed.account_id])

    assert on_file[billed.account_id].latest == issued
    head = DynamoJournal().state(billed.account_id).head
    assert head is not None and on_file[billed.account_id].posted_through == head.sequence
    assert on_file[never_billed.account_id].latest is None
    assert on_file[never_billed.account_id].posted_through is None
    assert calls["BatchGetItem"] == 2  # the accounts, then the statements they name
