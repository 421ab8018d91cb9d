"""What a write-off costs: the exact AWS requests of writing off an account's arrears (its
collection case closed with it), of a later payment reinstating them, and of a payment to an
account without write-offs (what every payment pays for the feature), and the time those take
on in-process moto.

Set-up (in-process moto, ``mock_aws``), as in :mod:`bench.collection_cases`: the tables from
template.yaml, a town of ``ACCOUNTS`` accounts written directly, each owing one statement
``DAYS_PAST_DUE`` days past due, each with a collection case opened by the daily opening. The
services are the deployed ones (:func:`civiq.collections.wiring.write_off_services` and
``write_off_tasks``) over DynamoDB, Step Functions (a stand-in machine) and EventBridge.

1. A supervisor writes off each account's whole balance (its case closes, its execution stops).
2. A payment of the same amount is posted to each account, and followed by the reinstatement
   consumer's service: the arrears are reinstated, paid from the payment's credit.
3. A second payment to each account (nothing written off is left): the consumer's check alone.

Every AWS call is counted at botocore's single entry point, per write-off and per payment.
Timings are moto's on this machine (its TransactWriteItems takes most of them, as a payment's
does): quote medians, not AWS figures.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from decimal import Decimal

from bench.collection_cases import DAYS_PAST_DUE, Spy, owing_town, per
from bench.common import Figure, figure, median, note, run_benchmark

ACCOUNTS = int(os.environ.get("CIVIQ_BENCH_WRITE_OFF_ACCOUNTS", "30"))
TABLE = "civiq-bench-write-offs"


def run() -> list[Figure]:
    from civiq.collections.config import CollectionSettings
    from civiq.collections.domain.write_offs import WriteOffCategory
    from civiq.collections.services.write_off import WriteOffAsked
    from civiq.collections.wiring import case_tasks, casework, write_off_services, write_off_tasks
    from civiq.core.events import Actor
    from civiq.ledger.domain.payments import PaymentChannel, PaymentMethod
    from civiq.payments.services.payments import PostPayment, ReceivedPayment
    from civiq.payments.wiring import dynamo_payment_ledger

    spy = Spy()
    supervisor = Actor("bench-supervisor", "supervisor")
    with owing_town(TABLE, ACCOUNTS) as (accounts, today):
        settings = CollectionSettings()
        opened = case_tasks(settings).open_delinquent("bench-open")
        assert opened.opened == len(accounts), opened
        note(f"{len(accounts)} accounts owing 240.00 {DAYS_PAST_DUE} days past due, a case open")
        services = write_off_services(casework(settings), settings)
        reinstate = write_off_tasks(settings).reinstate
        books = dynamo_payment_ledger(settings)

        def pay(account_id: str, payment_id: str) -> None:
            received = ReceivedPayment(
                payment_id,
                account_id,
                Decimal("240.00"),
                PaymentMethod.CHEQUE,
                PaymentChannel.STAFF,
                today,
            )
            PostPayment(books)(received, Actor("bench", "clerk"), "bench-pay")

        write_off_times: list[float] = []
        reinstate_times: list[float] = []
        write_off_calls: Counter[tuple[str, str]] = Counter()
        reinstate_calls: Counter[tuple[str, str]] = Counter()
        nothing_calls: Counter[tuple[str, str]] = Counter()
        with spy.installed():
            for account_id, _ in accounts:
                asked = WriteOffAsked(
                    account_id, Decimal("240.00"), WriteOffCategory.UNCOLLECTABLE, "bench"
                )
                spy.taken()
                began = time.perf_counter()
                written = services.write_off(asked, supervisor, "bench-write-off")
                write_off_times.append(time.perf_counter() - began)
                write_off_calls += spy.taken()
                assert written.new
            for n, (account_id, _) in enumerate(accounts):
                pay(account_id, f"P-{n}")
                spy.taken()
                began = time.perf_counter()
                assert reinstate(account_id, f"P-{n}", "bench-pay") == Decimal("240.00")
                reinstate_times.append(time.perf_counter() - began)
                reinstate_calls += spy.taken()
            for n, (account_id, _) in enumerate(accounts):
                pay(account_id, f"Q-{n}")
                spy.taken()
                assert reinstate(account_id, f"Q-{n}", "bench-pay") == 0
                nothing_calls += spy.taken()
        closed = casework(settings).cases.current(accounts[0][0])
        assert closed is None  # the write-off closed it
    count = len(accounts)
    return [
        figure("write_off_accounts", count, "accounts"),
        figure("write_off_requests_per_write_off", per(write_off_calls, count), "requests"),
        figure(
            "write_off_dynamodb_requests_per_write_off",
            per(write_off_calls, count, "dynamodb"),
            "requests",
        ),
        figure("write_off_median_ms", median(write_off_times) * 1000, "ms"),
        figure(
            "write_off_reinstatement_dynamodb_requests_per_payment",
            per(reinstate_calls, count, "dynamodb"),
            "requests",
        ),
        figure("write_off_reinstatement_median_ms", median(reinstate_times) * 1000, "ms"),
        figure(
            "write_off_payment_without_write_offs_dynamodb_requests",
            per(nothing_calls, count, "dynamodb"),
            "requests",
        ),
    ]


if __name__ == "__main__":
    run_benchmark("write_offs", run)
