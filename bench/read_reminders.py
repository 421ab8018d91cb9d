"""Read reminders per second: functions/alerts' ``remind_route`` in-process over moto.

tests/integration/test_alerts.py checks what the reminders are (each active account of each
route once, a long route continued from its cursor); how fast they go is measured here, never
asserted by a test. The same set-up: in-process moto (``mock_aws``) with the main table from
template.yaml, the demo town of ``ACCOUNTS`` accounts written directly (``load_direct``), a
monthly cycle of its three routes whose period ends in ``READ_REMINDER_DAYS`` days, the
reminder queue, and a rule delivering every NotificationRequested to a queue (moto's delivery
of each event is part of what is timed, as it was in the test).

Each of ``RUNS`` runs schedules the day's reminders (``schedule_reminders``) and then does what
Lambda's poller does with BatchSize 1 until the reminder queue is empty: receive, invoke
``remind_route`` with a context whose remaining time drops by ``STEP_MS`` at each look (a
minute per invocation: 11 batches, then the rest of the route is re-enqueued), delete. The
figure is the median, over the runs, of the reminders published divided by that loop's wall
time. A second run of the day publishes the same reminders (the channel de-duplicates), so
every run reminds the whole town.

moto's timings are not AWS's (functions/alerts/handler.py estimates AWS's from the request
counts): quote the median on this machine, and compare it with itself over time.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import Figure, figure, median, note, quiet_logging, run_benchmark
from bench.payments import create_tables, load_function

ACCOUNTS = int(os.environ.get("CIVIQ_BENCH_REMINDERS_ACCOUNTS", "360"))
RUNS = int(os.environ.get("CIVIQ_BENCH_REMINDERS_RUNS", "5"))
REGION = "ca-central-1"
TABLE = "civiq-bench-reminders"
BUS = "civiq-bench-reminders-bus"
ROUTES = ("1", "2", "3")  # the demo town's routes
READ_REMINDER_DAYS = 3
BUDGET_MS = 60_000  # each invocation's time
STEP_MS = 4_000  # what each look at the clock costs: 11 batches per invocation


class Context:
    """A Lambda context whose remaining time drops by ``step_ms`` each time it is asked."""

    function_name = "bench-alerts"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:ca-central-1:123456789012:function:bench-alerts"
    aws_request_id = "bench"

    def __init__(self, remaining_ms: int = 900_000, step_ms: int = 0) -> None:
        self.remaining_ms, self.step_ms = remaining_ms, step_ms

    def get_remaining_time_in_millis(self) -> int:
        self.remaining_ms -= self.step_ms
        return self.remaining_ms


def _queue(sqs: Any, name: str, **attributes: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return url, arn["QueueArn"]


def _drain(sqs: Any, url: str) -> int:
    """Delete every message of the queue; how many there were."""
    count = 0
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        count += len(batch)
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)
            ],
        )
    return count


def _remind_until_done(alerts: Any, sqs: Any, url: str) -> int:
    """Lambda's poller with BatchSize 1, until the queue is empty: how many invocations."""
    invocations = 0
    while messages := sqs.receive_message(QueueUrl=url).get("Messages", []):
        [message] = messages
        record = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": {"ApproximateReceiveCount": "1"},
            "messageAttributes": {},
            "md5OfBody": "",
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:ca-central-1:123456789012:read-reminders",
            "awsRegion": REGION,
        }
        result = alerts.remind_route({"Records": [record]}, Context(BUDGET_MS, STEP_MS))
        if result != {"batchItemFailures": []}:
            raise RuntimeError(f"a route failed: {result}")
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        invocations += 1
    return invocations


def run() -> list[Figure]:
    import boto3
    from moto import mock_aws

    from civiq.billing.adapters.dynamodb import DynamoCycles
    from civiq.billing.domain.cycles import CycleDefinition, Frequency
    from civiq.core.audit import AuditEntry
    from civiq.core.clock import SystemClock
    from civiq.core.dates import local_today
    from civiq.platform.dynamodb.table import configure_models
    from infra.local.demo import load_direct, municipality

    quiet_logging()
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.update(
        {
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
    )
    with mock_aws():
        create_tables(TABLE)
        sqs = boto3.client("sqs", region_name=REGION)
        events = boto3.client("events", region_name=REGION)
        events.create_event_bus(Name=BUS)
        reminders, _ = _queue(sqs, "read-reminders", VisibilityTimeout="0")
        notifications, notifications_arn = _queue(sqs, "notifications")
        pattern = {"source": ["civiq.utility"], "detail-type": ["NotificationRequested"]}
        events.put_rule(Name="notifications", EventBusName=BUS, EventPattern=json.dumps(pattern))
        events.put_targets(
            Rule="notifications", EventBusName=BUS, Targets=[{"Id": "q", "Arn": notifications_arn}]
        )
        configure_models(TABLE, f"{TABLE}-ledger", REGION, None)
        started = time.monotonic()
        load_direct(municipality(accounts=ACCOUNTS))
        note(f"loaded {ACCOUNTS} accounts in {time.monotonic() - started:.0f} s")
        period_end = local_today(SystemClock()) + timedelta(days=READ_REMINDER_DAYS)
        cycle = CycleDefinition(
            "residential-a", "Residential A", Frequency.MONTHLY, ROUTES, "water", period_end
        )
        entry = AuditEntry(
            "C1", "CYCLE#residential-a", "CycleDefined", "b", "b", datetime.now(UTC), "c", {}
        )
        DynamoCycles().save(None, cycle, entry)
        os.environ.update(
            {
                "TABLE_NAME": TABLE,
                "LEDGER_TABLE_NAME": f"{TABLE}-ledger",
                "EVENT_BUS_NAME": BUS,
                "MUNICIPALITY_NAME": "Ville de Pointe-aux-Érables",
                "READ_REMINDER_QUEUE_URL": reminders,
                "READ_REMINDER_DAYS": str(READ_REMINDER_DAYS),
            }
        )
        alerts = load_function("alerts")
        _drain(sqs, notifications)  # nothing is expected: the town was loaded without events
        rates: list[float] = []
        reminded: list[int] = []
        invocations: list[int] = []
        for _ in range(RUNS):
            queued = alerts.schedule_reminders({"detail-type": "Scheduled Event"}, Context())
            if len(queued["routes"]) != len(ROUTES):
                raise RuntimeError(f"routes queued: {queued}")
            started = time.monotonic()
            invocations.append(_remind_until_done(alerts, sqs, reminders))
            seconds = time.monotonic() - started
            reminded.append(_drain(sqs, notifications))
            rates.append(reminded[-1] / seconds)
        note("reminders/s: " + ", ".join(f"{r:.1f}" for r in rates))
        if len(set(reminded)) != 1:
            raise RuntimeError(f"the runs reminded different counts: {reminded}")
        return [
            figure("read_reminders_per_s_median", median(rates), "reminders/s"),
            figure("read_reminders_per_run", reminded[0], "reminders"),
            figure("read_reminder_invocations_per_run", invocations[0], "invocations"),
            figure("read_reminders_runs", RUNS, "runs"),
        ]


def main() -> None:
    run_benchmark("read_reminders", run)


if __name__ == "__main__":
    main()
