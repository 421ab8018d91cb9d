"""What a collection case costs: the exact AWS requests of opening one, of each stage advance
and of a payment that closes it, and the time those take on in-process moto.

Set-up (in-process moto, ``mock_aws``): the main and ledger tables from template.yaml, a town of
``ACCOUNTS`` accounts written directly (``load_direct``), each owing one statement due
``DAYS_PAST_DUE`` days ago (issued through billing's adapter, so its charges are on the ledger).
The services are the deployed ones (:func:`civiq.collections.wiring.case_tasks` and
``case_services``) over DynamoDB, Step Functions and EventBridge; the state machine is a stand-in
(executions are started and stopped, not run: the ASL's own run is tested in
tests/integration/test_collection_case_workflow.py).

1. Every account's case is opened by the daily opening (``OpenDelinquentCases``), as the
   scheduled function does.
2. Each case is advanced through its whole default ladder, the task called as its execution
   calls it, each time as of the day the execution waited for.
3. A payment in full is posted to each account and followed (``FollowPayment``): the case closes
   and its execution is stopped.

Every AWS call is counted at botocore's single entry point, by service and operation, per
account and per stage. Timings are moto's on this machine: quote medians, not AWS figures.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from bench.collections_town import collections_moto, owe, town_accounts
from bench.common import Figure, figure, median, note, run_benchmark

ACCOUNTS = int(os.environ.get("CIVIQ_BENCH_CASE_ACCOUNTS", "100"))
DAYS_PAST_DUE = 31
TABLE = "civiq-bench-cases"
STAGES = 6  # the default ladder


class Spy:
    """Every AWS call (service, operation) while installed."""

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    @contextmanager
    def installed(self) -> Iterator[Spy]:
        from botocore.client import BaseClient

        original = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private, untyped
        spy = self

        def make_api_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            with spy._lock:
                spy.calls[(client.meta.service_model.service_name, operation)] += 1
            return original(client, operation, params)

        setattr(BaseClient, "_make_api_call", make_api_call)  # noqa: B010
        try:
            yield self
        finally:
            setattr(BaseClient, "_make_api_call", original)  # noqa: B010

    def taken(self) -> Counter[tuple[str, str]]:
        with self._lock:
            calls, self.calls = self.calls, Counter()
        return calls


def per(calls: Counter[tuple[str, str]], count: int, service: str | None = None) -> float:
    return sum(n for (s, _), n in calls.items() if service in (None, s)) / count


@contextmanager
def owing_town(table: str, count: int) -> Iterator[tuple[list[tuple[str, str]], date]]:
    """A town of ``count`` accounts in :func:`~bench.collections_town.collections_moto`, each
    owing 240.00 on a statement ``DAYS_PAST_DUE`` days past due: (account id, number) of each,
    and today."""
    from civiq.collections.config import CollectionSettings
    from civiq.platform.runtime import time_zone
    from infra.local.demo import load_direct, municipality

    with collections_moto(table):
        load_direct(municipality(accounts=count))
        accounts = town_accounts(table)
        today = datetime.now(time_zone(CollectionSettings())).date()
        owe(accounts, today - timedelta(days=DAYS_PAST_DUE))
        yield accounts, today


def run() -> list[Figure]:
    from civiq.collections.config import CollectionSettings
    from civiq.collections.wiring import case_tasks, casework
    from civiq.core.events import Actor
    from civiq.ledger.domain.payments import PaymentChannel, PaymentMethod
    from civiq.payments.services.payments import PostPayment, ReceivedPayment
    from civiq.payments.wiring import dynamo_payment_ledger

    spy = Spy()
    with owing_town(TABLE, ACCOUNTS) as (accounts, today):
        settings = CollectionSettings()
        note(f"{len(accounts)} accounts, each owing a statement {DAYS_PAST_DUE} days past due")
        tasks = case_tasks(settings)
        cases = casework(settings).cases
        with spy.installed():
            started = time.perf_counter()
            opened = tasks.open_delinquent("bench-open")
            open_seconds = time.perf_counter() - started
            open_calls = spy.taken()
            assert opened.opened == len(accounts), opened
            advance_times: list[float] = []
            advance_calls: Counter[tuple[str, str]] = Counter()
            for account_id, _ in accounts:
                case = cases.current(account_id)
                assert case is not None
                spy.taken()
                woke_for: date | None = None
                for _ in range(STAGES):
                    began = time.perf_counter()
                    step = tasks.advance(case.case_id, account_id, case.execution, woke_for, "b")
                    advance_times.append(time.perf_counter() - began)
                    woke_for = step.wake_at.date() if step.wake_at else None
                advance_calls += spy.taken()
            books = dynamo_payment_ledger(settings)
            payment_calls: Counter[tuple[str, str]] = Counter()
            follow_times: list[float] = []
            for n, (account_id, _) in enumerate(accounts):
                received = ReceivedPayment(
                    f"P-{n}",
                    account_id,
                    Decimal("240.00"),
                    PaymentMethod.CHEQUE,
                    PaymentChannel.STAFF,
                    today,
                )
                PostPayment(books)(received, Actor("bench", "clerk"), "bench-pay")
                spy.taken()
                began = time.perf_counter()
                closed = tasks.follow_payment(account_id, "bench-pay")
                follow_times.append(time.perf_counter() - began)
                assert closed is not None and closed.ended is not None
                payment_calls += spy.taken()
    count = len(accounts)
    advances = count * STAGES
    return [
        figure("case_accounts", count, "accounts"),
        figure("case_open_requests_per_case", per(open_calls, count), "requests"),
        figure(
            "case_open_dynamodb_requests_per_case", per(open_calls, count, "dynamodb"), "requests"
        ),
        figure("case_open_seconds_per_case", open_seconds / count, "s"),
        figure("case_advance_requests_per_stage", per(advance_calls, advances), "requests"),
        figure(
            "case_advance_dynamodb_requests_per_stage",
            per(advance_calls, advances, "dynamodb"),
            "requests",
        ),
        figure(
            "case_advance_eventbridge_requests_per_stage",
            per(advance_calls, advances, "events"),
            "requests",
        ),
        figure("case_advance_median_ms", median(advance_times) * 1000, "ms"),
        figure("case_payment_follow_requests_per_case", per(payment_calls, count), "requests"),
        figure(
            "case_payment_follow_dynamodb_requests_per_case",
            per(payment_calls, count, "dynamodb"),
            "requests",
        ),
        figure("case_payment_follow_median_ms", median(follow_times) * 1000, "ms"),
    ]


if __name__ == "__main__":
    run_benchmark("collection_cases", run)
