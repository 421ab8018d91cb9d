"""What the hourly ledger digest costs: DynamoDB requests and items, S3 and KMS requests, and
bytes kept, for ``ACCOUNTS`` accounts, and those figures carried to a 300,000-account city.

Set-up (in-process moto, ``mock_aws``): the main table from template.yaml, the demo town of
``ACCOUNTS`` accounts written directly (``load_direct``: account items as the API writes them,
so their size is realistic), each given a journal of ``ENTRIES`` sealed entries and its head;
the digest bucket (Object Lock, compliance mode) and an RSA signing key. Then the digest job
(``DigestLedger`` over the real adapters) runs three times: the first digest, a quiet hour
(nothing posted since), and a busy hour (``MOVED`` of the accounts posted to since, as in a
billing run's hour). Every AWS call is counted at botocore's single entry point, with the
items each DynamoDB read returned.

Reading the heads is one Query per account status on the accounts' index (GSI2), paged by
DynamoDB at 1 MB of items read: the figure for 300,000 accounts takes this town's median
account item size (attribute names and values, as DynamoDB sizes items) to count those pages
and the read units (eventually consistent: 4 KB per half unit). Timings are moto's and are not
reported: count requests and items instead.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from bench.common import Figure, figure, note, quiet_logging, run_benchmark
from bench.payments import create_tables

ACCOUNTS = int(os.environ.get("CIVIQ_BENCH_DIGEST_ACCOUNTS", "1000"))
ENTRIES = 3  # sealed entries per account
MOVED = 0.25  # the share of accounts posted to in the busy hour
CITY = 300_000
REGION = "ca-central-1"
TABLE = "civiq-bench-digest"
BUCKET = "civiq-bench-ledger-digests"
PAGE_BYTES = 1024 * 1024  # what one Query page reads at most
READ_UNIT_BYTES = 4096
AT = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)


class Spy:
    """Every AWS call (service, operation) and the items each DynamoDB read returned."""

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()
        self.items = 0
        self._lock = threading.Lock()

    @contextmanager
    def installed(self) -> Iterator[Spy]:
        from botocore.client import BaseClient

        original = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private, untyped
        spy = self

        def make_api_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            answer = original(client, operation, params)
            with spy._lock:
                spy.calls[(client.meta.service_model.service_name, operation)] += 1
                spy.items += int(answer.get("Count", 1 if "Item" in answer else 0))
            return answer

        setattr(BaseClient, "_make_api_call", make_api_call)  # noqa: B010
        try:
            yield self
        finally:
            setattr(BaseClient, "_make_api_call", original)  # noqa: B010

    def measured(self) -> tuple[Counter[tuple[str, str]], int]:
        """The calls and items since the last look."""
        with self._lock:
            calls, items = self.calls, self.items
            self.calls, self.items = Counter(), 0
        return calls, items


def item_bytes(item: dict[str, Any]) -> int:
    """An item's size roughly as DynamoDB counts it: attribute names plus values."""
    return sum(len(name) + len(json.dumps(value)) for name, value in item.items())


def _journals(client: Any, accounts: list[str]) -> dict[str, Any]:
    """Give every account ``ENTRIES`` sealed entries and its head (written directly)."""
    from civiq.ledger.adapters.dynamodb_journal import entry_record, entry_sk
    from civiq.ledger.domain.journal import EntryKind, Source, append
    from civiq.platform.dynamodb import keys

    heads = {}
    for account_id in accounts:
        head = None
        puts = []
        for n in range(ENTRIES):
            entry = append(
                head,
                account_id=account_id,
                entry_id=f"{account_id}-S{n}",
                kind=EntryKind.CHARGE,
                amount=Decimal("42.10"),
                occurred_at=AT - timedelta(days=30 * (ENTRIES - n)),
                recorded_by="civiq-billing",
                reason="quarterly statement",
                source=Source("statement", f"{account_id}-S{n}"),
            )
            head = entry.head
            puts.append(
                {
                    "PutRequest": {
                        "Item": {
                            "PK": {"S": keys.account_pk(account_id)},
                            "SK": {"S": entry_sk(entry.sequence)},
                            "record": {"S": json.dumps(entry_record(entry))},
                        }
                    }
                }
            )
        client.batch_write_item(RequestItems={f"{TABLE}-ledger": puts})
        client.update_item(
            TableName=TABLE,
            Key={"PK": {"S": keys.account_pk(account_id)}, "SK": {"S": keys.ACCOUNT_SK}},
            UpdateExpression="SET ledger_sequence = :s, ledger_hash = :h, balance_cents = :b",
            ExpressionAttributeValues={
                ":s": {"N": str(ENTRIES)},
                ":h": {"S": head.hash},
                ":b": {"N": str(4210 * ENTRIES)},
            },
        )
        heads[account_id] = head
    return heads


def _post_one_more(client: Any, account_id: str, head: Any) -> None:
    from civiq.ledger.adapters.dynamodb_journal import entry_record, entry_sk
    from civiq.ledger.domain.journal import EntryKind, Source, append
    from civiq.platform.dynamodb import keys

    entry = append(
        head,
        account_id=account_id,
        entry_id=f"{account_id}-P",
        kind=EntryKind.PAYMENT,
        amount=Decimal("-42.10"),
        occurred_at=AT,
        recorded_by="clerk-1",
        reason="cheque payment",
        source=Source("payment", f"{account_id}-P"),
    )
    pk = {"S": keys.account_pk(account_id)}
    client.put_item(
        TableName=f"{TABLE}-ledger",
        Item={
            "PK": pk,
            "SK": {"S": entry_sk(entry.sequence)},
            "record": {"S": json.dumps(entry_record(entry))},
        },
    )
    client.update_item(
        TableName=TABLE,
        Key={"PK": pk, "SK": {"S": keys.ACCOUNT_SK}},
        UpdateExpression="SET ledger_sequence = :s, ledger_hash = :h",
        ExpressionAttributeValues={":s": {"N": str(entry.sequence)}, ":h": {"S": entry.hash}},
    )


