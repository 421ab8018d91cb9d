"""The ledger check against DynamoDB, S3 and KMS (moto): books posted through the real adapters,
digested by the digest job, pass; an entry edited, deleted, swapped or garbled, a stray entry past
the head, a stored balance changed, a payment record without its entries, or a ledger rewritten
and re-sealed directly in the table is reported against the right account; a digest deleted,
written over, forged or missing is reported; and the command exits non-zero."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient

from civiq.core.errors import NotFound
from civiq.ledger.adapters.dynamodb_books import DynamoLedgerBooks
from civiq.ledger.adapters.dynamodb_heads import DynamoLedgerHeads
from civiq.ledger.adapters.dynamodb_journal import entry_sk
from civiq.ledger.adapters.dynamodb_payment_records import DynamoPaymentRecords
from civiq.ledger.adapters.s3_digests import digest_key
from civiq.ledger.domain.digests import Digest, SignedDigest, heads_text, sha256
from civiq.ledger.services.ledger_check import CheckLedgers
from civiq.platform.dynamodb import keys
from infra.tools.ledger_check import main
from tests.helpers.digests import DigestVault, create_digest_vault, reseal
from tests.helpers.emulator import LEDGER_TABLE, REGION, TABLE
from tests.helpers.stores import Books, Stores

pytestmark = pytest.mark.parametrize("stores", ["dynamodb"], indirect=True)


@dataclass
class Town:
    tampered: Books  # four entries: two charges, two payments; balance 55.50
    other: Books  # two entries: a charge and a payment; balance 35.00
    untouched_id: str  # an account nothing was posted to
    table: Any  # the main table: the account items
    ledger: Any  # the ledger table: entries, guards, payments
    vault: DigestVault
    digested_at: datetime

    def key(self, sequence: int) -> dict[str, str]:
        return {"PK": keys.account_pk(self.tampered.account.account_id), "SK": entry_sk(sequence)}

    def record(self, sequence: int) -> dict[str, Any]:
        item = self.ledger.get_item(Key=self.key(sequence), ConsistentRead=True)["Item"]
        record: dict[str, Any] = json.loads(item["record"])
        return record

    def write(self, sequence: int, record: dict[str, Any]) -> None:
        self.ledger.put_item(Item=self.key(sequence) | {"record": json.dumps(record)})

    def delete(self, sequence: int) -> None:
        self.ledger.delete_item(Key=self.key(sequence))

    def set_ledger(self, account_id: str, balance_cents: int, owed_cents: int) -> None:
        """The stored balance and its one open statement's amount, as a rewrite would leave
        them to agree with its entries."""
        key = {"PK": keys.account_pk(account_id), "SK": keys.ACCOUNT_SK}
        owed = json.loads(self.table.get_item(Key=key)["Item"]["open_statements"])
        (statement_id,) = owed
        owed[statement_id][1] = owed_cents
        self.table.update_item(
            Key=key,
            UpdateExpression="SET balance_cents = :balance, open_statements = :owed",
            ExpressionAttributeValues={":balance": balance_cents, ":owed": json.dumps(owed)},
        )


@pytest.fixture
def vault(
    stores: Stores, template_resources: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> DigestVault:
    created = create_digest_vault(template_resources)
    for name, value in created.environment().items():
        monkeypatch.setenv(name, value)
    return created


@pytest.fixture
def town(
    books: Books,
    stores: Stores,
    vault: DigestVault,
    monkeypatch: pytest.MonkeyPatch,
) -> Town:
    """Three accounts, digested an hour ago."""
    monkeypatch.setenv("TABLE_NAME", TABLE)
    monkeypatch.setenv("LEDGER_TABLE_NAME", LEDGER_TABLE)
    books.issue(date(2026, 9, 30), "80.00")
    books.issue(date(2026, 11, 30), "95.50")
    books.pay("P-1", "100.00")
    books.pay("P-2", "20.00")
    other = replace(books, account=stores.open("Liam Brown", "7 Rue Laval"))
    other.issue(date(2026, 11, 30), "60.00")
    other.pay("P-3", "25.00")
    untouched = stores.open("Zoé Lévesque", "9 Rue Laval")
    dynamodb = boto3.resource("dynamodb", region_name=REGION)
    table, ledger = dynamodb.Table(TABLE), dynamodb.Table(LEDGER_TABLE)
    digested_at = datetime.now(UTC) - timedelta(hours=1)
    assert vault.digest(digested_at).written
    return Town(books, other, untouched.account_id, table, ledger, vault, digested_at)


def check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    status = main(["--segments", "4", *argv])
    return status, json.loads(capsys.readouterr().out)


def found(report: dict[str, Any]) -> list[tuple[str, str, int | None]]:
    return [(f["account_id"], f["kind"], f["sequence"]) for f in report["findings"]]


def digest_findings(report: dict[str, Any]) -> list[str]:
    return [f["kind"] for f in report["digests"]["findings"]]


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
            "digest-mismatch": 0,
            "undigested": 0,
            "payment-mismatch": 0,
        },
        "findings": [],
        "digests": {
            "digests_checked": 1,
            "latest_digest": town.digested_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "accounts_digested": 2,  # the accounts with entries
            "findings_by_kind": {
                "digest-stale": 0,
                "digest-missing": 0,
                "digest-overwritten": 0,
                "digest-forged": 0,
                "digest-chain-broken": 0,
                "heads-tampered": 0,
            },
            "findings": [],
        },
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
    assert found(report) == [
        (account, "chain-broken", 4),
        (account, "balance-mismatch", None),
        (account, "payment-mismatch", None),  # P-2's record is there, not its entry
        (account, "digest-mismatch", 4),
    ]
    messages = [f["message"] for f in report["findings"]]
    assert "does not end where the account says" in messages[0]
    assert messages[2] == "payment P-2 has no payment entry"
    assert "the journal ends at entry 3, before entry 4" in messages[3]


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
    assert found(report) == [
        (account, "chain-broken", 4),
        (account, "balance-mismatch", None),
        (account, "payment-mismatch", None),
    ]
    assert "does not end where the account says" in report["findings"][0]["message"]
    assert report["findings"][2]["message"] == "entry 5 is payment stray, which has no record"


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

    check = CheckLedgers(DynamoLedgerBooks(), DynamoPaymentRecords())
    summary = check([town.tampered.account.account_id])

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
        CheckLedgers(DynamoLedgerBooks(), DynamoPaymentRecords())(["Z" * 26])


def test_the_check_needs_a_table(
    town: Town, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TABLE_NAME")
    assert main([]) == 2
    assert "table_name" in capsys.readouterr().err


def rewrite_charge(town: Town) -> str:
    """The tampered account's second charge rewritten from 95.50 to 45.50, every hash after it
    re-sealed, the head, the balance and what the statement owes made to agree: 5.50."""
    account = town.tampered.account.account_id
    reseal(account, 2, amount="45.50")
    town.set_ledger(account, balance_cents=550, owed_cents=550)
    return account


def test_a_resealed_ledger_passes_every_check_made_inside_the_table(town: Town) -> None:
    """Why the digest exists: the chain, the head, the balance and the credit agree again."""
    rewrite_charge(town)

    summary = CheckLedgers(DynamoLedgerBooks(), DynamoPaymentRecords())()

    assert summary.sound
    assert summary.total_balance == D("40.50")  # 5.50 + 35.00, as the rewrite left it


def test_a_resealed_ledger_no_longer_holds_the_head_the_digest_anchored(
    town: Town, capsys: pytest.CaptureFixture[str]
) -> None:
    account = rewrite_charge(town)

    status, report = check(capsys)

    assert status == 1
    assert found(report) == [(account, "digest-mismatch", 4)]
    message = report["findings"][0]["message"]
    assert message.startswith("entry 4 is not the one digested (the ledger was rewritten)")
    assert digest_findings(report) == []


def test_a_later_digest_does_not_take_a_rewritten_ledger_for_good(
    town: Town, capsys: pytest.CaptureFixture[str]
) -> None:
    """The job holds the rewritten account at the head digested before, digest after digest."""
    account = rewrite_charge(town)

    later = town.vault.digest(datetime.now(UTC))
    status, report = check(capsys)

    assert later.held == (account,)
    assert status == 1
    assert found(report) == [(account, "digest-mismatch", 4)]
    assert report["digests"]["digests_checked"] == 2
    assert digest_findings(report) == []


def test_a_ledger_rolled_back_to_before_the_digest_is_behind_it(
    town: Town, capsys: pytest.CaptureFixture[str]
) -> None:
    """The last payment taken out whole (its entry, record and guard, the head, the balance):
    the books agree with themselves, not with the digest."""
    account = town.tampered.account.account_id
    third = town.record(3)
    town.delete(4)
    pk = keys.account_pk(account)
    town.ledger.delete_item(Key={"PK": pk, "SK": "PAYMENT#P-2"})
    town.ledger.delete_item(Key={"PK": pk, "SK": "POSTED#payment:P-2"})
    town.table.update_item(
        Key={"PK": pk, "SK": keys.ACCOUNT_SK},
        UpdateExpression="SET ledger_sequence = :sequence, ledger_hash = :hash",
        ExpressionAttributeValues={":sequence": 3, ":hash": third["hash"]},
    )
    town.set_ledger(account, balance_cents=7550, owed_cents=7550)

    status, report = check(capsys)

    assert status == 1
    assert found(report) == [(account, "digest-mismatch", 4)]
    assert report["findings"][0]["message"].startswith(
        "the journal ends at entry 3, before entry 4"
    )


def test_postings_since_the_digest_follow_on_from_it(
    town: Town, capsys: pytest.CaptureFixture[str]
) -> None:
    town.tampered.pay("P-9", "10.00")
    town.other.issue(date(2026, 12, 31), "12.00")

    status, report = check(capsys)

    assert status == 0, report
    assert report["entries_checked"] == 8


def test_an_account_kept_out_of_the_digests_from_its_start_is_reported(
    town: Town, stores: Stores, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its entries were recorded days before the latest digest, which does not hold it: it was
    taken out of the accounts' index the job reads."""
    hidden = replace(town.tampered, account=stores.open("Noah Roy", "11 Rue Laval"))
    hidden.issue(date(2026, 11, 30), "42.00")
    town.table.update_item(
        Key={"PK": keys.account_pk(hidden.account.account_id), "SK": keys.ACCOUNT_SK},
        UpdateExpression="REMOVE GSI2PK",
    )
    town.vault.digest(datetime.now(UTC))

    status, report = check(capsys)

    assert status == 1
    assert found(report) == [(hidden.account.account_id, "undigested", 1)]


