"""The daily files for the tax system in the documents bucket, under ``tax-roll/<day>.csv``
(written whole each time: the same lines give the same file)."""

from __future__ import annotations

from datetime import date
from typing import Any

PREFIX = "tax-roll/"


def file_key(day: date) -> str:
    return f"{PREFIX}{day.isoformat()}.csv"


class S3TaxRollFiles:
    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3 = s3_client
        self._bucket = bucket

    def write(self, day: date, content: bytes) -> str:
        key = file_key(day)
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=content,
            ContentType="text/csv; charset=utf-8",
            ServerSideEncryption="AES256",
        )
        return key

    def url_for(self, day: date, seconds: int) -> str:
        url: str = self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": file_key(day)}, ExpiresIn=seconds
        )
        return url
