"""The ledger digest job wired to DynamoDB, S3 and KMS from its settings (functions/ledger_digest).
The ledger's posting services are built by the features that post (payments, billing)."""

from __future__ import annotations

from civiq.ledger.adapters.dynamodb_heads import DynamoLedgerHeads
from civiq.ledger.adapters.kms_signer import KmsDigestSigner
from civiq.ledger.adapters.s3_digests import S3DigestStore
from civiq.ledger.config import LedgerDigestSettings
from civiq.ledger.services.digests import DigestLedger
from civiq.platform.runtime import client, configure_table


def digest_ledger(settings: LedgerDigestSettings) -> DigestLedger:
    configure_table(settings)
    return DigestLedger(
        DynamoLedgerHeads(),
        S3DigestStore(client(settings, "s3"), settings.ledger_digest_bucket),
        KmsDigestSigner(client(settings, "kms"), settings.ledger_digest_key_id),
    )
