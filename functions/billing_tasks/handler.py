"""Step Functions tasks of the billing-cycle workflow: prepare, bill a batch, summarize.

Adapters are built once per cold start. A batch's ids derive from the run and the batch, so a
retried batch regenerates the same history ids; statements are unique per account and period,
so it never bills twice. A domain error on one account is reported in the run and the batch goes
on; anything else fails the task, which the workflow retries.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from pydantic import TypeAdapter

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.adapters.dynamodb_properties import DynamoPropertyRepository
from civiq.accounts.adapters.dynamodb_workflows import DynamoBalances
from civiq.accounts.services.recording import Recorder
from civiq.billing.adapters.dynamodb import DynamoRuns, DynamoStatements
from civiq.billing.config import BillingTaskSettings
from civiq.billing.domain.cycles import Outcome
from civiq.billing.schemas.tasks import BillBatchTask, PrepareTask, SummarizeTask
from civiq.billing.services.billing import BillAccount, BillBatch
from civiq.billing.services.cycles import PrepareRun, SummarizeRun
from civiq.core.clock import SystemClock
from civiq.core.ids import DeterministicIds, UlidGenerator
from civiq.metering.adapters.dynamodb import DynamoMetering
from civiq.metering.services.readings import RecordEstimate
from civiq.platform import aws
from civiq.platform.dynamodb.table import configure_models
from civiq.platform.s3 import S3RunManifests
from civiq.rates.adapters.dynamodb import DynamoRateSchedules

logger = Logger(service="civiq-billing-tasks")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})

TASK: TypeAdapter[PrepareTask | BillBatchTask | SummarizeTask] = TypeAdapter(
    PrepareTask | BillBatchTask | SummarizeTask
)


@dataclass(frozen=True)
class Adapters:
    settings: BillingTaskSettings
    accounts: DynamoAccountRepository
    properties: DynamoPropertyRepository
    metering: DynamoMetering
    statements: DynamoStatements
    runs: DynamoRuns
    rates: DynamoRateSchedules
    balances: DynamoBalances
    manifests: S3RunManifests
    clock: SystemClock

    def recorder(self, ids: DeterministicIds | UlidGenerator) -> Recorder:
        return Recorder(self.clock, ids, ZoneInfo(self.settings.municipal_time_zone))


@cache
def adapters() -> Adapters:
    settings = BillingTaskSettings()
    configure_models(settings.table_name, settings.aws_region, settings.aws_endpoint_url)
    s3 = aws.client("s3", settings.aws_region, settings.aws_endpoint_url)
    return Adapters(
        settings=settings,
        accounts=DynamoAccountRepository(),
        properties=DynamoPropertyRepository(),
        metering=DynamoMetering(),
        statements=DynamoStatements(),
        runs=DynamoRuns(),
        rates=DynamoRateSchedules(),
        balances=DynamoBalances(),
        manifests=S3RunManifests(s3, settings.documents_bucket),
        clock=SystemClock(),
    )


def prepare(task: PrepareTask) -> dict[str, Any]:
    a = adapters()
    return PrepareRun(a.accounts, a.runs, a.manifests)(task.run_id, task.routes)


def bill_batch(task: BillBatchTask) -> dict[str, Any]:
    a = adapters()
    ids = DeterministicIds(f"{task.run_id}/batch-{task.batch}")
    run = a.runs.get(task.run_id)
    schedule = a.rates.get(run.rate_schedule_id)
    recorder = a.recorder(ids)
    estimate = RecordEstimate(a.metering, a.metering, a.metering, recorder)
    bill_account = BillAccount(
        a.accounts,
        a.properties,
        a.metering,
        a.metering,
        a.statements,
        a.balances,
        estimate,
        a.clock,
        ids,
    )
    outcomes = BillBatch(bill_account, a.runs)(run, task.batch, task.account_ids, schedule)
    billed = [
        {"account_id": o.account_id, "statement_id": o.statement_id}
        for o in outcomes
        if o.outcome is Outcome.BILLED
    ]
    logger.info(
        "batch billed", extra={"run_id": run.run_id, "batch": task.batch, "billed": len(billed)}
    )
    return {"billed": billed}


def summarize(task: SummarizeTask) -> dict[str, Any]:
    a = adapters()
    run = SummarizeRun(a.runs, a.recorder(UlidGenerator()))(task.run_id)
    return {"status": run.status.value, "counts": {k.value: v for k, v in run.counts.items()}}


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    task = TASK.validate_python(event)
    logger.set_correlation_id(task.run_id)
    if isinstance(task, PrepareTask):
        return prepare(task)
    if isinstance(task, BillBatchTask):
        return bill_batch(task)
    return summarize(task)
