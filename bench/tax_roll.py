"""What a transfer to the tax roll costs: the exact AWS requests of noticing one, of the transfer
at the deadline, of a reversal and of reading a day's file, and the time those take on
in-process moto.

Set-up (in-process moto, ``mock_aws``): the main and ledger tables from template.yaml, a town of
``ACCOUNTS`` accounts written directly (``load_direct``: every property has a roll number), each
owner's account owing one statement due ``DAYS_PAST_DUE`` days ago, and the catalogue's
transfer fee. The services are the deployed ones (:func:`civiq.collections.wiring.
tax_roll_services` and ``transfer_arrears``) over DynamoDB, S3, Step Functions and EventBridge;
the state machines are stand-ins (executions are started, not run: the ASL's own run is tested
in tests/integration/test_tax_roll_workflow.py), and the transfer is made as of the day after
the deadline (the services' clock moved there).

Every AWS call is counted at botocore's single entry point, by service, per transfer. Timings
are moto's on this machine: quote medians, not AWS figures.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from unittest.mock import patch

from bench.collection_cases import Spy, per
from bench.collections_town import collections_moto, owe, town_accounts
from bench.common import Figure, figure, median, note, run_benchmark

ACCOUNTS = int(os.environ.get("CIVIQ_BENCH_TAX_ROLL_ACCOUNTS", "60"))
DAYS_PAST_DUE = 61
TABLE = "civiq-bench-tax-roll"


def _owners_owing(today: date) -> list[str]:
    """The owners' accounts with a roll number, each owing a statement ``DAYS_PAST_DUE`` days
    past due."""
    from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
    from civiq.accounts.domain.accounts import HolderRole

    accounts = DynamoAccountRepository()
    owners = [
        (account_id, number)
        for account_id, number in town_accounts(TABLE)
        if (account := accounts.get(account_id)).holder_role is HolderRole.OWNER
        and account.roll_number is not None
    ]
    owe(owners, today - timedelta(days=DAYS_PAST_DUE))
    return [account_id for account_id, _ in owners]


def _fee() -> None:
    from civiq.core.audit import AuditEntry
    from civiq.ledger.adapters.dynamodb_fees import DynamoFeeCatalogues
    from civiq.ledger.domain.fees import TRANSFER_TO_TAX, Fee, FeeCatalogue, FeeVersion

    fee = FeeVersion(date(2026, 1, 1), Decimal("35.00"), "Tax roll fee", "Frais de rôle", "4100")
    now = datetime.now(UTC)
    entry = AuditEntry("E-FEES", "FEES", "FeeCatalogueChanged", "b", "b", now, "b", {})
    catalogue = FeeCatalogue.of([Fee(TRANSFER_TO_TAX, (fee,))], 1)
    DynamoFeeCatalogues().save(FeeCatalogue({}), catalogue, entry)


def run() -> list[Figure]:

    from civiq.collections.config import TaxRollSettings
    from civiq.collections.domain.tax_roll import TransferStatus
    from civiq.collections.wiring import casework, tax_roll_services, transfer_arrears
    from civiq.core.clock import SystemClock
    from civiq.core.events import Actor
    from civiq.platform.runtime import time_zone
    from infra.local.demo import load_direct, municipality

    spy = Spy()
    supervisor = Actor("bench", "supervisor")
    with collections_moto(TABLE):
        load_direct(municipality(accounts=ACCOUNTS))
        settings = TaxRollSettings()
        today = datetime.now(time_zone(settings)).date()
        owners = _owners_owing(today)
        _fee()
        note(f"{len(owners)} owners' accounts, each owing {DAYS_PAST_DUE} days past due")
        services = tax_roll_services(casework(settings), settings)
        with spy.installed():
            notice_times: list[float] = []
            transfers = []
            for account_id in owners:
                began = time.perf_counter()
                transfers.append(services.notice(account_id, None, supervisor, "bench-notice"))
                notice_times.append(time.perf_counter() - began)
            notice_calls = spy.taken()
            ahead = timedelta(days=transfers[0].deadline.toordinal() - today.toordinal() + 1)
            with patch.object(SystemClock, "now", lambda self: datetime.now(UTC) + ahead):
                transfer = transfer_arrears(settings)
                spy.taken()
                transfer_times: list[float] = []
                for made in transfers:
                    began = time.perf_counter()
                    step = transfer(made.transfer_id, "bench-deadline")
                    transfer_times.append(time.perf_counter() - began)
                    assert step.transfer.status is TransferStatus.TRANSFERRED, step
                transfer_calls = spy.taken()
                day = step.transfer.transferred_on
                assert day is not None
                began = time.perf_counter()
                read = services.views.file(day)
                file_seconds = time.perf_counter() - began
                file_calls = spy.taken()
                assert len(read.lines) == len(transfers)
                reverse_times: list[float] = []
                for made in transfers[: len(transfers) // 2]:
                    began = time.perf_counter()
                    services.reverse(made.transfer_id, "bench", supervisor, "bench-reverse")
                    reverse_times.append(time.perf_counter() - began)
                reverse_calls = spy.taken()
    count = len(transfers)
    reversed_count = count // 2
    return [
        figure("tax_roll_transfers", count, "transfers"),
        figure("tax_roll_notice_requests_per_transfer", per(notice_calls, count), "requests"),
        figure(
            "tax_roll_notice_dynamodb_requests_per_transfer",
            per(notice_calls, count, "dynamodb"),
            "requests",
        ),
        figure("tax_roll_notice_median_ms", median(notice_times) * 1000, "ms"),
        figure("tax_roll_transfer_requests_per_transfer", per(transfer_calls, count), "requests"),
        figure(
            "tax_roll_transfer_dynamodb_requests_per_transfer",
            per(transfer_calls, count, "dynamodb"),
            "requests",
        ),
        figure(
            "tax_roll_transfer_s3_requests_per_transfer",
            per(transfer_calls, count, "s3"),
            "requests",
        ),
        figure("tax_roll_transfer_median_ms", median(transfer_times) * 1000, "ms"),
        figure("tax_roll_file_lines", len(read.lines), "lines"),
        figure("tax_roll_file_read_requests", per(file_calls, 1), "requests"),
        figure("tax_roll_file_read_ms", file_seconds * 1000, "ms"),
        figure(
            "tax_roll_reverse_requests_per_transfer",
            per(reverse_calls, reversed_count),
            "requests",
        ),
        figure("tax_roll_reverse_median_ms", median(reverse_times) * 1000, "ms"),
    ]


if __name__ == "__main__":
    run_benchmark("tax_roll", run)
