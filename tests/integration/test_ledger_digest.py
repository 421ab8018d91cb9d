"""The hourly ledger digest (functions/ledger_digest) over DynamoDB, S3 with Object Lock and KMS
(moto), driven by the SQS event the schedule sends; template.yaml's digest resources (who may
sign and write digests); and the local stack's patches that provision them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from types import ModuleType
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from moto.core import DEFAULT_ACCOUNT_ID
from moto.s3.models import s3_backends

from civiq.ledger.adapters.kms_signer import KmsDigestSigner
from civiq.ledger.adapters.s3_digests import digest_key, heads_key
from civiq.ledger.domain.digests import Digest, SignedDigest, parse_heads
from civiq.platform.dynamodb import keys
from infra.local import cfn_patches
from tests.helpers.digests import DigestVault, create_digest_vault, reseal
from tests.helpers.emulator import REGION, TABLE, function_environment
from tests.helpers.files import load_event
from tests.helpers.handlers import Context, load_handler
from tests.helpers.stores import Books, Stores, dynamodb_stores

FIRST = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)  # the sample event's time


@dataclass
class Town:
    books: Books  # four entries
    other: Books  # two entries
    vault: DigestVault
    handler: ModuleType

    def run(self, at: datetime, message_id: str = "m-1") -> dict[str, Any]:
        """The schedule's event for ``at``, as the queue delivers it."""
        event = load_event("sqs/ledger_digest_hourly.json")
        record = event["Records"][0]
        scheduled = json.loads(record["body"]) | {"time": at.strftime("%Y-%m-%dT%H:%M:%SZ")}
        record |= {"messageId": message_id, "body": json.dumps(scheduled)}
        result: dict[str, Any] = self.handler.handler(event, Context())
        return result

    def digests(self) -> list[SignedDigest]:
        return [SignedDigest.parse(d.document) for d in self.vault.store().history()]

    def heads(self, digest: Digest) -> dict[str, Any]:
        text = self.vault.store().heads(digest.heads_sha256)
        assert text is not None
        return parse_heads(text)


@pytest.fixture
def stores(aws: None) -> Stores:
    """On DynamoDB only: the digest job reads the table."""
    return dynamodb_stores()


@pytest.fixture
def town(
    books: Books,
    stores: Stores,
    template_resources: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Town]:
    vault = create_digest_vault(template_resources)
    function_environment(monkeypatch, **vault.environment())
    books.issue(date(2026, 9, 30), "80.00")
    books.issue(date(2026, 11, 30), "95.50")
    books.pay("P-1", "100.00")
    books.pay("P-2", "20.00")
    other = replace(books, account=stores.open("Liam Brown", "7 Rue Laval"))
    other.issue(date(2026, 11, 30), "60.00")
    other.pay("P-3", "25.00")
    stores.open("Zoé Lévesque", "9 Rue Laval")  # nothing posted: no head to digest
    yield Town(books, other, vault, load_handler("ledger_digest"))


def head_of(books: Books) -> Any:
    return books.ledger.state(books.account.account_id).head


def test_the_hourly_event_digests_every_head_signed_to_the_locked_bucket(town: Town) -> None:
    assert town.run(FIRST) == {"batchItemFailures": []}

    [digest] = town.digests()
    assert digest.digest.digest_time == FIRST
    assert (digest.digest.accounts, digest.digest.held, digest.digest.previous) == (2, 0, None)
    assert town.heads(digest.digest) == {
        town.books.account.account_id: head_of(town.books),
        town.other.account.account_id: head_of(town.other),
    }
    kms = boto3.client("kms", region_name=REGION)
    verified = kms.verify(  # KMS itself, not only the public key the check uses
        KeyId=town.vault.key_id,
        Message=digest.digest.canonical(),
        MessageType="RAW",
        Signature=digest.signature,
        SigningAlgorithm=digest.digest.algorithm,
    )
    assert verified["SignatureValid"]
    key_uuid = kms.describe_key(KeyId=town.vault.key_id)["KeyMetadata"]["KeyId"]
    assert KmsDigestSigner(kms, key_uuid).verifies(digest)  # the key however it is named
    s3 = town.vault.s3
    for key in (digest_key(FIRST), heads_key(digest.digest.heads_sha256)):
        head = s3.head_object(Bucket=town.vault.bucket, Key=key, ChecksumMode="ENABLED")
        assert head["ObjectLockMode"] == "COMPLIANCE"
        assert head["ObjectLockRetainUntilDate"] > datetime.now(UTC)
        assert head["ChecksumSHA256"]
        version = s3.list_object_versions(Bucket=town.vault.bucket, Prefix=key)["Versions"][0]
        with pytest.raises(s3.exceptions.ClientError, match="AccessDenied"):
            s3.delete_object(Bucket=town.vault.bucket, Key=key, VersionId=version["VersionId"])


