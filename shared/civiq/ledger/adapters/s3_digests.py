"""Digests and heads lists in an S3 bucket with versioning and Object Lock (compliance mode).

The bucket's default retention locks every version it keeps for years: nobody, not even the
account's root user, can delete or shorten it. What remains possible is a delete marker (which
hides a digest) or a new version over an old one; both show in the listing of versions, and the
first version of each object is the one read.

layout                                            written
``digests/<9999999999 - epoch s>-<time>.json``    once per digest time; the names count down, so
                                                  the newest digest is listed first
``heads/<sha256>.csv.gz``                         once per distinct heads list (gzip: its SHA-256
                                                  is of the text)

Every put carries a SHA-256 checksum (Object Lock requires an integrity check on each write) and
``If-None-Match: *``, so a digest or a heads list is never written over by this job, even when
two runs race.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from civiq.ledger.domain.digests import SignedDigest, StoredDigest, sha256

DIGESTS = "digests/"
HEADS = "heads/"
LAST_SECOND = 9_999_999_999  # the names count down from it: the newest digest sorts first
NAME_TIME = "%Y%m%dT%H%M%SZ"
READERS = 16  # digests read at once
ALREADY_THERE = ("PreconditionFailed", "ConditionalRequestConflict")


def digest_key(at: datetime) -> str:
    return f"{DIGESTS}{LAST_SECOND - int(at.timestamp()):010d}-{at.strftime(NAME_TIME)}.json"


def heads_key(text_sha256: str) -> str:
    return f"{HEADS}{text_sha256}.csv.gz"


def _time_of(key: str) -> datetime | None:
    """A digest's time, from its name (None: not a digest's name)."""
    _, _, stamp = key.removeprefix(DIGESTS).removesuffix(".json").partition("-")
    try:
        at = datetime.strptime(stamp, NAME_TIME).replace(tzinfo=UTC)
    except ValueError:
        return None
    return at if digest_key(at) == key else None


class S3DigestStore:
    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3 = s3_client
        self._bucket = bucket

    def latest(self) -> StoredDigest | None:
        listed = self._s3.list_objects_v2(Bucket=self._bucket, Prefix=DIGESTS, MaxKeys=1)
        for found in listed.get("Contents", []):
            at = _time_of(found["Key"])
            versions = self._versions(found["Key"])
            if at is not None and versions:
                return StoredDigest(at, self._read(found["Key"], versions[-1]), len(versions))
        return None

    def history(self) -> Iterator[StoredDigest]:
        versions: dict[str, list[str]] = {}
        hidden: set[str] = set()
        pages = self._s3.get_paginator("list_object_versions").paginate(
            Bucket=self._bucket, Prefix=DIGESTS
        )
        for page in pages:
            for version in page.get("Versions", []):  # each key's newest first
                versions.setdefault(version["Key"], []).append(version["VersionId"])
            hidden.update(m["Key"] for m in page.get("DeleteMarkers", []) if m["IsLatest"])
        named = sorted((at, key) for key in versions if (at := _time_of(key)) is not None)
        with ThreadPoolExecutor(max_workers=READERS) as pool:
            documents = pool.map(lambda k: self._read(k, versions[k][-1]), [k for _, k in named])
            for (at, key), document in zip(named, documents, strict=True):
                yield StoredDigest(at, document, len(versions[key]), key in hidden)

    def heads(self, sha256: str) -> bytes | None:
        key = heads_key(sha256)
        versions = self._versions(key)
        if not versions:
            return None
        stored = self._read(key, versions[-1])
        try:
            return gzip.decompress(stored)
        except (OSError, EOFError):  # not gzip: it cannot be the list it is named after
            return stored

    def put_heads(self, text: bytes) -> None:
        self._put(heads_key(sha256(text)), gzip.compress(text, mtime=0), "application/gzip")

    def put(self, digest: SignedDigest) -> bool:
        key = digest_key(digest.digest.digest_time)
        return self._put(key, digest.document(), "application/json")

    def _put(self, key: str, body: bytes, content_type: str) -> bool:
        try:
            self._s3.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=body,
                ContentType=content_type,
                ChecksumAlgorithm="SHA256",
                IfNoneMatch="*",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ALREADY_THERE:
                return False
            raise
        return True

    def _versions(self, key: str) -> list[str]:
        """The object's version ids, newest first (delete markers aside)."""
        listed = self._s3.list_object_versions(Bucket=self._bucket, Prefix=key)
        return [v["VersionId"] for v in listed.get("Versions", []) if v["Key"] == key]

    def _read(self, key: str, version_id: str) -> bytes:
        found = self._s3.get_object(Bucket=self._bucket, Key=key, VersionId=version_id)
        return bytes(found["Body"].read())
