"""The ledger check against DynamoDB (moto): books posted through the real adapters pass; an
entry edited, deleted, swapped or garbled, a stray entry past the head, or a stored balance
changed directly in the table is reported against the right account, and the command exits
non-zero."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal as D
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient

from civiq.core.errors import NotFound
from civiq.ledger.adapters.dynamodb_books import DynamoLedgerBooks
from civiq.ledger.adapters.dynamodb_journal import entry_sk
from civiq.ledger.services.ledger_check import CheckLedgers
from civiq.platform.dynamodb import keys
from infra.tools.ledger_check import main
from tests.helpers.emulator import REGION, TABLE
from tests.helpers.stores import Books, Stores

pytestmark = pytest.mark.parametrize("stores", ["dynamodb"], indirect=True)


@dataclass
class Town:
    tampered: Books  # four entries: two charges, two payments; balance 55.50
    other: Books  # two entries: a charge and a payment; balance 35.00
    untouched_id: str  # an account nothing was posted to
    table: Any

    def key(self, sequence: int) -> dict[str, str]:
        return {"PK": keys.account_pk(self.tampered.account.account_id), "SK": entry_sk(sequence)}

    def record(self, sequence: int) -> dict[str, Any]:
        item = self.table.get_item(Key=self.key(sequence), ConsistentRead=True)["Item"]
        record: dict[str, Any] = json.loads(item["record"])
        return record

    def write(self, sequence: int, record: dict[str, Any]) -> None:
        self.table.put_item(Item=self.key(sequence) | {"record": json.dumps(record)})

    def delete(self, sequence: int) -> None:
        self.table.delete_item(Key=self.key(sequence))


@pytest.fixture
def town(
    books: Books,
    stores: Stores,
    monkeypatch: pytest.MonkeyPatch,
) -> Town:
    monkeypatch.setenv("TABLE_NAME", TABLE)
    books.issue(date(2026, 9, 30), "80.00")
    books.issue(date(2026, 11, 30), "95.50")
    books.pay("P-1", "100.00")
    books.pay("P-2", "20.00")
    other = replace(books, account=stores.open("Liam Brown", "7 Rue Laval"))
    other.issue(date(2026, 11, 30), "60.00")
    other.pay("P-3", "25.00")
    untouched = stores.open("Zoé Lévesque", "9 Rue Laval")
    table = boto3.resource("dynamodb", region_name=REGION).Table(TABLE)
    return Town(books, other, untouched.account_id, table)


def check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    status = main(["--segments", "4", *argv])
    return status, json.loads(capsys.readouterr().out)


def found(report: dict[str, Any]) -> list[tuple[str, str, int | None]]:
    return [(f["account_id"], f["kind"], f["sequence"]) for f in report["findings"]]


def test_books_posted_through_the_adapters_are_sound(
    town: Town, capsys: pytest.CaptureFixture[str]
) -> None:
    status, report = check(capsys)

    assert status == 0
    assert report == {
        "accounts_checked": 3,  # each account once, over four segments
        "entries_checked": 6,
        "total_balance": "90.50",
        "findings_by_kind": {
            "chain-broken": 0,
            "balance-mismatch": 0,
            "credit-mismatch": 0,
            "negative-owed": 0,
        },
        "findings": [],
    }


def test_an_edited_amount_breaks_the_chain_at_that_entry(
    town: Town, capsys: pytest.CaptureFixture[str]
) -> None:
    town.write(2, town.record(2) | {"amount": "9.55"})

    status, report = check(capsys)

    account = town.tampered.account.account_id
    assert status == 1
    assert found(report) == [(account, "chain-broken", 2), (account, "balance-mismatch", None)]
    assert "changed after it was written" in report["findings"][0]["message"]


def test_a_deleted_middle_entry_is_missing_from_the_chain(
    town: Town, capsys: pytest.CaptureFixture[str]
) -> None:
    town.delete(2)

    status, report = check(capsys)

    account = town.tampered.account.account_id
    assert status == 1
    assert found(report) == [(account, "chain-broken", 2), (account, "balance-mismatch", None)]
    assert report["entries_checked"] == 5


def test_a_deleted_last_entry_no_longer_ends_at_the_accounts_head(
    town: Town, capsys: pytest.CaptureFixture[str]
) -> None:
    town.delete(4)

    status, report = check(capsys)

    account = town.tampered.account.account_id
    assert status == 1
    assert found(report) == [(account, "chain-broken", 4), (account, "balance-mismatch", None)]
    assert "does not end where the account says" in report["findings"][0]["message"]


def test_two_swapped_entries_are_out_of_order_though_they_add_up(
    town: Town, capsys: pytest.CaptureFixture[str]
) -> None:
    second, third = town.record(2), town.record(3)
    town.write(2, third)
    town.write(3, second)

    status, report = check(capsys)

    assert status == 1
    assert found(report) == [(town.tampered.account.account_id, "chain-broken", 2)]


def test_a_changed_balance_is_neither_the_entries_nor_the_statements(
    town: Town, capsys: pytest.CaptureFixture[str]
) -> None:
    other = keys.account_pk(town.other.account.account_id)
    town.table.update_item(
        Key={"PK": other, "SK": keys.ACCOUNT_SK},
        UpdateExpression="SET balance_cents = :cents",
        ExpressionAttributeValues={":cents": 1000},
    )

    status, report = check(capsys)

    account = town.other.account.account_id
    assert status == 1
    assert found(report) == [
        (account, "balance-mismatch", None),
        (account, "credit-mismatch", None),
    ]
    assert report["total_balance"] == "65.50"  # the stored balances, as found


def test_an_unreadable_record_is_a_broken_chain_and_the_check_goes_on(
    town: Town, capsys: pytest.CaptureFixture[str]
) -> None:
    town.write(3, town.record(3) | {"amount": "0.00"})  # no ledger entry moves nothing

    status, report = check(capsys)

    assert status == 1
    assert found(report) == [(town.tampered.account.account_id, "chain-broken", 3)]
    assert "entry 3 cannot be read" in report["findings"][0]["message"]
    assert report["accounts_checked"] == 3
    assert report["entries_checked"] == 4  # the other account's, and the two before it


def test_a_stray_entry_past_the_head_is_reported(
    town: Town, capsys: pytest.CaptureFixture[str]
) -> None:
    town.write(5, town.record(4) | {"sequence": 5, "entry_id": "stray"})

    status, report = check(capsys)

    account = town.tampered.account.account_id
    assert status == 1
    assert found(report) == [(account, "chain-broken", 4), (account, "balance-mismatch", None)]
    assert "does not end where the account says" in report["findings"][0]["message"]


def test_an_entry_posted_while_the_account_is_checked_is_not_a_finding(
    town: Town, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The account item is read, then a payment is posted, then its journal is read: the new
    entry follows the head that was read, and the second read of the head covers it."""
    pk = keys.account_pk(town.tampered.account.account_id)
    original = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private, untyped
    posted: list[str] = []

    def make_api_call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        values = params.get("ExpressionAttributeValues", {})
        if operation == "Query" and values.get(":pk") == {"S": pk} and not posted:
            posted.append("P-9")
            town.tampered.pay("P-9", "10.00")
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", make_api_call)

    summary = CheckLedgers(DynamoLedgerBooks())([town.tampered.account.account_id])

    assert posted == ["P-9"]
    assert summary.sound
    assert (summary.accounts, summary.entries, summary.total_balance) == (1, 4, D("55.50"))
    assert town.tampered.ledger.state(town.tampered.account.account_id).balance == D("45.50")


def test_only_the_accounts_named_are_checked(
    town: Town, capsys: pytest.CaptureFixture[str]
) -> None:
    town.delete(2)  # on the account not named

    status, report = check(capsys, town.other.account.account_id, town.untouched_id)

    assert status == 0
    assert (report["accounts_checked"], report["entries_checked"]) == (2, 2)
    assert report["total_balance"] == "35.00"


def test_an_unknown_account_named_is_an_error(
    town: Town, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["Z" * 26]) == 2
    assert "no account with id" in json.loads(capsys.readouterr().err)["error"]
    with pytest.raises(NotFound):
        CheckLedgers(DynamoLedgerBooks())(["Z" * 26])


def test_the_check_needs_a_table(
    town: Town, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TABLE_NAME")
    assert main([]) == 2
    assert "table_name" in capsys.readouterr().err