def _dynamodb(calls: Counter[tuple[str, str]]) -> int:
    return sum(n for (service, _), n in calls.items() if service == "dynamodb")


def _service(calls: Counter[tuple[str, str]], name: str) -> int:
    return sum(n for (service, _), n in calls.items() if service == name)


def run() -> list[Figure]:
    import boto3
    from moto import mock_aws

    from civiq.ledger.adapters.dynamodb_heads import DynamoLedgerHeads
    from civiq.ledger.adapters.kms_signer import KmsDigestSigner
    from civiq.ledger.adapters.s3_digests import HEADS, S3DigestStore
    from civiq.ledger.services.digests import DigestLedger
    from civiq.platform.dynamodb.table import configure_models
    from infra.local.demo import load_direct, municipality

    quiet_logging()
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.update(
        {
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
        }
    )
    spy = Spy()
    with mock_aws():
        create_tables(TABLE)
        configure_models(TABLE, f"{TABLE}-ledger", REGION, None)
        load_direct(municipality(accounts=ACCOUNTS))
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        accounts = [
            item["PK"]["S"].removeprefix("ACCOUNT#")
            for page in dynamodb.get_paginator("scan").paginate(
                TableName=TABLE,
                FilterExpression="SK = :account",
                ExpressionAttributeValues={":account": {"S": "ACCOUNT"}},
            )
            for item in page["Items"]
        ]
        sizes = [
            item_bytes(item)
            for page in dynamodb.get_paginator("scan").paginate(
                TableName=TABLE,
                FilterExpression="SK = :account",
                ExpressionAttributeValues={":account": {"S": "ACCOUNT"}},
            )
            for item in page["Items"]
        ]
        heads = _journals(dynamodb, accounts)
        note(f"{len(accounts)} accounts with {ENTRIES} entries each")
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(
            Bucket=BUCKET,
            CreateBucketConfiguration={"LocationConstraint": REGION},
            ObjectLockEnabledForBucket=True,
        )
        s3.put_object_lock_configuration(
            Bucket=BUCKET,
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 1}},
            },
        )
        kms = boto3.client("kms", region_name=REGION)
        key = kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec="RSA_2048")["KeyMetadata"]["Arn"]
        digest = DigestLedger(
            DynamoLedgerHeads(), S3DigestStore(s3, BUCKET), KmsDigestSigner(kms, key)
        )
        with spy.installed():
            first = digest(AT)
            first_calls, first_items = spy.measured()
            quiet = digest(AT + timedelta(hours=1))
            quiet_calls, quiet_items = spy.measured()
            moved = accounts[: int(len(accounts) * MOVED)]
            for account_id in moved:
                _post_one_more(dynamodb, account_id, heads[account_id])
            spy.measured()  # the postings are not the digest's
            busy = digest(AT + timedelta(hours=2))
            busy_calls, busy_items = spy.measured()
        if (first.digest.accounts, quiet.moved, busy.moved) != (len(accounts), 0, len(moved)):
            raise RuntimeError(f"unexpected digests: {first}, {quiet}, {busy}")
        if busy.held:
            raise RuntimeError(f"accounts held: {busy.held[:5]}")
        listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=HEADS)["Contents"]
        heads_bytes = max(o["Size"] for o in listed)
    note(f"first digest calls: {dict(first_calls)}")
    note(f"busy digest calls: {dict(busy_calls)}")
    size = statistics.median(sizes)
    per_page = max(1, PAGE_BYTES // int(size))
    statuses = 4
    city_pages = math.ceil(CITY / per_page) + statuses
    city_read_units = math.ceil(CITY * size / READ_UNIT_BYTES / 2)
    busy_requests_per_moved = (_dynamodb(busy_calls) - _dynamodb(quiet_calls)) / len(moved)
    return [
        figure("ledger_digest_accounts", len(accounts), "accounts"),
        figure("ledger_digest_first_dynamodb_requests", _dynamodb(first_calls), "requests"),
        figure("ledger_digest_first_items_read", first_items, "items"),
        figure("ledger_digest_quiet_hour_dynamodb_requests", _dynamodb(quiet_calls), "requests"),
        figure("ledger_digest_quiet_hour_items_read", quiet_items, "items"),
        figure("ledger_digest_busy_hour_moved_accounts", len(moved), "accounts"),
        figure("ledger_digest_busy_hour_dynamodb_requests", _dynamodb(busy_calls), "requests"),
        figure("ledger_digest_busy_hour_items_read", busy_items, "items"),
        figure("ledger_digest_requests_per_moved_account", busy_requests_per_moved, "requests"),
        figure("ledger_digest_s3_requests_per_digest", _service(busy_calls, "s3"), "requests"),
        figure("ledger_digest_kms_requests_per_digest", _service(busy_calls, "kms"), "requests"),
        figure("ledger_digest_heads_list_bytes_per_account", heads_bytes / len(accounts), "bytes"),
        figure("ledger_digest_account_item_bytes_median", float(size), "bytes"),
        figure("ledger_digest_300k_index_query_pages", city_pages, "requests"),
        figure("ledger_digest_300k_index_read_units", city_read_units, "read units"),
        figure(
            "ledger_digest_300k_heads_list_megabytes",
            heads_bytes / len(accounts) * CITY / 1e6,
            "MB",
        ),
    ]


def main() -> None:
    run_benchmark("ledger_digest", run)


if __name__ == "__main__":
    main()
