"""DocumentStore on S3."""

from __future__ import annotations

from collections.abc import Mapping
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
