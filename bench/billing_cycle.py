"""A billing cycle of 10,000 accounts end to end in one process, and what it would cost in AWS.

The demo town's accounts are loaded directly (``load_direct``); each gets a meter with four
bimonthly reads through the metering services; the town's rates and a bimonthly cycle are
defined; then the cycle's periods run through the real ASL in moto's Step Functions interpreter
(Distributed Map over the batches), whose Lambda tasks are functions/billing_tasks and
functions/statement_renderer (real WeasyPrint), in this process. The measured run is a cycle's
usual one, not its first: every account has a statement from the period before, and two in
three have paid since (``PAYING``, through the payment service), so their balance forward
itemizes a payment.

Figures: wall time of the run, accounts billed per second, DynamoDB requests (by operation) per
account billed, counted exactly at botocore, with their request units computed from the items'
sizes (bench/request_units.py; each request's call site is listed in the notes), PDF render
CPU time per statement, the process's peak memory (moto, the table and the functions share it),
and a projection of a 300,000-account cycle's AWS cost with its breakdown (:func:`_cost`: prices
in PRICES, ca-central-1 list prices, each function's memory and architecture as template.yaml
deploys it, the workflow's transitions from its ASL).

Rendering is sampled (RENDERED statements through WeasyPrint, the rest get a copy of the last
PDF: :class:`SampledRenderer`), because this process renders on one core where AWS renders
each batch in its own Lambda; the figures say how many were rendered, and project the wall time
with every PDF rendered here.

moto needs two patches to finish at this size (both keep results identical, both tested):
the journaled TransactWriteItems of the local stack (infra/local/dynamodb_transactions.py)
and the benchmark's partition-only Query (bench/search.py :func:`partition_queries`). moto
runs everything on one core: the wall time is not AWS's, where batches run in parallel.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from unittest.mock import patch

from bench.common import REPO, Figure, figure, note, quiet_logging, run_benchmark
from bench.request_units import RequestUnits, Window
from bench.search import partition_queries

ACCOUNTS = int(os.environ.get("CIVIQ_BENCH_CYCLE_ACCOUNTS", "10000"))
RENDERED = int(os.environ.get("CIVIQ_BENCH_CYCLE_RENDERED", "300"))
SEED = 21
REGION = "ca-central-1"
TABLE = "civiq-bench-cycle"
BUS = "civiq-bench-cycle-bus"
BUCKET = "civiq-bench-cycle-documents"
READS = ("2026-05-31", "2026-07-31", "2026-09-30", "2026-11-30")
FIRST_PERIOD_END = date(2026, 9, 30)  # billed first, not measured
PERIOD_END = date(2026, 11, 30)  # the measured run
PAID_ON = date(2026, 10, 20)
PAYING = 2 / 3  # of the accounts pay their first statement between the two runs
# One batch at a time: moto runs every task in this process, so parallel batches only share its
# two cores and stretch each task's measured duration (what a Lambda would be billed for).
CONCURRENCY = 1
FUNCTIONS = {"billing-tasks": "billing_tasks", "statement-renderer": "statement_renderer"}
PRICES = {  # USD, ca-central-1 list prices (on-demand; check before quoting)
    "dynamodb_write_request_unit": 0.6875 / 1e6,
    "dynamodb_read_request_unit": 0.1375 / 1e6,
    "lambda_gb_second_arm": 0.0000133334,
    "lambda_request": 0.20 / 1e6,
    "step_functions_transition": 0.025 / 1000,  # standard workflows
    "s3_put": 0.0055 / 1000,
    "eventbridge_event": 1.00 / 1e6,  # custom events (64 KB chunks)
    "sqs_request": 0.40 / 1e6,  # standard queues
}
FUNCTION_RESOURCES = {
    "billing-tasks": "BillingTasksFunction",
    "statement-renderer": "StatementRendererFunction",
}
# An SQS target's message: EventBridge's SendMessage, then the consumer's ReceiveMessage and
# DeleteMessageBatch, 10 messages each (the event source mapping's batches)
SQS_REQUESTS_PER_MESSAGE = 1 + 2 / 10


def _environment() -> dict[str, str]:
    return {
        "TABLE_NAME": TABLE,
        "LEDGER_TABLE_NAME": f"{TABLE}-ledger",
        "EVENT_BUS_NAME": BUS,
        "DOCUMENTS_BUCKET": BUCKET,
        "MUNICIPALITY_NAME": "Pointe-aux-Érables",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
    }


class SampledRenderer:
    """WeasyPrint for the first ``sample`` statements (timed), then a copy of the last PDF it
    made: in one process moto runs everything on one core, where 10,000 real renders would take
    over an hour. Every statement still gets a PDF in S3 and its announcement."""

    def __init__(self, real: Any, sample: int) -> None:
        self.real, self.sample = real, sample
        self.seconds: list[float] = []
        self.last = b""

    def render_pdf(self, template: str, language: Any, context: Any) -> bytes:
        if len(self.seconds) < self.sample:
            started = time.thread_time()
            self.last = bytes(self.real.render_pdf(template, language, context))
            self.seconds.append(time.thread_time() - started)
        return self.last


class Tasks:
    """The two task functions behind moto's Lambda, timed per call in CPU seconds of the thread
    running them (as the renders are): the machine is shared, and wall time would count other
    processes' work. moto's own work answering the DynamoDB, S3 and EventBridge requests is in
    it, where a Lambda would wait on the network."""

    def __init__(self) -> None:
        from infra.local.lambda_runtime import import_isolated

        self.handlers = {}
        for function, folder in FUNCTIONS.items():
            code = REPO / "functions" / folder
            name = f"_bench_{folder}_{uuid.uuid4().hex[:8]}"
            self.handlers[function] = import_isolated(code, code / "handler.py", name)
        from civiq.platform import pdf

        real = pdf.WeasyPrintRenderer
        self.renderer = SampledRenderer(None, RENDERED)

        def sampled(templates: Any) -> SampledRenderer:
            self.renderer.real = real(templates)
            return self.renderer

        # the renderer's wiring imports the class late (civiq.platform.runtime.pdf_renderer)
        pdf.WeasyPrintRenderer = sampled  # type: ignore[assignment,misc]
        self.reset()
        self.errors: list[str] = []

    def reset(self) -> None:
        """Time (and sample renders) from now on."""
        self.seconds: dict[str, list[float]] = {"bill_batch": [], "issue_statements": []}
        self.renderer.seconds = []

    def invoke(
        self, function_name: str, qualifier: Any, body: Any, headers: Any, response: Any
    ) -> bytes:
        event = json.loads(body)
        task = event.get("task", "issue_statements")
        started = time.thread_time()
        try:
            result = self.handlers[function_name.rsplit(":", 1)[-1]].handler(event, _Context())
        except Exception as exc:  # reported to Step Functions as the function's error
            self.errors.append(f"{task}: {type(exc).__name__}: {exc}")
            response["x-amz-function-error"] = "Unhandled"
            return json.dumps({"errorType": type(exc).__name__, "errorMessage": str(exc)}).encode()
        self.seconds.setdefault(task, []).append(time.thread_time() - started)
        return json.dumps(result).encode()


class _Context:
    function_name = "bench"
    memory_limit_in_mb = 1536
    invoked_function_arn = "arn:aws:lambda:ca-central-1:123456789012:function:bench"
    aws_request_id = "bench"


def _setup_aws(tasks: Tasks) -> str:
    import boto3

    from bench.search import _create_table

    _create_table(TABLE)
    boto3.client("events", region_name=REGION).create_event_bus(Name=BUS)
    boto3.client("s3", region_name=REGION).create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    arns = {}
    for function in FUNCTIONS:
        arns[function] = boto3.client("lambda", region_name=REGION).create_function(
            FunctionName=function,
            Runtime="python3.12",
            Role=role,
            Handler="handler.handler",
            Code={"ZipFile": _empty_zip()},
        )["FunctionArn"]
    text = (REPO / "infra" / "statemachines" / "billing_cycle.asl.json").read_text()
    for name, value in {
        "BillingTasksFunctionArn": arns["billing-tasks"],
        "StatementRendererFunctionArn": arns["statement-renderer"],
        "BillingConcurrency": str(CONCURRENCY),
    }.items():
        text = text.replace("${" + name + "}", value)
    machine = boto3.client("stepfunctions", region_name=REGION).create_state_machine(
        name="billing-cycle", definition=text, roleArn=role
    )
    return str(machine["stateMachineArn"])


def _empty_zip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "")
    return buffer.getvalue()


def _meters_and_reads(accounts: list[Any]) -> int:
    """A 15 mm meter per property (or unit), read every two months through the services."""
    import boto3

    from civiq.accounts.adapters.dynamodb_properties import DynamoPropertyRepository
    from civiq.accounts.services.recording import Recorder
    from civiq.core.clock import SystemClock
    from civiq.core.events import Actor
    from civiq.core.ids import UlidGenerator
    from civiq.core.publishing import PublishEvents
    from civiq.metering.adapters.dynamodb import DynamoMetering
    from civiq.metering.domain.meters import MeterSize, MeterType
    from civiq.metering.services.meters import InstallCommand, InstallMeter, MeterSpec
    from civiq.metering.services.readings import ReadingCommand, RecordReading
    from civiq.platform.dynamodb.outbox import DynamoOutbox
    from civiq.platform.eventbridge import EventBridgePublisher

    metering = DynamoMetering()
    recorder = Recorder(SystemClock(), UlidGenerator())
    events = PublishEvents(
        DynamoOutbox(), EventBridgePublisher(boto3.client("events", region_name=REGION), BUS)
    )
    properties = DynamoPropertyRepository()
    install = InstallMeter(metering, properties, metering, recorder)
    record = RecordReading(metering, metering, metering, events, recorder)
    actor = Actor("bench-loader", "admin")
    shared = {a.property_id for a in accounts if properties.get(a.property_id).meters.shares}
    places = sorted(
        {
            (a.property_id, None if a.property_id in shared else a.service_address.unit)
            for a in accounts
        },
        key=str,
    )
    reads = 0
    for number, (property_id, unit) in enumerate(places):
        spec = MeterSpec(f"BENCH-{number:06d}", MeterSize.MM15, MeterType.DISPLACEMENT)
        command = InstallCommand(property_id, unit, date(2024, 6, 1), spec, Decimal(0))
        meter, _ = install(command, actor, "bench")
        register = Decimal(0)
        for day in READS:
            register += Decimal(24 + number % 13)
            record(
                ReadingCommand(meter.meter_id, date.fromisoformat(day), register), actor, "bench"
            )
            reads += 1
        if number % 1000 == 999:
            note(f"meters: {number + 1}/{len(places)}")
    return reads


def _payments(accounts: list[Any]) -> int:
    """``PAYING`` of the accounts pay what their statement asks, through the payment service
    (as a clerk records a cheque); how many paid."""
    from civiq.billing.adapters.dynamodb import DynamoStatements
    from civiq.billing.adapters.payment_ledger import dynamo_payment_ledger
    from civiq.core.events import Actor
    from civiq.core.settings import CommonSettings
    from civiq.ledger.domain.payments import PaymentChannel, PaymentMethod
    from civiq.payments.services.payments import PostPayment, ReceivedPayment

    post = PostPayment(dynamo_payment_ledger(CommonSettings()))  # type: ignore[call-arg]
    clerk = Actor("bench-clerk", "clerk")
    paying = [a for n, a in enumerate(accounts) if n % 3 < round(3 * PAYING)]
    for account in paying:
        (statement,) = DynamoStatements().recent(account.account_id, 1)
        received = ReceivedPayment(
            f"bench-{account.account_id}",
            account.account_id,
            statement.total_due,
            PaymentMethod.CHEQUE,
            PaymentChannel.STAFF,
            PAID_ON,
        )
        post(received, clerk, "bench")
    return len(paying)


@dataclass(frozen=True)
class Deployed:
    """What template.yaml deploys for the cycle: each function's memory (GB), the ARM price
    check, and how many SQS queues receive each StatementIssued."""

    memory_gb: dict[str, float]
    statement_issued_queues: int

    @classmethod
    def of_template(cls) -> Deployed:
        from infra.local.packaging import load_template

        template = load_template()
        defaults = template.get("Globals", {}).get("Function", {})
        resources = template["Resources"]
        memory, architectures = {}, set()
        for function, logical_id in FUNCTION_RESOURCES.items():
            properties = {**defaults, **resources[logical_id]["Properties"]}
            memory[function] = int(properties["MemorySize"]) / 1024
            architectures.update(properties["Architectures"])
        if architectures != {"arm64"}:
            raise AssertionError(f"the prices are arm64's; the template says {architectures}")
        queues = 0
        for rule in resources.values():
            if rule["Type"] != "AWS::Events::Rule":
                continue
            types = rule["Properties"].get("EventPattern", {}).get("detail-type")
            if types is None or "StatementIssued" in types:
                targets = rule["Properties"].get("Targets", [])
                queues += sum(1 for t in targets if "Queue" in str(t))
        return cls(memory, queues)


def _transitions(batches: int) -> int:
    """Standard-workflow state transitions of a run that completes: the states entered on the
    workflow's success path (a Choice's first rule), and per batch its child execution's states
    plus one for the child's start."""
    machine = json.loads((REPO / "infra" / "statemachines" / "billing_cycle.asl.json").read_text())

    def path(states: dict[str, Any], start: str) -> list[dict[str, Any]]:
        visited, name = [], start
        while name is not None:
            state = states[name]
            visited.append(state)
            name = state["Choices"][0]["Next"] if state["Type"] == "Choice" else state.get("Next")
        return visited

    top = path(machine["States"], machine["StartAt"])
    per_batch = sum(
        1 + len(path(s["ItemProcessor"]["States"], s["ItemProcessor"]["StartAt"]))
        for s in top
        if s["Type"] == "Map"
    )
    return len(top) + per_batch * batches


