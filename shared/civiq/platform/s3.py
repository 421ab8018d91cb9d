"""DocumentStore and RunManifests on S3."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

LockMode = Literal["COMPLIANCE", "GOVERNANCE"]
# The documents that are records: issued statements and payment receipts. Welcome letters,
# exports and run manifests are not locked.
RECORD_PREFIXES = ("statements/", "receipts/")


@dataclass(frozen=True, slots=True)
class DocumentLock:
    """Records written under S3 Object Lock: each version of a statement or receipt cannot be
    deleted or overwritten until ``years`` after it was written (a retried render adds a version;
    the earlier one stays). The bucket must have Object Lock enabled; the writer needs
    s3:PutObjectRetention besides s3:PutObject."""

    years: int
    mode: LockMode = "COMPLIANCE"
    prefixes: tuple[str, ...] = RECORD_PREFIXES

    @classmethod
    def configured(cls, years: int, mode: LockMode) -> DocumentLock | None:
        """None when ``years`` is 0 (no lock: a bucket without Object Lock)."""
        return cls(years, mode) if years > 0 else None

    def applies_to(self, key: str) -> bool:
        return key.startswith(self.prefixes)

    def retain_until(self, written_at: datetime) -> datetime:
        """The same date ``years`` later (29 February: 1 March, never a day short)."""
        year = written_at.year + self.years
        try:
            return written_at.replace(year=year)
        except ValueError:
            return written_at.replace(year=year, month=3, day=1)


class S3DocumentStore:
    def __init__(
        self,
        s3_client: Any,
        bucket: str,
        lock: DocumentLock | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._s3 = s3_client
        self._bucket = bucket
        self._lock = lock
        self._now = now

    def put_pdf(self, key: str, body: bytes, metadata: Mapping[str, str]) -> None:
        locked: dict[str, Any] = {}
        if self._lock is not None and self._lock.applies_to(key):
            locked = {
                "ObjectLockMode": self._lock.mode,
                "ObjectLockRetainUntilDate": self._lock.retain_until(self._now()),
            }
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=body,
            ContentType="application/pdf",
            Metadata=dict(metadata),
            ServerSideEncryption="AES256",
            **locked,
        )


class S3RunManifests:
    """Each run's batches as one JSON array the Map state's ItemReader reads."""

    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3 = s3_client
        self._bucket = bucket

    def write(self, run_id: str, batches: Sequence[Mapping[str, object]]) -> Mapping[str, str]:
        key = f"runs/{run_id}/batches.json"
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=json.dumps(list(batches)).encode(),
            ContentType="application/json",
            ServerSideEncryption="AES256",
        )
        return {"bucket": self._bucket, "key": key}


class S3DocumentLinks:
    """Short-lived presigned GETs: staff (and later residents) fetch a PDF without the bucket
    ever being public."""

    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3 = s3_client
        self._bucket = bucket

    def url_for(self, key: str, seconds: int) -> str:
        url: str = self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=seconds
        )
        return url


class S3RemittanceContents:
    """Bank remittance files as uploaded, under ``remittances/<id>.csv`` (kept: they are the
    bank's record of what was paid)."""

    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3 = s3_client
        self._bucket = bucket

    @staticmethod
    def key(remittance_id: str) -> str:
        return f"remittances/{remittance_id}.csv"

    def put(self, remittance_id: str, content: bytes) -> None:
        self._s3.put_object(
            Bucket=self._bucket,
            Key=self.key(remittance_id),
            Body=content,
            ContentType="text/csv",
            ServerSideEncryption="AES256",
        )

    def get(self, remittance_id: str) -> bytes:
        found = self._s3.get_object(Bucket=self._bucket, Key=self.key(remittance_id))
        return bytes(found["Body"].read())
