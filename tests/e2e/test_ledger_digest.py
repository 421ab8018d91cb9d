"""The ledger digest in the local stack provisioned from template.yaml: the hourly rule's event,
sent to its queue, runs the digest function, which writes a signed digest to the bucket locked in
compliance mode with the key the template asks for; and `make reconcile` (infra/tools/
ledger_check) verifies the stack's ledger against it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from civiq.ledger.adapters.s3_digests import DIGESTS
from infra.local.run import ledger_digest_schedule
from infra.local.stack import LocalStack
from infra.tools.ledger_check import main

pytestmark = pytest.mark.e2e


def test_the_hourly_digest_is_signed_locked_and_verified_by_the_ledger_check(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bucket, key = stack.outputs["LedgerDigestBucketName"], stack.outputs["LedgerDigestKeyArn"]
    kms, s3 = stack.client("kms"), stack.client("s3")
    described = kms.describe_key(KeyId=key)["KeyMetadata"]
    assert (described["KeySpec"], described["KeyUsage"]) == ("RSA_2048", "SIGN_VERIFY")
    lock = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
    assert lock["Rule"]["DefaultRetention"]["Mode"] == "COMPLIANCE"

    stack.fire_schedule(*ledger_digest_schedule(stack))

    [digest] = s3.list_objects_v2(Bucket=bucket, Prefix=DIGESTS)["Contents"]
    head = s3.head_object(Bucket=bucket, Key=digest["Key"])
    assert head["ObjectLockMode"] == "COMPLIANCE"
    for name, value in {
        "TABLE_NAME": stack.outputs["MainTableName"],
        "LEDGER_TABLE_NAME": stack.outputs["LedgerTableName"],
        "LEDGER_DIGEST_BUCKET": bucket,
        "LEDGER_DIGEST_KEY_ID": key,
    }.items():
        monkeypatch.setenv(name, value)
    capsys.readouterr()  # the functions' logs so far
    main([])
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert report["digests"]["digests_checked"] == 1
    assert report["digests"]["findings"] == []
