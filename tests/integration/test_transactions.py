"""Transactions under DynamoDB faults moto cannot produce, injected with botocore's Stubber."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from botocore.stub import Stubber
from pynamodb.exceptions import TransactWriteError

from civiq.billing.adapters.dynamodb import DynamoStatements
from civiq.core.audit import AuditEntry
from civiq.ledger.adapters.dynamodb_journal import LedgerAccountItem
from civiq.platform.dynamodb import transactions
from tests.helpers.statement_builders import issue_with_ledger, statement
from tests.helpers.stores import NOW


def cancelled(*codes: str) -> dict[str, object]:
    return {"CancellationReasons": [{"Code": code} for code in codes]}


@pytest.fixture
def stubbed(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[DynamoStatements, Stubber]]:
    monkeypatch.setattr(transactions, "time", SimpleNamespace(sleep=lambda seconds: None))
    LedgerAccountItem(pk="ACCOUNT#acc-0042", sk="ACCOUNT").save()  # its ledger is read first
    statements = DynamoStatements()
    with Stubber(statements._client().client) as stubber:
        yield statements, stubber


ENTRY = AuditEntry("E1", "ACCOUNT#acc-0042", "StatementCreated", "b", "system", NOW, "c", {})
# puts: statement, posting guard, ledger entry, history entry; updates: month totals shard,
# outstanding shard, account (balance and ledger head)
ITEMS = 7


def test_a_transaction_cancelled_by_a_concurrent_one_is_tried_again(
    stubbed: tuple[DynamoStatements, Stubber],
) -> None:
    statements, stubber = stubbed
    conflict = ["None"] * ITEMS
    conflict[4] = "TransactionConflict"  # the totals shard another batch was updating
    stubber.add_client_error(
        "transact_write_items", "TransactionCanceledException", modeled_fields=cancelled(*conflict)
    )
    stubber.add_response("transact_write_items", {})

    assert issue_with_ledger(statements, statement(), ENTRY)
    stubber.assert_no_pending_responses()


def test_conflicts_that_persist_fail_the_write_for_the_workflow_to_retry(
    stubbed: tuple[DynamoStatements, Stubber],
) -> None:
    statements, stubber = stubbed
    for _ in range(transactions.CONFLICT_ATTEMPTS):
        stubber.add_client_error(
            "transact_write_items",
            "TransactionCanceledException",
            modeled_fields=cancelled("TransactionConflict", "None", "None", "None"),
        )
    with pytest.raises(TransactWriteError):
        issue_with_ledger(statements, statement(), ENTRY)


def test_throttling_is_not_retried_here(stubbed: tuple[DynamoStatements, Stubber]) -> None:
    statements, stubber = stubbed
    stubber.add_client_error("transact_write_items", "ProvisionedThroughputExceededException")
    with pytest.raises(TransactWriteError):
        issue_with_ledger(statements, statement(), ENTRY)
    stubber.assert_no_pending_responses()
