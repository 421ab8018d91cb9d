"""Payments: posted per second over HTTP in the local stack, webhook acknowledgement latency, and
the exact DynamoDB requests of each way a payment arrives.

Local stack (``LocalStack.launch`` with the API served by the local gateway, as `make run` and
tests/e2e run it): ``ACCOUNTS`` demo accounts opened through the API, each owing one issued
statement (as tests/e2e/test_payments.py's ``town`` does). Then:

1. *As provisioned*: ``INLINE`` staff payments and ``INLINE`` signed processor events, one at a
   time. moto delivers an SQS event-source mapping inside ``SendMessage``, so here the request
   that queues something also runs its consumer: a staff payment's answer waits for the audit
   writer and the receipt (a WeasyPrint PDF) of ``PaymentPosted``, and a webhook's answer waits
   for the processor-event worker to post the payment. Each event's time until the payment is
   on the ledger (``GET /ledger`` polled) is measured here.
2. *Consumers paused* (every event-source mapping disabled, as when AWS's pollers run
   elsewhere): what the API function itself does. Staff payments from 1 thread and from
   ``THREADS`` threads over many accounts, and from ``THREADS`` threads on one account (the
   ledger's head is one item: concurrent postings to it retry, :class:`PaymentLedger`, and a
   request that runs out of attempts answers 409); then ``WEBHOOKS`` signed events (verify,
   check, queue: the acknowledgement AWS would send). Client threads, gateway, API function
   and emulator share one interpreter here, so more threads add no throughput (AWS runs each
   request in its own Lambda); the one-account run's figure is its ratio to the many-account
   run and its failures.

Requests per payment (in-process moto, ``mock_aws``; the main table and the idempotency table
created from template.yaml as tests/integration/conftest.py does): every AWS call is counted
at botocore's ``BaseClient._make_api_call`` (:class:`AwsCalls`), by operation and table, for a
staff payment through the Chalice app, the same request replayed with its Idempotency-Key, a
webhook delivery accepted by the API, a processor event applied by functions/processor_events
(``ApplyProcessorEvent``), and a remittance file's lines matched and posted by
functions/remittances (``ApplyRemittanceChunk``; every line an exact account number).

Latencies are moto's on this machine (2 cores shared by the client threads, the gateway, the
API function and the emulator): quote medians and ratios, not absolute AWS figures.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import os
import statistics
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from bench.common import (
    ACCOUNTS_PATH,
    API_DIR,
    REPO,
    Figure,
    figure,
    http_sender,
    median,
    note,
    percentile,
    quiet_logging,
    run_benchmark,
    settle,
)
from tests.helpers.statement_builders import issue_with_ledger

ACCOUNTS = int(os.environ.get("CIVIQ_BENCH_PAYMENTS_ACCOUNTS", "50"))
PAYMENTS = int(os.environ.get("CIVIQ_BENCH_PAYMENTS_N", "400"))
WEBHOOKS = int(os.environ.get("CIVIQ_BENCH_PAYMENTS_WEBHOOKS", "300"))
INLINE = int(os.environ.get("CIVIQ_BENCH_PAYMENTS_INLINE", "40"))
THREADS = 8
COUNTED = 12  # payments of each kind counted in-process
SEED = 21
WEBHOOK_PATH = "/api/v1/utility/webhooks/payments"
REMITTANCES_PATH = "/api/v1/utility/remittances"
REGION = "ca-central-1"
TABLE = "civiq-bench-payments"
IDEMPOTENCY_TABLE = "civiq-bench-payments-idempotency"
BUS = "civiq-bench-payments-bus"
BUCKET = "civiq-bench-payments-documents"
SIGNING_KEY = "bench-payments-signing-key-0123456789abcdef"
WEBHOOK_SECRET = "bench-payments-webhook-secret-0123456789"  # noqa: S105 - moto only
# Their secrets in moto's Secrets Manager (the API's environment names them)
SIGNING_KEY_SECRET_ID = "bench-payments-signing-key"  # noqa: S105 - a name
WEBHOOK_SECRET_ID = "bench-payments-webhook"  # noqa: S105 - a name


# --------------------------------------------------------------------------- AWS calls, counted
@dataclass(frozen=True)
class Call:
    service: str
    operation: str
    table: str | None  # DynamoDB: the table (the first one of a transaction or batch)
    items: int  # DynamoDB writes: items a transaction or batch writes (1 otherwise)


class AwsCalls:
    """Every AWS call this process makes while installed (every client, including those built
    before), at botocore's single entry point, as tests/integration/test_no_scan.py spies."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._lock = threading.Lock()

    @contextmanager
    def installed(self) -> Iterator[AwsCalls]:
        from botocore.client import BaseClient

        original = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private, untyped
        spy = self

        def make_api_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            spy.record(client.meta.service_model.service_name, operation, params)
            return original(client, operation, params)

        setattr(BaseClient, "_make_api_call", make_api_call)  # noqa: B010
        try:
            yield self
        finally:
            setattr(BaseClient, "_make_api_call", original)  # noqa: B010

    def record(self, service: str, operation: str, params: dict[str, Any]) -> None:
        table, items = params.get("TableName"), 1
        if operation in ("TransactWriteItems", "TransactGetItems"):
            transact = params.get("TransactItems", [])
            items = len(transact)
            first: dict[str, Any] = next(iter(transact[0].values()), {}) if transact else {}
            table = first.get("TableName")
        elif operation in ("BatchWriteItem", "BatchGetItem"):
            batches = params.get("RequestItems", {})
            table = next(iter(batches), None)
            items = sum(
                len(v if isinstance(v, list) else v.get("Keys", [])) for v in batches.values()
            )
        with self._lock:
            self.calls.append(Call(service, operation, table, items))

    def mark(self) -> int:
        with self._lock:
            return len(self.calls)

    def since(self, mark: int) -> list[Call]:
        with self._lock:
            return list(self.calls[mark:])


