"""What referring accounts to a collection agency costs: the exact AWS requests of a referral
(the account's case paused with it), of a remittance line (a payment posted, the commission on
the referral), and of writing an agency's daily file, and the time those take on in-process moto.

Set-up (in-process moto, ``mock_aws``): the main and ledger tables from template.yaml, a town of
``ACCOUNTS`` accounts written directly (``load_direct``), each owing one statement 90 days past
due with its collection case open; the roster with one agency. The services are the deployed
ones (:func:`civiq.collections.wiring.agency_services`, ``assemble_agency_files``) over DynamoDB,
S3, Step Functions (a stand-in machine: executions are started and stopped, not run) and
EventBridge.

1. Every account is referred to the agency, one request each.
2. The agency reports half of each referral collected, in remittances of ``LINES`` lines.
3. The day's file is written (one CSV of every referral).

Every AWS call is counted at botocore's single entry point. Timings are moto's on this machine:
quote medians, not AWS figures.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal

from bench.collection_cases import Spy, per
from bench.collections_town import BUCKET, collections_moto, owe, town_accounts
from bench.common import Figure, figure, median, note, run_benchmark

ACCOUNTS = int(os.environ.get("CIVIQ_BENCH_AGENCY_ACCOUNTS", "60"))
LINES = 30  # a remittance's most lines
TABLE = "civiq-bench-agencies"


def run() -> list[Figure]:
    from civiq.collections.config import CollectionSettings
    from civiq.collections.domain.agencies import Agency, AgencyRoster, ReportedLine
    from civiq.collections.services.agency_referrals import ReferralAsked
    from civiq.collections.services.agency_remittances import ReportedRemittance
    from civiq.collections.wiring import (
        agency_services,
        assemble_agency_files,
        case_services,
        casework,
    )
    from civiq.core.events import Actor
    from civiq.core.settings import DocumentSettings
    from civiq.ledger.domain.journal import AllocationOrder
    from civiq.platform.runtime import time_zone
    from infra.local.demo import load_direct, municipality

    supervisor = Actor("bench-supervisor", "supervisor")
    spy = Spy()
    with collections_moto(TABLE):
        load_direct(municipality(accounts=ACCOUNTS))
        accounts = town_accounts(TABLE)
        settings = CollectionSettings()
        today = datetime.now(time_zone(settings)).date()
        owe(accounts, today - timedelta(days=90))
        work = casework(settings)
        cases = case_services(work)
        for account_id, _ in accounts:
            cases.open(account_id, supervisor, "bench-open")
        services = agency_services(
            work,
            settings,
            allocation_order=AllocationOrder.OLDEST_FIRST,
            documents_bucket=BUCKET,
            link_seconds=300,
        )
        agency = Agency("northern", "Northern Credit", Decimal("25.00"))
        services.configure(AgencyRoster((agency,)), supervisor, "bench-roster")
        note(f"{len(accounts)} accounts, each owing 240.00 for 90 days, its case open")
        with spy.installed():
            refer_times: list[float] = []
            refer_calls: Counter[tuple[str, str]] = Counter()
            for account_id, _ in accounts:
                spy.taken()
                began = time.perf_counter()
                services.refer(ReferralAsked(account_id, "northern"), supervisor, "bench-refer")
                refer_times.append(time.perf_counter() - began)
                refer_calls += spy.taken()
            remittance_times: list[float] = []
            remittance_calls: Counter[tuple[str, str]] = Counter()
            for start in range(0, len(accounts), LINES):
                lines = tuple(
                    ReportedLine(number, Decimal("120.00"))
                    for _, number in accounts[start : start + LINES]
                )
                spy.taken()
                began = time.perf_counter()
                services.record_remittance(
                    "northern",
                    ReportedRemittance(f"NC-{start}", today, lines),
                    supervisor,
                    "bench-remit",
                )
                remittance_times.append((time.perf_counter() - began) / len(lines))
                remittance_calls += spy.taken()
            assemble = assemble_agency_files(DocumentSettings())
            spy.taken()
            began = time.perf_counter()
            assembly = assemble(today, lambda: timedelta(minutes=10), "bench-files")
            file_seconds = time.perf_counter() - began
            file_calls = spy.taken()
            assert assembly.done and assembly.files[0].referrals == len(accounts), assembly
    count = len(accounts)
    return [
        figure("agency_accounts", count, "accounts"),
        figure("agency_referral_requests", per(refer_calls, count), "requests"),
        figure(
            "agency_referral_dynamodb_requests", per(refer_calls, count, "dynamodb"), "requests"
        ),
        figure("agency_referral_median_ms", median(refer_times) * 1000, "ms"),
        figure("agency_remittance_requests_per_line", per(remittance_calls, count), "requests"),
        figure(
            "agency_remittance_dynamodb_requests_per_line",
            per(remittance_calls, count, "dynamodb"),
            "requests",
        ),
        figure("agency_remittance_median_ms_per_line", median(remittance_times) * 1000, "ms"),
        figure("agency_file_requests", sum(file_calls.values()), "requests"),
        figure("agency_file_seconds", file_seconds, "s"),
    ]


if __name__ == "__main__":
    run_benchmark("agencies", run)