def _cost(
    window: Window, billed: int, tasks: Tasks, batches: int, render_s: float
) -> tuple[list[Figure], dict[str, float]]:
    """A 300,000-account cycle at ca-central-1 list prices, scaled from this run: DynamoDB's
    request units from the items' sizes, each function's duration at its deployed memory (every
    statement's PDF rendered at the sampled median), the workflow's transitions, S3 PUTs,
    EventBridge events and their SQS deliveries as counted here. Not included: what the
    events' consumers then do (the audit writer, autopay), CloudWatch Logs, storage."""
    deployed = Deployed.of_template()
    scale = 300_000 / billed
    sampled = sum(tasks.renderer.seconds)
    seconds = {
        "billing-tasks": sum(
            sum(durations)
            for task, durations in tasks.seconds.items()
            if task != "issue_statements"
        ),
        "statement-renderer": sum(tasks.seconds["issue_statements"]) - sampled + billed * render_s,
    }
    invocations = sum(len(durations) for durations in tasks.seconds.values())
    events = window.billed("eventbridge", "PutEvents")
    usd = {
        "dynamodb_reads": window.read_units * PRICES["dynamodb_read_request_unit"],
        "dynamodb_writes": window.write_units * PRICES["dynamodb_write_request_unit"],
        "lambda_billing_tasks": seconds["billing-tasks"]
        * deployed.memory_gb["billing-tasks"]
        * PRICES["lambda_gb_second_arm"],
        "lambda_statement_renderer": seconds["statement-renderer"]
        * deployed.memory_gb["statement-renderer"]
        * PRICES["lambda_gb_second_arm"],
        "lambda_requests": invocations * PRICES["lambda_request"],
        "step_functions": _transitions(batches) * PRICES["step_functions_transition"],
        "s3_puts": window.billed("s3", "PutObject") * PRICES["s3_put"],
        "eventbridge": events * PRICES["eventbridge_event"],
        "sqs": events
        * deployed.statement_issued_queues
        * SQS_REQUESTS_PER_MESSAGE
        * PRICES["sqs_request"],
    }
    usd = {item: value * scale for item, value in usd.items()}
    lambda_hours = sum(seconds.values()) * scale / 3600
    figures = [figure(f"cycle_300k_{item}_usd", value, "USD") for item, value in usd.items()]
    figures += [
        figure("cycle_300k_total_usd", sum(usd.values()), "USD"),
        figure("cycle_300k_lambda_hours", lambda_hours, "h"),
        figure("cycle_read_request_units_per_account", window.read_units / billed, "RRU"),
        figure("cycle_write_request_units_per_account", window.write_units / billed, "WRU"),
        figure("cycle_billing_tasks_memory_gb", deployed.memory_gb["billing-tasks"], "GB"),
        figure(
            "cycle_statement_renderer_memory_gb", deployed.memory_gb["statement-renderer"], "GB"
        ),
    ]
    return figures, usd