def test_a_digested_account_gone_from_the_table_is_reported(
    town: Town, capsys: pytest.CaptureFixture[str]
) -> None:
    account = town.other.account.account_id
    town.table.delete_item(Key={"PK": keys.account_pk(account), "SK": keys.ACCOUNT_SK})

    status, report = check(capsys)

    assert status == 1
    assert found(report) == [(account, "digest-mismatch", 2)]
    assert "the table has no such account" in report["findings"][0]["message"]


def test_a_payment_record_and_its_entries_must_agree(
    town: Town, capsys: pytest.CaptureFixture[str]
) -> None:
    other = keys.account_pk(town.other.account.account_id)
    town.ledger.delete_item(Key={"PK": other, "SK": "PAYMENT#P-3"})
    pk = keys.account_pk(town.tampered.account.account_id)
    payment = town.ledger.get_item(Key={"PK": pk, "SK": "PAYMENT#P-1"})["Item"]
    record = json.loads(payment["record"]) | {"refunded": "30.00"}
    town.ledger.put_item(Item=payment | {"record": json.dumps(record)})

    status, report = check(capsys)

    assert status == 1
    assert [(f["account_id"], f["kind"], f["message"]) for f in report["findings"]] == sorted(
        [
            (
                town.tampered.account.account_id,
                "payment-mismatch",
                "payment P-1 has 30.00 refunded; its refund entries sum to 0.00",
            ),
            (
                town.other.account.account_id,
                "payment-mismatch",
                "entry 2 is payment P-3, which has no record",
            ),
        ]
    )


