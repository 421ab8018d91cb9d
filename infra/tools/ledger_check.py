"""Reconcile the ledger and verify its audit trail: every account, or only those named.

For each account, the stored balance must be the sum of its entries (and what its open statements
owe, less its credit), its entries must be the hash chain as written (an edited, deleted,
inserted or reordered entry is reported), its payment records must have their entries and its
payment entries their records, and its journal must still hold the head the latest ledger digest
anchored: a ledger rewritten and re-sealed in the table is reported there. The digests themselves
are verified: each signed by the ledger's key, written once, never hidden, naming the one before
it, the latest recent. Prints a JSON report; exits 0 when the books are sound, 1 when anything is
found, 2 when it cannot check as asked (a setting missing, an unknown account).

    TABLE_NAME=civiq-main LEDGER_TABLE_NAME=civiq-ledger LEDGER_DIGEST_BUCKET=... \\
        LEDGER_DIGEST_KEY_ID=arn:aws:kms:... python -m infra.tools.ledger_check  # AWS
    AWS_ENDPOINT_URL=http://127.0.0.1:PORT TABLE_NAME=... LEDGER_TABLE_NAME=... \\
        LEDGER_DIGEST_...=... python -m infra.tools.ledger_check          # the local stack
    python -m infra.tools.ledger_check ACCOUNT_ID [ACCOUNT_ID ...]       # only these

It reads every account (a parallel Scan of the main table, then a Query of each account's journal
and one of its payments in the ledger table) and every digest: an offline command. The stack's
outputs name the tables, the bucket and the key (MainTableName, LedgerTableName,
LedgerDigestBucketName, LedgerDigestKeyArn).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import timedelta

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from civiq.core.clock import SystemClock
from civiq.core.errors import DomainError
from civiq.ledger.adapters.dynamodb_books import DynamoLedgerBooks
from civiq.ledger.adapters.dynamodb_payment_records import DynamoPaymentRecords
from civiq.ledger.adapters.kms_signer import KmsDigestSigner
from civiq.ledger.adapters.s3_digests import S3DigestStore
from civiq.ledger.services.digests import VerifyDigests
from civiq.ledger.services.ledger_check import CheckLedgers
from civiq.platform import aws
from civiq.platform.dynamodb.table import configure_models

DIGEST_MAX_AGE_MINUTES = 120  # the job runs hourly: one missed run is not yet a finding


class LedgerCheckSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    table_name: str = Field(min_length=3)
    ledger_table_name: str = Field(min_length=3)
    ledger_digest_bucket: str = Field(min_length=3)
    ledger_digest_key_id: str = Field(min_length=1)
    aws_region: str = Field(default="ca-central-1", alias="AWS_REGION")
    aws_endpoint_url: str | None = Field(default=None, alias="AWS_ENDPOINT_URL")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("account_ids", nargs="*", help="check only these accounts")
    parser.add_argument(
        "--segments", type=int, default=8, help="parts of the table read in parallel"
    )
    parser.add_argument(
        "--digest-max-age",
        type=int,
        default=DIGEST_MAX_AGE_MINUTES,
        metavar="MINUTES",
        help="how old the latest digest may be",
    )
    args = parser.parse_args(argv)
    try:
        settings = LedgerCheckSettings()
        region, endpoint = settings.aws_region, settings.aws_endpoint_url
        configure_models(settings.table_name, settings.ledger_table_name, region, endpoint)
        signer = KmsDigestSigner(aws.client("kms", region, endpoint), settings.ledger_digest_key_id)
        store = S3DigestStore(aws.client("s3", region, endpoint), settings.ledger_digest_bucket)
        max_age = timedelta(minutes=args.digest_max_age)
        digests = VerifyDigests(store, signer)(SystemClock().now(), max_age)
        books = DynamoLedgerBooks(args.segments)
        check = CheckLedgers(books, DynamoPaymentRecords(), digests.anchor)
        summary = check(args.account_ids)
    except (ValidationError, DomainError) as exc:
        print(json.dumps({"error": str(exc)}, ensure_ascii=False), file=sys.stderr)
        return 2
    report = summary.as_report() | {"digests": digests.as_report()}
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0 if summary.sound and digests.sound else 1


if __name__ == "__main__":
    sys.exit(main())