def dynamodb_operations(calls: list[Call], table: str | None = None) -> Counter[str]:
    return Counter(
        c.operation
        for c in calls
        if c.service == "dynamodb" and (table is None or c.table == table)
    )


def request_figures(
    prefix: str, samples: list[list[Call]], per: str, units: int | None = None
) -> list[Figure]:
    """Requests per ``per`` (the samples' calls over ``units``, one per sample by default), by
    operation and table; samples that differ are reported on stderr."""
    n = units or len(samples)
    totals = [sum(dynamodb_operations(s).values()) for s in samples]
    if len(set(totals)) > 1:
        note(f"{prefix}: DynamoDB requests vary by sample: {totals}")
    operations: Counter[str] = Counter()
    for sample in samples:
        operations += dynamodb_operations(sample)
    idempotency = sum(sum(dynamodb_operations(s, IDEMPOTENCY_TABLE).values()) for s in samples)
    transact_items = sum(c.items for s in samples for c in s if c.operation == "TransactWriteItems")
    others = Counter(
        f"{c.service}:{c.operation}" for s in samples for c in s if c.service != "dynamodb"
    )
    note(
        f"{prefix}: per {per}: DynamoDB { ({k: v / n for k, v in sorted(operations.items())}) }, "
        f"idempotency table {idempotency / n}, other AWS calls "
        f"{ ({k: v / n for k, v in sorted(others.items())}) }"
    )
    figures = [
        figure(f"{prefix}_dynamodb_requests", sum(totals) / n, f"requests/{per}"),
        *(
            figure(f"{prefix}_{op.lower()}", count / n, f"requests/{per}")
            for op, count in sorted(operations.items())
        ),
        figure(f"{prefix}_idempotency_table_requests", idempotency / n, f"requests/{per}"),
        figure(f"{prefix}_transaction_items_written", transact_items / n, f"items/{per}"),
    ]
    return figures