def test_a_deleted_digest_is_missing_and_still_checked(
    town: Town, capsys: pytest.CaptureFixture[str]
) -> None:
    """A delete marker hides it; Object Lock keeps its version, which is what is checked."""
    town.vault.s3.delete_object(Bucket=town.vault.bucket, Key=digest_key(town.digested_at))

    status, report = check(capsys)

    assert status == 1
    assert report["findings"] == []
    assert digest_findings(report) == ["digest-missing"]
    assert report["digests"]["accounts_digested"] == 2


def test_a_digest_written_over_is_reported_and_its_first_version_counts(
    town: Town, capsys: pytest.CaptureFixture[str]
) -> None:
    account = rewrite_charge(town)
    key = digest_key(town.digested_at)
    first = town.vault.s3.get_object(Bucket=town.vault.bucket, Key=key)["Body"].read()
    town.vault.s3.put_object(Bucket=town.vault.bucket, Key=key, Body=first.replace(b"2", b"3"))

    status, report = check(capsys)

    assert status == 1
    assert digest_findings(report) == ["digest-overwritten"]
    assert found(report) == [(account, "digest-mismatch", 4)]


def test_a_digest_not_signed_by_the_ledgers_key_is_forged(
    town: Town, capsys: pytest.CaptureFixture[str]
) -> None:
    """A newer digest anchoring the rewritten ledger, signed by another key: it does not count;
    the one before it does."""
    account = rewrite_charge(town)
    kms = boto3.client("kms", region_name=REGION)
    other_key = kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec="RSA_2048")["KeyMetadata"]["Arn"]
    forger = replace(town.vault, key_id=other_key).signer()
    store = town.vault.store()
    [real] = list(store.history())
    text = heads_text(dict(DynamoLedgerHeads().heads()))
    store.put_heads(text)
    forged = Digest(
        datetime.now(UTC).replace(microsecond=0),
        sha256(text),
        accounts=2,
        held=0,
        previous=real.link,
        key_id=town.vault.key_id,  # it claims the ledger's key
        algorithm=forger.algorithm,
    )
    assert store.put(SignedDigest(forged, forger.sign(forged.canonical())))

    status, report = check(capsys)

    assert status == 1
    assert digest_findings(report) == ["digest-forged"]
    assert found(report) == [(account, "digest-mismatch", 4)]
    assert report["digests"]["latest_digest"] == town.digested_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_chain_that_skips_a_digest_is_broken(
    town: Town, capsys: pytest.CaptureFixture[str]
) -> None:
    """A second digest chained to nothing, signed by the ledger's key."""
    store, signer = town.vault.store(), town.vault.signer()
    [first] = list(store.history())
    stray = SignedDigest.parse(first.document).digest
    restarted = Digest(
        **{field: getattr(stray, field) for field in Digest.__dataclass_fields__}
        | {"digest_time": town.digested_at + timedelta(minutes=30), "previous": None}
    )
    assert store.put(SignedDigest(restarted, signer.sign(restarted.canonical())))

    status, report = check(capsys)

    assert status == 1
    assert digest_findings(report) == ["digest-chain-broken"]


def test_no_recent_digest_is_a_finding(town: Town, capsys: pytest.CaptureFixture[str]) -> None:
    status, report = check(capsys, "--digest-max-age", "30")

    assert status == 1
    assert digest_findings(report) == ["digest-stale"]
    assert report["findings"] == []  # the table is still checked against it


def test_no_digest_at_all_is_a_finding(
    books: Books,
    vault: DigestVault,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TABLE_NAME", TABLE)
    monkeypatch.setenv("LEDGER_TABLE_NAME", LEDGER_TABLE)
    books.issue(date(2026, 11, 30), "95.50")

    status, report = check(capsys)

    assert status == 1
    assert report["digests"]["findings"] == [
        {
            "kind": "digest-stale",
            "digest_time": None,
            "message": "no digest signed by the ledger's key",
        }
    ]


def test_the_check_needs_the_digests(
    town: Town, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("LEDGER_DIGEST_BUCKET")
    assert main([]) == 2
    assert "ledger_digest_bucket" in capsys.readouterr().err
