"""Issued statements and receipts are written under S3 Object Lock (moto, a bucket with Object
Lock enabled as template.yaml's DocumentsBucket): each version is kept until its date, the other
documents in the bucket are not locked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from civiq.core.settings import DocumentSettings
from civiq.platform.s3 import DocumentLock, S3DocumentStore

REGION = "ca-central-1"
BUCKET = "civiq-locked-documents"
WRITTEN_AT = datetime(2026, 11, 30, 14, 5, tzinfo=UTC)
STATEMENT = "statements/01ACCOUNT/2026-11-30/UB0000017-20261130.pdf"


@pytest.fixture
def s3(template_resources: dict[str, Any]) -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(
            Bucket=BUCKET,
            CreateBucketConfiguration={"LocationConstraint": REGION},
            ObjectLockEnabledForBucket=template_resources["DocumentsBucket"]["Properties"][
                "ObjectLockEnabled"
            ],
        )
        yield client


def store(s3: Any, lock: DocumentLock | None) -> S3DocumentStore:
    return S3DocumentStore(s3, BUCKET, lock, now=lambda: WRITTEN_AT)


def test_a_statement_is_locked_until_the_same_date_years_later(s3: Any) -> None:
    store(s3, DocumentLock(7)).put_pdf(STATEMENT, b"%PDF-1.7 statement", {"language": "fr"})

    written = s3.head_object(Bucket=BUCKET, Key=STATEMENT)
    assert written["ObjectLockMode"] == "COMPLIANCE"
    assert written["ObjectLockRetainUntilDate"] == datetime(2033, 11, 30, 14, 5, tzinfo=UTC)
    with pytest.raises(ClientError) as refused:
        s3.delete_object(Bucket=BUCKET, Key=STATEMENT, VersionId=written["VersionId"])
    assert refused.value.response["Error"]["Code"] == "AccessDenied"


def test_a_rendered_again_statement_is_a_new_version_and_the_first_stays(s3: Any) -> None:
    documents = store(s3, DocumentLock(7))
    documents.put_pdf(STATEMENT, b"%PDF-1.7 first render", {})
    documents.put_pdf(STATEMENT, b"%PDF-1.7 second render", {})

    versions = s3.list_object_versions(Bucket=BUCKET, Prefix=STATEMENT)["Versions"]
    assert len(versions) == 2
    for version in versions:
        kept = s3.head_object(Bucket=BUCKET, Key=STATEMENT, VersionId=version["VersionId"])
        assert kept["ObjectLockMode"] == "COMPLIANCE"


def test_receipts_are_records_too_and_governance_mode_is_honoured(s3: Any) -> None:
    key = "receipts/01ACCOUNT/01PAYMENT.pdf"
    store(s3, DocumentLock(10, "GOVERNANCE")).put_pdf(key, b"%PDF-1.7 receipt", {})

    written = s3.head_object(Bucket=BUCKET, Key=key)
    assert written["ObjectLockMode"] == "GOVERNANCE"
    assert written["ObjectLockRetainUntilDate"].year == 2036


def test_letters_exports_and_unlocked_stores_write_plain_objects(s3: Any) -> None:
    store(s3, DocumentLock(7)).put_pdf("letters/welcome/01ACCOUNT.pdf", b"%PDF-1.7 letter", {})
    store(s3, None).put_pdf(STATEMENT, b"%PDF-1.7 statement", {})

    for key in ("letters/welcome/01ACCOUNT.pdf", STATEMENT):
        written = s3.head_object(Bucket=BUCKET, Key=key)
        assert "ObjectLockMode" not in written, key
        s3.delete_object(Bucket=BUCKET, Key=key, VersionId=written["VersionId"])


def test_the_lock_comes_from_the_renderers_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLE_NAME", "civiq-main")
    monkeypatch.setenv("LEDGER_TABLE_NAME", "civiq-ledger")
    monkeypatch.setenv("EVENT_BUS_NAME", "civiq-bus")
    monkeypatch.setenv("DOCUMENTS_BUCKET", BUCKET)
    assert DocumentSettings().document_retention_years == 0  # no lock unless configured
    monkeypatch.setenv("DOCUMENT_RETENTION_YEARS", "7")
    monkeypatch.setenv("DOCUMENT_LOCK_MODE", "GOVERNANCE")
    settings = DocumentSettings()

    lock = DocumentLock.configured(settings.document_retention_years, settings.document_lock_mode)
    assert lock == DocumentLock(7, "GOVERNANCE")
    assert DocumentLock.configured(0, "COMPLIANCE") is None


def test_a_lock_from_29_february_never_ends_a_day_early() -> None:
    leap_day = datetime(2028, 2, 29, 9, 0, tzinfo=UTC)
    assert DocumentLock(7).retain_until(leap_day) == datetime(2035, 3, 1, 9, 0, tzinfo=UTC)
    assert DocumentLock(4).retain_until(leap_day) == leap_day.replace(year=2032)
