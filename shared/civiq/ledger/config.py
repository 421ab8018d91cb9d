"""Settings of the ledger digest job (functions/ledger_digest), from the environment, validated
once at cold start."""

from __future__ import annotations

from pydantic import Field

from civiq.core.settings import CommonSettings


class LedgerDigestSettings(CommonSettings):
    """Where digests are kept (a bucket with Object Lock) and the KMS key that signs them."""

    ledger_digest_bucket: str = Field(min_length=3)
    ledger_digest_key_id: str = Field(min_length=1)  # the key's ARN
