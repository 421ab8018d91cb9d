"""Print files on S3: each part's PDF and the manifest under ``print-files/<day>/``."""

from __future__ import annotations

from civiq.platform.s3 import S3DocumentStore


class S3PrintFileStore(S3DocumentStore):
    def put_text(self, key: str, text: str, content_type: str) -> None:
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=text.encode("utf-8"),
            ContentType=f"{content_type}; charset=utf-8",
            ServerSideEncryption="AES256",
        )
