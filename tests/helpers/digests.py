"""The ledger digests' bucket and signing key in the in-process moto, from template.yaml's own
definitions (Object Lock in its mode, the key's spec and usage), and the digest job over them and
the table; and a ledger rewritten in the table the way the digest exists to catch."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3

from civiq.ledger.adapters.dynamodb_heads import DynamoLedgerHeads
from civiq.ledger.adapters.dynamodb_journal import entry_of, entry_record, entry_sk
from civiq.ledger.adapters.kms_signer import KmsDigestSigner
from civiq.ledger.adapters.s3_digests import S3DigestStore
from civiq.ledger.services.digests import DigestLedger, DigestRun
from civiq.platform.dynamodb import keys
from tests.helpers.emulator import LEDGER_TABLE, REGION, TABLE

DIGEST_BUCKET = "civiq-test-ledger-digests"
RETENTION_DAYS = 1  # the template locks for years; a test's objects need not outlive it


@dataclass(frozen=True)
class DigestVault:
    """The bucket and the key, as the digest job and the ledger check use them."""

    bucket: str
    key_id: str

    @property
    def s3(self) -> Any:
        return boto3.client("s3", region_name=REGION)

    def store(self) -> S3DigestStore:
        return S3DigestStore(self.s3, self.bucket)

    def signer(self) -> KmsDigestSigner:
        return KmsDigestSigner(boto3.client("kms", region_name=REGION), self.key_id)

    def digest(self, at: datetime) -> DigestRun:
        return DigestLedger(DynamoLedgerHeads(), self.store(), self.signer())(at)

    def environment(self) -> dict[str, str]:
        return {"LEDGER_DIGEST_BUCKET": self.bucket, "LEDGER_DIGEST_KEY_ID": self.key_id}


def create_digest_vault(template_resources: dict[str, Any]) -> DigestVault:
    """Inside an active ``mock_aws``."""
    bucket = template_resources["LedgerDigestBucket"]["Properties"]
    retention = bucket["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(
        Bucket=DIGEST_BUCKET,
        CreateBucketConfiguration={"LocationConstraint": REGION},
        ObjectLockEnabledForBucket=bucket["ObjectLockEnabled"],
    )
    s3.put_object_lock_configuration(
        Bucket=DIGEST_BUCKET,
        ObjectLockConfiguration={
            "ObjectLockEnabled": bucket["ObjectLockConfiguration"]["ObjectLockEnabled"],
            "Rule": {"DefaultRetention": {"Mode": retention["Mode"], "Days": RETENTION_DAYS}},
        },
    )
    key = template_resources["LedgerDigestKey"]["Properties"]
    created = boto3.client("kms", region_name=REGION).create_key(
        KeyUsage=key["KeyUsage"], KeySpec=key["KeySpec"], Description=key["Description"]
    )
    return DigestVault(DIGEST_BUCKET, created["KeyMetadata"]["Arn"])


def reseal(account_id: str, sequence: int, **changes: Any) -> None:
    """Rewrite entry ``sequence`` of an account directly in the ledger table with ``changes``
    (record fields), and re-seal it and every entry after it, and the account's head (main
    table): the chain verifies again. The caller makes the balance, credit and open statements
    agree."""
    dynamodb = boto3.resource("dynamodb", region_name=REGION)
    table, ledger = dynamodb.Table(TABLE), dynamodb.Table(LEDGER_TABLE)
    pk = keys.account_pk(account_id)
    previous_hash = None
    while True:
        item = ledger.get_item(Key={"PK": pk, "SK": entry_sk(sequence)}, ConsistentRead=True)
        if "Item" not in item:
            break
        record = json.loads(item["Item"]["record"]) | (changes if previous_hash is None else {})
        if previous_hash is not None:
            record["previous_hash"] = previous_hash
        entry = entry_of(record).sealed()
        ledger.put_item(
            Item={"PK": pk, "SK": entry_sk(sequence), "record": json.dumps(entry_record(entry))}
        )
        previous_hash = entry.hash
        sequence += 1
    table.update_item(
        Key={"PK": pk, "SK": keys.ACCOUNT_SK},
        UpdateExpression="SET ledger_hash = :hash",
        ExpressionAttributeValues={":hash": previous_hash},
    )