# --------------------------------------------------------------------------- HTTP, timed
def _post(port: int, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any, float]:
    """(status, parsed body, milliseconds) of one POST on a new connection."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    elapsed = (time.perf_counter() - started) * 1000
    return response.status, json.loads(raw or b"null"), elapsed


def _get(port: int, path: str, token: str) -> Any:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise RuntimeError(f"GET {path} answered {response.status}: {raw[:300]!r}")
    return json.loads(raw)


def _yesterday() -> str:
    from civiq.core.clock import SystemClock
    from civiq.core.dates import local_today

    return (local_today(SystemClock()) - timedelta(days=1)).isoformat()


class StaffPayments:
    """POST /accounts/{id}/payments over HTTP, each with a fresh Idempotency-Key."""

    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token
        self.received_on = _yesterday()

    def post(self, account_id: str, amount: str = "1.00") -> tuple[int, float]:
        body = {"amount": amount, "method": "cheque", "received_on": self.received_on}
        status, answer, ms = _post(
            self.port,
            f"{ACCOUNTS_PATH}/{account_id}/payments",
            json.dumps(body).encode(),
            {
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                "Idempotency-Key": str(uuid.uuid4()),
            },
        )
        if status != 201:
            note(f"payment to {account_id} answered {status}: {answer}")
        return status, ms


def processor_event(event_id: str, account_number: str, amount: str) -> bytes:
    """A processor's payment.succeeded event (as tests/e2e/test_payments.py sends it)."""
    return json.dumps(
        {
            "id": f"evt_{event_id}",
            "type": "payment.succeeded",
            "created": int(time.time()),
            "data": {
                "payment_id": f"pay_{event_id}",
                "amount": amount,
                "currency": "CAD",
                "method": "card",
                "account_number": account_number,
            },
        }
    ).encode()


class Webhooks:
    def __init__(self, port: int, secret: str) -> None:
        self.port, self.secret = port, secret

    def deliver(self, event: bytes) -> tuple[int, float]:
        from civiq.payments.domain.webhooks import sign

        status, answer, ms = _post(
            self.port,
            WEBHOOK_PATH,
            event,
            {
                "Content-Type": "application/json",
                "Civiq-Signature": sign(event, self.secret, int(time.time())),
            },
        )
        if status != 200:
            note(f"webhook answered {status}: {answer}")
        return status, ms


@dataclass(frozen=True)
class Run:
    label: str
    statuses: list[int]
    latencies_ms: list[float]
    wall_s: float

    def figures(self, unit: str) -> list[Figure]:
        ok = sum(1 for s in self.statuses if s in (200, 201))
        return [
            figure(f"{self.label}_per_s", ok / self.wall_s, f"{unit}/s"),
            figure(f"{self.label}_median_ms", median(self.latencies_ms), "ms"),
            figure(f"{self.label}_p95_ms", percentile(self.latencies_ms, 95), "ms"),
            figure(f"{self.label}_failed", len(self.statuses) - ok, "requests"),
        ]


def _timed_run(label: str, calls: list[Callable[[], tuple[int, float]]], threads: int) -> Run:
    started = time.monotonic()
    if threads == 1:
        results = [call() for call in calls]
    else:
        with ThreadPoolExecutor(threads) as pool:
            results = list(pool.map(lambda call: call(), calls))
    wall = time.monotonic() - started
    return Run(label, [s for s, _ in results], [ms for _, ms in results], wall)