def test_each_digest_names_the_one_before_it(town: Town) -> None:
    town.run(FIRST)
    town.run(FIRST + timedelta(hours=1), "m-2")

    stored = list(town.vault.store().history())
    first, second = town.digests()
    assert second.digest.previous == stored[0].link
    assert second.digest.heads_sha256 == first.digest.heads_sha256  # nothing moved
    listed = town.vault.s3.list_objects_v2(Bucket=town.vault.bucket, Prefix="heads/")
    assert listed["KeyCount"] == 1  # the same list, kept once


def test_a_retried_event_writes_nothing(town: Town) -> None:
    town.run(FIRST)
    town.books.pay("P-9", "10.00")

    assert town.run(FIRST) == {"batchItemFailures": []}

    [digest] = town.digests()
    assert town.heads(digest.digest)[town.books.account.account_id].sequence == 4
    versions = town.vault.s3.list_object_versions(Bucket=town.vault.bucket, Prefix="digests/")
    assert len(versions["Versions"]) == 1


def test_heads_move_along_their_chain(town: Town) -> None:
    town.run(FIRST)
    town.books.pay("P-9", "10.00")

    run = town.vault.digest(FIRST + timedelta(hours=1))

    assert (run.moved, run.held, run.written) == (1, (), True)
    assert town.heads(run.digest)[town.books.account.account_id] == head_of(town.books)


def test_a_rewritten_ledger_is_held_and_its_event_fails(town: Town) -> None:
    town.run(FIRST)
    account = town.books.account.account_id
    digested = head_of(town.books)
    reseal(account, 2, amount="45.50")
    town.other.pay("P-8", "5.00")

    with pytest.raises(BatchProcessingError, match="held 1 account"):
        town.run(FIRST + timedelta(hours=1), "m-2")

    latest = town.digests()[-1].digest
    assert latest.held == 1
    heads = town.heads(latest)
    assert heads[account] == digested  # the rewrite is not taken
    assert heads[town.other.account.account_id] == head_of(town.other)  # the others are
    # its retry, and every later event while the table disagrees, fail too
    for hours in (1, 2):
        with pytest.raises(BatchProcessingError, match="held 1 account"):
            town.run(FIRST + timedelta(hours=hours), "m-2")


def test_an_account_taken_out_of_the_index_is_still_followed(town: Town) -> None:
    """The job reads by its key every account it digested that the index no longer shows."""
    town.run(FIRST)
    for books in (town.books, town.other):
        town_table().update_item(
            Key={"PK": keys.account_pk(books.account.account_id), "SK": keys.ACCOUNT_SK},
            UpdateExpression="REMOVE GSI2PK",
        )
    town.other.pay("P-8", "5.00")
    reseal(town.books.account.account_id, 3, reason="hidden, then rewritten")

    run = town.vault.digest(FIRST + timedelta(hours=1))

    assert run.held == (town.books.account.account_id,)
    assert town.heads(run.digest)[town.other.account.account_id] == head_of(town.other)


def test_a_latest_digest_not_signed_by_the_key_stops_the_job(town: Town) -> None:
    town.run(FIRST)
    [digest] = town.digests()
    forged = SignedDigest(replace(digest.digest, digest_time=FIRST + timedelta(hours=1)), b"x")
    town.vault.store().put(forged)

    with pytest.raises(BatchProcessingError, match="not signed by the ledger's key"):
        town.run(FIRST + timedelta(hours=2), "m-3")

    assert len(town.digests()) == 2  # nothing chained to the forged one


def town_table() -> Any:
    return boto3.resource("dynamodb", region_name=REGION).Table(TABLE)


# ------------------------------------------------------------------ template.yaml


def references(resource: Any, name: str) -> bool:
    return re.search(rf"\b{name}\b", json.dumps(resource)) is not None


def statements(resource: dict[str, Any]) -> list[dict[str, Any]]:
    """The statements of a function's or a role's policies."""
    return [
        s
        for policy in resource.get("Properties", {}).get("Policies", [])
        if isinstance(policy, dict)
        for s in policy.get("Statement", policy.get("PolicyDocument", {}).get("Statement", []))
    ]


def actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else action


