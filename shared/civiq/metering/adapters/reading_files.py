"""Reading files on S3 (presigned uploads, reads) and import rows on SQS."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from botocore.exceptions import ClientError

from civiq.core.errors import InvalidInput, NotFound
from civiq.metering.ports import RowBatch
from civiq.metering.schemas.reading_imports import RowBatchMessage

CSV = "text/csv"
MAX_BATCH_ENTRIES = 10  # SendMessageBatch's limit


class S3ImportFiles:
    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3 = s3_client
        self._bucket = bucket

    def upload_link(self, key: str, expires_in: timedelta) -> tuple[str, dict[str, str]]:
        """A presigned PUT; the bucket's default encryption applies to what is uploaded."""
        url = self._s3.generate_presigned_url(
            "put_object",
            Params={"Bucket": self._bucket, "Key": key, "ContentType": CSV},
            ExpiresIn=int(expires_in.total_seconds()),
        )
        return str(url), {"Content-Type": CSV}

    def read(self, key: str, max_bytes: int) -> tuple[bytes, str]:
        try:
            found = self._s3.get_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("NoSuchKey", "404"):
                raise NotFound(f"no file {key}", "file") from exc
            raise
        if int(found["ContentLength"]) > max_bytes:
            found["Body"].close()
            raise InvalidInput(f"the file is larger than {max_bytes} bytes", "file")
        return found["Body"].read(), str(found["ETag"]).strip('"')


class SqsRowQueue:
    def __init__(self, sqs_client: Any, queue_url: str) -> None:
        self._sqs = sqs_client
        self._url = queue_url

    def send(self, batches: Sequence[RowBatch]) -> None:
        for start in range(0, len(batches), MAX_BATCH_ENTRIES):
            chunk = batches[start : start + MAX_BATCH_ENTRIES]
            response = self._sqs.send_message_batch(
                QueueUrl=self._url,
                Entries=[
                    {
                        "Id": str(index),
                        "MessageBody": json.dumps(
                            RowBatchMessage.of(batch).model_dump(mode="json")
                        ),
                    }
                    for index, batch in enumerate(chunk)
                ],
            )
            if response.get("Failed"):
                raise ConnectionError(f"{len(response['Failed'])} row message(s) not sent")