# --------------------------------------------------------------------------- the local stack
def _issue_statements(stack: Any, accounts: list[dict[str, Any]]) -> None:
    """Each account owes one statement, issued through the stack's own table."""
    from civiq.billing.adapters.dynamodb import DynamoStatements
    from civiq.core.audit import AuditEntry
    from civiq.platform.dynamodb.table import configure_models
    from infra.local.stack import REGION as STACK_REGION
    from tests.helpers.statement_builders import statement

    tables = stack.outputs["MainTableName"], stack.outputs["LedgerTableName"]
    configure_models(*tables, STACK_REGION, stack.endpoint)
    for account in accounts:
        issued = statement(
            account_id=account["id"],
            account_number=account["account_number"],
            statement_id=f"{account['account_number']}-20261130",
            language=account["language"],
        )
        entry = AuditEntry(
            "E", f"ACCOUNT#{account['id']}", "S", "bench", "s", issued.issued_at, "c", {}
        )
        issue_with_ledger(DynamoStatements(), issued, entry)


def _consumers(stack: Any, enabled: bool) -> int:
    """Enable or disable every SQS event-source mapping of the stack; how many there are."""
    lam = stack.client("lambda")
    mappings = lam.list_event_source_mappings()["EventSourceMappings"]
    for mapping in mappings:
        lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=enabled)
    return len(mappings)


def _balance(port: int, token: str, account_id: str) -> Decimal:
    return Decimal(_get(port, f"{ACCOUNTS_PATH}/{account_id}/ledger?limit=1", token)["balance"])


def _as_provisioned(
    port: int, token: str, secret: str, accounts: list[dict[str, Any]]
) -> list[Figure]:
    """One at a time, with the stack's consumers running inside the requests that feed them."""
    staff = StaffPayments(port, token)
    hooks = Webhooks(port, secret)
    staff.post(accounts[0]["id"])  # warm: the consumers' first calls load their code
    hooks.deliver(processor_event("inlinewarm", accounts[0]["account_number"], "2.00"))
    serial = _timed_run(
        "pay_http_staff_inline_consumers",
        [lambda a=a: staff.post(a["id"]) for a in _cycle(accounts, INLINE)],
        1,
    )
    acks: list[float] = []
    on_ledger: list[float] = []
    statuses: list[int] = []
    for n, account in enumerate(_cycle(accounts, INLINE)):
        before = _balance(port, token, account["id"])
        started = time.perf_counter()
        status, ms = hooks.deliver(
            processor_event(f"inline{n:05d}", account["account_number"], "2.00")
        )
        statuses.append(status)
        acks.append(ms)
        deadline = time.monotonic() + 60
        while _balance(port, token, account["id"]) != before - Decimal("2.00"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"processor event inline{n} never reached the ledger")
            time.sleep(0.005)
        on_ledger.append((time.perf_counter() - started) * 1000)
    return [
        *serial.figures("payments"),
        figure("pay_webhook_inline_consumers_ack_median_ms", median(acks), "ms"),
        figure("pay_webhook_inline_consumers_ack_p95_ms", percentile(acks, 95), "ms"),
        figure("pay_webhook_inline_consumers_failed", sum(s != 200 for s in statuses), "requests"),
        figure("pay_webhook_on_ledger_median_ms", median(on_ledger), "ms"),
        figure("pay_webhook_on_ledger_p95_ms", percentile(on_ledger, 95), "ms"),
        figure("pay_webhook_on_ledger_sample", len(on_ledger), "events"),
    ]