def test_digests_are_locked_in_compliance_mode_and_never_hidden(
    template_resources: dict[str, Any],
) -> None:
    bucket = template_resources["LedgerDigestBucket"]
    properties = bucket["Properties"]
    assert bucket["DeletionPolicy"] == "Retain"
    assert properties["ObjectLockEnabled"] is True
    rule = properties["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    assert rule == {"Mode": "COMPLIANCE", "Years": {"Ref": "LedgerDigestRetentionYears"}}
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    assert all(properties["PublicAccessBlockConfiguration"].values())
    policy = template_resources["LedgerDigestBucketPolicy"]["Properties"]["PolicyDocument"]
    denied = {a for s in policy["Statement"] if s["Effect"] == "Deny" for a in actions(s)}
    assert {"s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObject"} <= denied
    [writes] = [s for s in policy["Statement"] if s["Sid"] == "OnlyTheDigestJobWrites"]
    assert writes["Condition"] == {
        "ArnNotEquals": {"aws:PrincipalArn": {"Fn::GetAtt": ["LedgerDigestRole", "Arn"]}}
    }


def test_only_the_digest_role_may_sign(template_resources: dict[str, Any]) -> None:
    key = template_resources["LedgerDigestKey"]["Properties"]
    assert (key["KeySpec"], key["KeyUsage"]) == ("RSA_2048", "SIGN_VERIFY")
    policy = key["KeyPolicy"]["Statement"]
    signers = [s["Principal"] for s in policy if "kms:Sign" in actions(s)]
    assert signers == [{"AWS": {"Fn::GetAtt": ["LedgerDigestRole", "Arn"]}}]
    assert not {a for s in policy for a in actions(s) if a in ("kms:*", "kms:Sign*")}


def test_no_other_function_reaches_the_digests_or_the_key(
    template_resources: dict[str, Any],
) -> None:
    allowed = {"LedgerDigestBucketPolicy", "LedgerDigestRole", "LedgerDigestFunction"}
    reaching = {
        name
        for name, resource in template_resources.items()
        if name not in allowed
        and (references(resource, "LedgerDigestBucket") or references(resource, "LedgerDigestKey"))
    }
    assert reaching == set()
    for name, resource in template_resources.items():
        for statement in statements(resource):
            wide = statement.get("Resource") == "*"
            assert not (
                wide and any(a.startswith(("s3:", "kms:Sign")) for a in actions(statement))
            ), name


def test_the_digest_role_reads_the_table_and_writes_only_new_digests(
    template_resources: dict[str, Any],
) -> None:
    role = template_resources["LedgerDigestRole"]
    granted = {a for s in statements(role) for a in actions(s)}
    assert {"dynamodb:Query", "dynamodb:GetItem", "s3:PutObject"} <= granted
    assert not {a for a in granted if a.startswith("s3:Delete") or a == "dynamodb:Scan"}
    assert not {
        a for a in granted if a.startswith("dynamodb:") and "Get" not in a and a != "dynamodb:Query"
    }


def test_the_hourly_schedule_goes_through_a_queue_whose_dead_letters_staff_see(
    template_resources: dict[str, Any],
) -> None:
    rule = template_resources["HourlyLedgerDigestRule"]["Properties"]
    assert rule["ScheduleExpression"] == "rate(1 hour)"
    assert rule["Targets"][0]["Arn"] == {"Fn::GetAtt": ["LedgerDigestQueue", "Arn"]}
    dead_letters = template_resources["WorkQueueFunctionLedgerDigestDeadLetters"]["Properties"]
    assert dead_letters["FunctionName"] == {"Ref": "WorkQueueFunction"}
    assert dead_letters["EventSourceArn"] == {"Fn::GetAtt": ["LedgerDigestDeadLetterQueue", "Arn"]}


# ------------------------------------------------------------------ the local stack's patches


def test_the_local_stack_locks_the_digest_bucket_as_the_template_says(
    aws: None, template_resources: dict[str, Any]
) -> None:
    properties = json.loads(
        json.dumps(template_resources["LedgerDigestBucket"]["Properties"]).replace(
            '{"Ref": "LedgerDigestRetentionYears"}',
            '"7"',  # as CloudFormation passes a Number
        )
    )
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(
        Bucket="civiq-local-digests", CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    bucket = s3_backends[DEFAULT_ACCOUNT_ID]["aws"].get_bucket("civiq-local-digests")

    cfn_patches._apply_object_lock(bucket, "LedgerDigestBucket", properties, DEFAULT_ACCOUNT_ID)

    assert s3.get_bucket_versioning(Bucket="civiq-local-digests")["Status"] == "Enabled"
    lock = s3.get_object_lock_configuration(Bucket="civiq-local-digests")["ObjectLockConfiguration"]
    retention = lock["Rule"]["DefaultRetention"]
    assert (retention["Mode"], retention["Years"]) == ("COMPLIANCE", 7)


def test_the_local_stack_makes_the_signing_key_the_template_asks_for(
    aws: None, template_resources: dict[str, Any]
) -> None:
    resource = json.loads(json.dumps(template_resources["LedgerDigestKey"]))
    key = cfn_patches._create_key(
        cfn_patches.Key, "LedgerDigestKey", resource, DEFAULT_ACCOUNT_ID, REGION
    )

    kms = boto3.client("kms", region_name=REGION)
    metadata = kms.describe_key(KeyId=key.id)["KeyMetadata"]
    assert (metadata["KeySpec"], metadata["KeyUsage"]) == ("RSA_2048", "SIGN_VERIFY")
    signed = kms.sign(
        KeyId=key.id,
        Message=b"digest",
        MessageType="RAW",
        SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256",
    )
    assert signed["Signature"]
