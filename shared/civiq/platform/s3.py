"""DocumentStore and RunManifests on S3."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any


class S3DocumentStore:
    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3 = s3_client
        self._bucket = bucket

    def put_pdf(self, key: str, body: bytes, metadata: Mapping[str, str]) -> None:
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=body,
            ContentType="application/pdf",
            Metadata=dict(metadata),
            ServerSideEncryption="AES256",
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
