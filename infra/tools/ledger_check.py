"""Reconcile the ledger and verify its audit trail: every account, or only those named.

For each account, the stored balance must be the sum of its entries (and what its open statements
owe, less its credit), and its entries must be the hash chain as written: an edited, deleted,
inserted or reordered entry is reported. Prints a JSON report; exits 0 when the books are sound,
1 when anything is found, 2 when it cannot check as asked (no TABLE_NAME, an unknown account).

    TABLE_NAME=civiq-main python -m infra.tools.ledger_check              # AWS (credentials)
    AWS_ENDPOINT_URL=http://127.0.0.1:PORT TABLE_NAME=... python -m infra.tools.ledger_check
    python -m infra.tools.ledger_check ACCOUNT_ID [ACCOUNT_ID ...]         # only these

It reads the whole table (a parallel Scan, then one Query per account): an offline command.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from civiq.core.errors import DomainError
from civiq.ledger.adapters.dynamodb_books import DynamoLedgerBooks
from civiq.ledger.services.ledger_check import CheckLedgers
from civiq.platform.dynamodb.table import configure_models


class LedgerCheckSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    table_name: str = Field(min_length=3)
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
    args = parser.parse_args(argv)
    try:
        settings = LedgerCheckSettings()
        configure_models(settings.table_name, settings.aws_region, settings.aws_endpoint_url)
        summary = CheckLedgers(DynamoLedgerBooks(args.segments))(args.account_ids)
    except (ValidationError, DomainError) as exc:
        print(json.dumps({"error": str(exc)}, ensure_ascii=False), file=sys.stderr)
        return 2
    print(json.dumps(summary.as_report(), indent=2, ensure_ascii=False))
    return 0 if summary.sound else 1


if __name__ == "__main__":
    sys.exit(main())