def _cycle(accounts: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    return [accounts[i % len(accounts)] for i in range(count)]


def _consumers_paused(
    port: int, token: str, secret: str, accounts: list[dict[str, Any]], alone: dict[str, Any]
) -> list[Figure]:
    """The API function's own work: staff payments 1 and 8 at a time, and on one account."""
    staff = StaffPayments(port, token)
    for account in accounts[:THREADS]:  # warm: every thread's first connection and the code
        staff.post(account["id"])
    many = _cycle(accounts, PAYMENTS)
    runs = [
        _timed_run("pay_http_staff_1_thread", [lambda a=a: staff.post(a["id"]) for a in many], 1),
        _timed_run(
            f"pay_http_staff_{THREADS}_threads",
            [lambda a=a: staff.post(a["id"]) for a in many],
            THREADS,
        ),
    ]
    before = len(_get(port, f"{ACCOUNTS_PATH}/{alone['id']}/payments", token)["items"])
    runs.append(
        _timed_run(
            f"pay_http_staff_{THREADS}_threads_one_account",
            [lambda: staff.post(alone["id"]) for _ in range(PAYMENTS)],
            THREADS,
        )
    )
    posted = len(_get(port, f"{ACCOUNTS_PATH}/{alone['id']}/payments", token)["items"]) - before
    accepted = sum(1 for s in runs[-1].statuses if s == 201)
    if posted != accepted:
        raise AssertionError(f"one account: {accepted} payments accepted, {posted} on its list")
    ledger = _get(port, f"{ACCOUNTS_PATH}/{alone['id']}/ledger?limit=1", token)
    note(f"one account after {accepted} concurrent payments: balance {ledger['balance']}")

    hooks = Webhooks(port, secret)
    for n in range(5):  # warm
        hooks.deliver(processor_event(f"warm{n}", accounts[n]["account_number"], "2.00"))
    webhook = _timed_run(
        "pay_webhook_ack",
        [
            lambda n=n, a=a: hooks.deliver(
                processor_event(f"ack{n:05d}", a["account_number"], "2.00")
            )
            for n, a in enumerate(_cycle(accounts, WEBHOOKS))
        ],
        1,
    )
    figures = [f for r in runs for f in r.figures("payments")]
    figures += webhook.figures("events")
    one, spread = runs[2], runs[1]
    figures += [
        figure(
            f"pay_http_staff_{THREADS}_threads_vs_1_thread_ratio",
            len(many) / spread.wall_s / (len(many) / runs[0].wall_s),
            "ratio",
        ),
        figure(
            "pay_http_staff_one_account_vs_many_ratio",
            (PAYMENTS / one.wall_s) / (len(many) / spread.wall_s),
            "ratio",
        ),
        figure("pay_http_requests_per_run", PAYMENTS, "requests"),
    ]
    return figures


def _local_stack() -> list[Figure]:
    from civiq.core.staff import Role
    from infra.local.demo import load_via_api, municipality
    from infra.local.run import serve_api, staff_token, webhook_url
    from infra.local.stack import LocalStack, free_port

    quiet_logging()
    port = free_port()
    api_url = f"http://127.0.0.1:{port}"
    stack = LocalStack.launch(parameters={"SandboxWebhookUrl": webhook_url(api_url)})
    server = None
    try:
        server = serve_api(stack, port)
        token = staff_token(stack, Role.CLERK)
        started = time.monotonic()
        opened = load_via_api(
            municipality(accounts=ACCOUNTS + 1, seed=SEED), http_sender(api_url, token)
        )
        waited = settle(stack, len(opened), timeout=300)
        _issue_statements(stack, opened)
        note(f"{len(opened)} accounts opened and billed in {time.monotonic() - started:.0f} s")
        alone, accounts = opened[0], opened[1:]
        secret = stack.secret("PaymentWebhookSecret")
        figures = _as_provisioned(port, token, secret, accounts)
        mappings = _consumers(stack, enabled=False)
        note(f"{mappings} event-source mappings paused")
        figures += _consumers_paused(port, token, secret, accounts, alone)
        figures += [
            figure("pay_http_accounts", len(accounts), "accounts"),
            figure("pay_http_letter_settle_s", waited, "s"),
        ]
        return figures
    finally:
        if server is not None:
            server.shutdown()
        stack.stop()


# --------------------------------------------------------------------------- in-process counts
def _environment() -> dict[str, str]:
    return {
        "TABLE_NAME": TABLE,
        "LEDGER_TABLE_NAME": f"{TABLE}-ledger",
        "EVENT_BUS_NAME": BUS,
        "AUTH_MODE": "local",
        "LOCAL_SIGNING_KEY_SECRET_ID": SIGNING_KEY_SECRET_ID,
        "DOCUMENTS_BUCKET": BUCKET,
        "IDEMPOTENCY_TABLE_NAME": IDEMPOTENCY_TABLE,
        "WEBHOOK_SECRET_ID": WEBHOOK_SECRET_ID,
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
    }


def create_tables(table: str, idempotency_table: str | None = None) -> None:
    """The main table, its ledger table (``<table>-ledger``) and the idempotency table as
    template.yaml defines them."""
    import boto3

    from infra.local.packaging import load_template

    resources = load_template()["Resources"]
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    names = {
        "MainTable": table,
        "LedgerTable": f"{table}-ledger",
        "IdempotencyTable": idempotency_table,
    }
    for resource, name in names.items():
        if name is None:
            continue
        definition = resources[resource]["Properties"]
        dynamodb.create_table(
            TableName=name,
            **{k: definition[k] for k in ("AttributeDefinitions", "KeySchema")},
            **(
                {"GlobalSecondaryIndexes": definition["GlobalSecondaryIndexes"]}
                if "GlobalSecondaryIndexes" in definition
                else {}
            ),
            BillingMode=definition["BillingMode"],
        )


def load_function(folder: str) -> Any:
    """functions/<folder>/handler.py under a name of its own (the environment already set)."""
    from infra.local.lambda_runtime import import_isolated

    code = REPO / "functions" / folder
    return import_isolated(code, code / "handler.py", f"_bench_{folder}_{uuid.uuid4().hex[:8]}")


def _counts() -> list[Figure]:
    import boto3
    from chalice.test import Client
    from moto import mock_aws

    from civiq.core.staff import Role
    from civiq.payments.schemas.processor_events import read_delivery
    from civiq.platform.dynamodb.table import configure_models
    from civiq.platform.tokens import LocalTokens
    from infra.local import dynamodb_transactions
    from infra.local.demo import load_via_api, municipality
    from infra.local.lambda_runtime import import_isolated

    os.environ.pop("AWS_ENDPOINT_URL", None)
    spy = AwsCalls()
    with mock_aws(), spy.installed():
        dynamodb_transactions.install()
        os.environ.update(_environment())
        create_tables(TABLE, IDEMPOTENCY_TABLE)
        secretsmanager = boto3.client("secretsmanager", region_name=REGION)
        secretsmanager.create_secret(Name=SIGNING_KEY_SECRET_ID, SecretString=SIGNING_KEY)
        secretsmanager.create_secret(Name=WEBHOOK_SECRET_ID, SecretString=WEBHOOK_SECRET)
        boto3.client("events", region_name=REGION).create_event_bus(Name=BUS)
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        sqs = boto3.client("sqs", region_name=REGION)
        queues = {
            name: sqs.create_queue(QueueName=f"bench-{name}")["QueueUrl"]
            for name in ("PROCESSOR_EVENTS_QUEUE_URL", "REMITTANCE_QUEUE_URL")
        }
        os.environ.update(queues)
        configure_models(TABLE, f"{TABLE}-ledger", REGION, None)
        app = import_isolated(API_DIR, API_DIR / "app.py", f"_bench_pay_{uuid.uuid4().hex[:8]}").app
        token = LocalTokens(SIGNING_KEY).mint(
            "bench-payments", [Role.CLERK], datetime.now(UTC), timedelta(hours=2)
        )
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        client = Client(app)

        def send(method: str, path: str, body: dict[str, Any]) -> tuple[int, Any]:
            answer = client.http.post(path, headers=headers, body=json.dumps(body))
            return answer.status_code, answer.json_body

        accounts = load_via_api(municipality(accounts=COUNTED, seed=SEED), send)
        _issue_statements(_InProcessStack(), accounts)
        received_on = _yesterday()

        def pay(account: dict[str, Any], key: str) -> Any:
            body = {"amount": "5.00", "method": "cheque", "received_on": received_on}
            answer = client.http.post(
                f"{ACCOUNTS_PATH}/{account['id']}/payments",
                headers={**headers, "Idempotency-Key": key},
                body=json.dumps(body),
            )
            if answer.status_code != 201:
                raise RuntimeError(f"payment answered {answer.status_code}: {answer.json_body}")
            return answer

        pay(accounts[0], "warm-" + uuid.uuid4().hex)  # cold start: the composition roots
        staff, replays, staff_ms = [], [], []
        for account in accounts:
            key = uuid.uuid4().hex
            mark = spy.mark()
            started = time.perf_counter()
            pay(account, key)
            staff_ms.append((time.perf_counter() - started) * 1000)
            staff.append(spy.since(mark))
            mark = spy.mark()
            pay(account, key)
            replays.append(spy.since(mark))

        warm = processor_event("warm", accounts[0]["account_number"], "1.00")
        client.http.post(WEBHOOK_PATH, headers=_signed(warm), body=warm)
        accepted, events = [], []
        for n, account in enumerate(accounts):
            event = processor_event(f"count{n:03d}", account["account_number"], "3.00")
            mark = spy.mark()
            answer = client.http.post(WEBHOOK_PATH, headers=_signed(event), body=event)
            if answer.status_code != 200:
                raise RuntimeError(f"webhook answered {answer.status_code}: {answer.json_body}")
            accepted.append(spy.since(mark))
            events.append(read_delivery(event))
        apply = load_function("processor_events").apply_event()
        apply(read_delivery(warm), "warm")
        applied = []
        for delivery in events:
            mark = spy.mark()
            if not apply(delivery, delivery.reported.event_id).posted:
                raise RuntimeError(f"processor event {delivery.reported.event_id} posted nothing")
            applied.append(spy.since(mark))

        rows = io.StringIO()
        writer = csv.writer(rows)
        writer.writerow(["date", "amount", "reference", "payer_name"])
        for a in accounts:
            writer.writerow([received_on, "4.00", a["account_number_display"], a["holder"]["name"]])
        mark = spy.mark()
        uploaded = client.http.post(
            f"{REMITTANCES_PATH}?file_name=bank.csv",
            headers={**headers, "Content-Type": "text/csv"},
            body=rows.getvalue().encode(),
        )
        if uploaded.status_code != 202:
            raise RuntimeError(f"upload answered {uploaded.status_code}: {uploaded.json_body}")
        upload = spy.since(mark)
        chunk = load_function("remittances").apply_chunk()
        mark = spy.mark()
        done = chunk(uploaded.json_body["remittance_id"], 2, len(accounts) + 1)
        matched = spy.since(mark)
        if done.posted != len(accounts):
            raise RuntimeError(f"remittance: {done} for {len(accounts)} exact lines")
    figures = request_figures("pay_req_staff_payment", staff, "payment")
    figures += request_figures("pay_req_staff_payment_replay", replays, "payment")
    figures += request_figures("pay_req_webhook_accept", accepted, "event")
    figures += request_figures("pay_req_processor_event_payment", applied, "payment")
    figures += request_figures("pay_req_remittance_upload", [upload], "file")
    figures += request_figures("pay_req_remittance_exact_line", [matched], "line", len(accounts))
    figures += [
        figure("pay_inprocess_staff_payment_median_ms", statistics.median(staff_ms), "ms"),
        figure("pay_req_samples", len(accounts), "payments"),
    ]
    return figures


def _signed(event: bytes) -> dict[str, str]:
    from civiq.payments.domain.webhooks import sign

    return {
        "Content-Type": "application/json",
        "Civiq-Signature": sign(event, WEBHOOK_SECRET, int(time.time())),
    }


class _InProcessStack:
    """What :func:`_issue_statements` reads of a stack, for in-process moto."""

    outputs = {"MainTableName": TABLE}
    endpoint = None


def run() -> list[Figure]:
    figures = _counts()
    return figures + _local_stack()


def main() -> None:
    run_benchmark("payments", run)


if __name__ == "__main__":
    main()
