"""Step Functions tasks of the billing-cycle workflow: prepare, bill a batch, summarize (a run
that did not complete then fails the workflow, into the staff work queue).

Adapters are built once per cold start. A batch's ids derive from the run and the batch, so a
retried batch regenerates the same history ids; statements are unique per account and period,
so it never bills twice. A domain error on one account is reported in the run and the batch goes
on; anything else fails the task, which the workflow retries.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from pydantic import TypeAdapter

from civiq.billing import wiring
from civiq.billing.config import BillingTaskSettings
from civiq.billing.domain.cycles import Outcome
from civiq.billing.schemas.tasks import BillBatchTask, PrepareTask, SummarizeTask
from civiq.core.ids import DeterministicIds

logger = Logger(service="civiq-billing-tasks")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})

TASK: TypeAdapter[PrepareTask | BillBatchTask | SummarizeTask] = TypeAdapter(
    PrepareTask | BillBatchTask | SummarizeTask
)


@cache
def tasks() -> wiring.BillingTasks:
    return wiring.billing_tasks(BillingTaskSettings())


def prepare(task: PrepareTask) -> dict[str, Any]:
    return tasks().prepare()(task.run_id, task.routes)


def bill_batch(task: BillBatchTask) -> dict[str, Any]:
    t = tasks()
    run = t.runs.get(task.run_id)
    schedule = t.rates.get(run.rate_schedule_id)
    bill = t.bill_batch(DeterministicIds(f"{task.run_id}/batch-{task.batch}"))
    outcomes = bill(run, task.batch, task.account_ids, schedule)
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
    """The run's status and counts, and in words for the work item of a run that did not
    complete."""
    run = tasks().summarize()(task.run_id)
    return {
        "status": run.status.value,
        "counts": {k.value: v for k, v in run.counts.items()},
        "summary": run.summary(),
    }


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    task = TASK.validate_python(event)
    logger.set_correlation_id(task.run_id)
    if isinstance(task, PrepareTask):
        return prepare(task)
    if isinstance(task, BillBatchTask):
        return bill_batch(task)
    return summarize(task)
