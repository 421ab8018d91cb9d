"""Step Functions tasks of the move and transfer workflows: one service call per ``task``.

Adapters are built once per cold start; each call builds its services with ids derived from the
execution and the task (a retried task regenerates the same ids and finds its work done; so does
a rerun from the staff work queue, whose ids come from the first run's name). A
domain error leaves as the Lambda error type (NotFound, Conflict, VersionConflict...), which the
state machines retry or let fail by name.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from civiq.accounts import wiring
from civiq.accounts.config import WorkflowTaskSettings
from civiq.accounts.schemas.workflow_tasks import (
    ClosingTask,
    CompleteTransferTask,
    EscalateTask,
    MoveInTask,
    MoveOutTask,
    RequestApprovalTask,
    SettleAccountTask,
    TaskEnvelope,
)
from civiq.billing.wiring import billing_requirements
from civiq.core.ids import DeterministicIds
from civiq.core.reruns import first_run_name

logger = Logger(service="civiq-workflow-tasks")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def tasks() -> wiring.WorkflowTasks:
    settings = WorkflowTaskSettings()
    return wiring.workflow_tasks(settings, billing_requirements(settings))


# ---------------------------------------------------------------- move tasks


def move_out(task: MoveOutTask, ids: DeterministicIds) -> dict[str, Any]:
    billed = tasks().record_move_out(ids)(
        task.move_id, task.move_out.to_command(), task.actor.to_domain(), task.correlation_id
    )
    return {
        "account_id": billed.account.account_id,
        "account_number": billed.account.account_number,
        "status": billed.account.status.value,
        "recorded_now": billed.now,
        "final_bills": [billed.request] if billed.request else [],
    }


def settle_account(task: SettleAccountTask, ids: DeterministicIds) -> dict[str, Any]:
    account, settlement, balance = tasks().settle(ids)(
        task.account_id, task.actor.to_domain(), task.correlation_id
    )
    return {
        "account_id": account.account_id,
        "status": account.status.value,
        "settlement": settlement.value,
        "balance": f"{balance.rounded().amount:.2f}",
    }


def move_in(task: MoveInTask, ids: DeterministicIds) -> dict[str, Any]:
    account = tasks().record_move_in()(
        task.move_id, task.move_in.to_command(), ids, task.actor.to_domain(), task.correlation_id
    )
    return {
        "account_id": account.account_id,
        "account_number": account.account_number,
        "status": account.status.value,
    }


# ---------------------------------------------------------------- transfer tasks


def request_approval(task: RequestApprovalTask, ids: DeterministicIds) -> dict[str, Any]:
    status = tasks().request_approval()(task.transfer_id, task.task_token)
    return {"status": status.value}


def escalate(task: EscalateTask, ids: DeterministicIds) -> dict[str, Any]:
    escalated = tasks().escalate(ids)(task.transfer_id, task.escalation, task.correlation_id)
    return {"escalated": escalated}


def closing_step(task: ClosingTask, ids: DeterministicIds) -> dict[str, Any]:
    t = tasks()
    cid = task.correlation_id
    if task.task == "final_bill_seller":
        return {"final_bills": t.final_bill_seller(ids)(task.transfer_id, cid)}
    if task.task == "settle_seller_accounts":
        settled = t.settle_seller_accounts(ids)(task.transfer_id, cid)
        return {"settlements": {k: v.value for k, v in settled.items()}}
    if task.task == "record_new_owner":
        return {"tenant_account_ids": t.record_new_owner(ids)(task.transfer_id, cid)}
    return {"account_ids": t.open_buyer_accounts()(task.transfer_id, ids, cid)}


def complete_transfer(task: CompleteTransferTask, ids: DeterministicIds) -> dict[str, Any]:
    complete = tasks().complete_transfer(ids)
    transfer = complete(task.transfer_id, task.buyer_account_ids, task.correlation_id)
    return {"status": transfer.status.value}


TASKS: dict[type, Callable[[Any, DeterministicIds], dict[str, Any]]] = {
    MoveOutTask: move_out,
    SettleAccountTask: settle_account,
    MoveInTask: move_in,
    RequestApprovalTask: request_approval,
    EscalateTask: escalate,
    ClosingTask: closing_step,
    CompleteTransferTask: complete_transfer,
}


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    task = TaskEnvelope.model_validate_json(json.dumps({"task": event})).task
    logger.set_correlation_id(task.correlation_id)
    logger.append_keys(task=task.task, execution=task.execution)
    ids = DeterministicIds(f"{first_run_name(task.execution)}/{task.task}")
    if isinstance(task, EscalateTask):  # each escalation is its own step
        ids = ids.child(str(task.escalation))
    result = TASKS[type(task)](task, ids)
    logger.info("task done", extra={"result": result})
    return result