def run() -> list[Figure]:
    import boto3
    from moto import mock_aws
    from moto.awslambda_simple.models import LambdaSimpleBackend
    from moto.core.config import default_user_config
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

    quiet_logging()
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.update(_environment())
    meter = RequestUnits(REGION)
    meter.install()
    executing = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
    with (
        mock_aws(),
        patch.dict(default_user_config, executing),
        partition_queries(),
        patch.object(retrier_decl, "time", SimpleNamespace(sleep=lambda seconds: None)),
    ):
        from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
        from civiq.accounts.services.recording import Recorder
        from civiq.billing.adapters.dynamodb import DynamoCycles, DynamoRuns
        from civiq.billing.domain.cycles import Outcome
        from civiq.billing.services.cycles import DefineCycle, StartRun
        from civiq.core.audit import AuditEntry
        from civiq.core.clock import SystemClock
        from civiq.core.events import Actor
        from civiq.core.ids import UlidGenerator
        from civiq.platform.dynamodb.table import configure_models
        from civiq.platform.stepfunctions import StepFunctionsWorkflow
        from civiq.rates.adapters.dynamodb import DynamoRateSchedules
        from civiq.rates.schemas.rates import NewRateSchedule
        from infra.local import dynamodb_transactions
        from infra.local.demo import ACCOUNTS as OPEN_ACCOUNT
        from infra.local.demo import load_direct, municipality
        from infra.local.demo_billing import cycle
        from infra.local.demo_rates import sample_schedule

        dynamodb_transactions.install()
        tasks = Tasks()
        with patch.object(
            LambdaSimpleBackend, "invoke", lambda backend, *call: tasks.invoke(*call)
        ):
            machine = _setup_aws(tasks)
            configure_models(TABLE, f"{TABLE}-ledger", REGION, None)
            plan = municipality(accounts=ACCOUNTS, seed=SEED)
            loaded = load_direct(plan)
            note(f"loaded {loaded.accounts} accounts, {loaded.items} items: {loaded.seconds:.0f} s")
            repository = DynamoAccountRepository()
            opened = [i for i, call in enumerate(plan.calls) if call.path == OPEN_ACCOUNT]
            accounts = [repository.get(loaded.ids[i]) for i in opened]
            started = time.monotonic()
            reads = _meters_and_reads(accounts)
            note(f"{reads} reads in {time.monotonic() - started:.0f} s")
            entry = AuditEntry("B1", "RATE#bench", "Bench", "b", "b", datetime.now(UTC), "b", {})
            schedule = NewRateSchedule.model_validate_json(json.dumps(sample_schedule()))
            DynamoRateSchedules().save(None, schedule.to_domain(), entry)
            recorder = Recorder(SystemClock(), UlidGenerator())
            actor = Actor("bench-supervisor", "supervisor")
            DefineCycle(DynamoCycles(), DynamoRateSchedules(), recorder).create(
                cycle(), actor, "bench"
            )
            sfn = boto3.client("stepfunctions", region_name=REGION)
            start = StartRun(
                DynamoCycles(), DynamoRuns(), StepFunctionsWorkflow(sfn, machine), recorder
            )

            def bill(period_end: date) -> str:
                run = start("residential", period_end, actor, "bench")
                execution = machine.replace(":stateMachine:", ":execution:") + f":{run.run_id}-1"
                while sfn.describe_execution(executionArn=execution)["status"] == "RUNNING":
                    time.sleep(1)
                return run.run_id

            started = time.monotonic()
            first = DynamoRuns().get(bill(FIRST_PERIOD_END))
            paid = _payments(accounts)
            elapsed = time.monotonic() - started
            note(f"first run: {first.counts}, then {paid} payments: {elapsed:.0f} s")
            tasks.reset()
            usage_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            with meter.window() as window:
                began = time.monotonic()
                run_id = bill(PERIOD_END)
                wall = time.monotonic() - began
            finished = DynamoRuns().get(run_id)
            peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    billed = finished.counts.get(Outcome.BILLED, 0)
    if tasks.errors or billed == 0:
        raise AssertionError(f"the run did not bill: {finished}, errors {tasks.errors[:3]}")
    requests = window.operations()
    render_s = statistics.median(tasks.renderer.seconds)
    issue_s = sum(tasks.seconds["issue_statements"]) - sum(tasks.renderer.seconds)
    note(f"run {finished.status}: {finished.counts} in {wall:.0f} s; requests {dict(requests)}")
    figures = [
        figure("cycle_accounts_selected", finished.selected, "accounts"),
        figure("cycle_accounts_billed", billed, "accounts"),
        figure("cycle_batches", finished.batches, "batches"),
        figure("cycle_wall_s", wall, "s"),
        figure("cycle_accounts_billed_per_s", billed / wall, "accounts/s"),
        figure("cycle_dynamodb_requests_per_account", window.count / billed, "requests"),
        *(
            figure(f"cycle_{op.lower()}_per_account", n / billed, "requests")
            for op, n in sorted(requests.items())
        ),
        figure(
            "cycle_bill_batch_cpu_median_s", statistics.median(tasks.seconds["bill_batch"]), "s"
        ),
        figure("cycle_statements_rendered_by_weasyprint", len(tasks.renderer.seconds), "PDFs"),
        figure("cycle_render_cpu_median_ms", 1000 * render_s, "ms"),
        figure("cycle_store_and_announce_cpu_ms_per_statement", 1000 * issue_s / billed, "ms"),
        figure(
            "cycle_wall_s_every_pdf_rendered_projected",
            wall + (billed - len(tasks.renderer.seconds)) * render_s,
            "s",
        ),
        figure("cycle_process_peak_rss_mb", peak_kb / 1024, "MB"),
        figure("cycle_process_rss_growth_during_run_mb", (peak_kb - usage_before) / 1024, "MB"),
    ]
    for operation, site, count, rru, wru in window.by_site():
        note(
            f"{operation} {site}: {count / billed:.3f} per account, "
            f"{rru / billed:.2f} RRU, {wru / billed:.2f} WRU"
        )
        if operation == "TransactWriteItems" and wru / billed >= 1:
            parts = ", ".join(f"{k} {u / billed:.2f}" for k, u in window.parts(site).items())
            note(f"  its WRU per account by item: {parts}")
    cost, usd = _cost(window, billed, tasks, finished.batches, render_s)
    note("300,000 accounts: " + ", ".join(f"{item} ${value:.2f}" for item, value in usd.items()))
    return figures + cost


if __name__ == "__main__":
    run_benchmark("billing_cycle", run)
