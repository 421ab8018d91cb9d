"""Step Functions tasks of the move and transfer workflows: one service call per ``task``.

Adapters are built once per cold start; each call builds its services with ids derived from the
execution and the task (a retried task regenerates the same ids and finds its work done). A
domain error leaves as the Lambda error type (NotFound, Conflict, VersionConflict...), which the
state machines retry or let fail by name.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.adapters.dynamodb_changes import DynamoChanges
from civiq.accounts.adapters.dynamodb_customers import DynamoCustomerRepository
from civiq.accounts.adapters.dynamodb_properties import DynamoPropertyRepository
from civiq.accounts.adapters.dynamodb_workflows import (
    DynamoBalances,
    DynamoMilestones,
    DynamoTransfers,
)
from civiq.accounts.config import WorkflowTaskSettings
from civiq.accounts.domain.account_numbers import AccountNumberScheme
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
from civiq.accounts.services.moves import RecordMoveIn, RecordMoveOut
from civiq.accounts.services.recording import Recorder
from civiq.accounts.services.settle_account import SettleAccount
from civiq.accounts.services.transfers import (
    CompleteTransfer,
    EscalateTransfer,
    FinalBillSeller,
    OpenBuyerAccounts,
    RecordNewOwner,
    RequestApproval,
    SettleSellerAccounts,
)
from civiq.accounts.services.workflow_steps import FinalBill
from civiq.core.clock import SystemClock
from civiq.core.ids import DeterministicIds
from civiq.core.publishing import PublishEvents
from civiq.platform import aws
from civiq.platform.dynamodb.outbox import DynamoOutbox
from civiq.platform.dynamodb.table import configure_models
from civiq.platform.eventbridge import EventBridgePublisher
from civiq.platform.stepfunctions import StepFunctionsCallbacks

logger = Logger(service="civiq-workflow-tasks")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@dataclass(frozen=True)
class Adapters:
    settings: WorkflowTaskSettings
    accounts: DynamoAccountRepository
    properties: DynamoPropertyRepository
    customers: DynamoCustomerRepository
    changes: DynamoChanges
    events: PublishEvents
    balances: DynamoBalances
    milestones: DynamoMilestones
    transfers: DynamoTransfers
    callbacks: StepFunctionsCallbacks
    numbering: AccountNumberScheme
    clock: SystemClock

    def recorder(self, ids: DeterministicIds) -> Recorder:
        return Recorder(self.clock, ids, ZoneInfo(self.settings.municipal_time_zone))

    def final_bill(self, ids: DeterministicIds) -> FinalBill:
        return FinalBill(self.accounts, self.changes, self.events, self.recorder(ids))

    def settle(self, ids: DeterministicIds) -> SettleAccount:
        return SettleAccount(
            self.accounts,
            self.balances,
            self.changes,
            self.events,
            self.recorder(ids),
            self.settings.tenant_arrears_policy,
        )


@cache
def adapters() -> Adapters:
    settings = WorkflowTaskSettings()
    configure_models(settings.table_name, settings.aws_region, settings.aws_endpoint_url)
    region, endpoint = settings.aws_region, settings.aws_endpoint_url
    bus = settings.event_bus_name
    publisher = EventBridgePublisher(aws.client("events", region, endpoint), bus)
    return Adapters(
        settings=settings,
        accounts=DynamoAccountRepository(),
        properties=DynamoPropertyRepository(),
        customers=DynamoCustomerRepository(),
        changes=DynamoChanges(),
        events=PublishEvents(DynamoOutbox(), publisher),
        balances=DynamoBalances(),
        milestones=DynamoMilestones(),
        transfers=DynamoTransfers(),
        callbacks=StepFunctionsCallbacks(aws.client("stepfunctions", region, endpoint)),
        numbering=AccountNumberScheme(
            settings.account_number_prefix, settings.account_number_width
        ),
        clock=SystemClock(),
    )


# ---------------------------------------------------------------- move tasks


def move_out(task: MoveOutTask, ids: DeterministicIds) -> dict[str, Any]:
    record = RecordMoveOut(adapters().final_bill(ids))
    account, now = record(
        task.move_id, task.move_out.to_command(), task.actor.to_domain(), task.correlation_id
    )
    return {
        "account_id": account.account_id,
        "account_number": account.account_number,
        "status": account.status.value,
        "recorded_now": now,
    }


def settle_account(task: SettleAccountTask, ids: DeterministicIds) -> dict[str, Any]:
    settle = adapters().settle(ids)
    account, settlement, balance = settle(
        task.account_id, task.actor.to_domain(), task.correlation_id
    )
    return {
        "account_id": account.account_id,
        "status": account.status.value,
        "settlement": settlement.value,
        "balance": f"{balance.rounded().amount:.2f}",
    }


def move_in(task: MoveInTask, ids: DeterministicIds) -> dict[str, Any]:
    a = adapters()
    record = RecordMoveIn(
        a.accounts,
        a.properties,
        a.customers,
        a.changes,
        a.events,
        a.milestones,
        a.numbering,
        a.clock,
    )
    account = record(
        task.move_id, task.move_in.to_command(), ids, task.actor.to_domain(), task.correlation_id
    )
    return {
        "account_id": account.account_id,
        "account_number": account.account_number,
        "status": account.status.value,
    }


# ---------------------------------------------------------------- transfer tasks


def request_approval(task: RequestApprovalTask, ids: DeterministicIds) -> dict[str, Any]:
    a = adapters()
    status = RequestApproval(a.transfers, a.callbacks)(task.transfer_id, task.task_token)
    return {"status": status.value}


def escalate(task: EscalateTask, ids: DeterministicIds) -> dict[str, Any]:
    a = adapters()
    escalate = EscalateTransfer(a.transfers, a.events, a.recorder(ids))
    return {"escalated": escalate(task.transfer_id, task.escalation, task.correlation_id)}


def closing_step(task: ClosingTask, ids: DeterministicIds) -> dict[str, Any]:
    a = adapters()
    cid = task.correlation_id
    if task.task == "final_bill_seller":
        billed = FinalBillSeller(a.transfers, a.final_bill(ids))(task.transfer_id, cid)
        return {"account_ids": billed}
    if task.task == "settle_seller_accounts":
        settled = SettleSellerAccounts(a.transfers, a.settle(ids))(task.transfer_id, cid)
        return {"settlements": {k: v.value for k, v in settled.items()}}
    if task.task == "record_new_owner":
        record = RecordNewOwner(
            a.transfers,
            a.accounts,
            a.properties,
            a.customers,
            a.changes,
            a.events,
            a.recorder(ids),
        )
        return {"tenant_account_ids": record(task.transfer_id, cid)}
    open_accounts = OpenBuyerAccounts(
        a.transfers,
        a.accounts,
        a.properties,
        a.customers,
        a.changes,
        a.events,
        a.numbering,
        a.clock,
    )
    return {"account_ids": open_accounts(task.transfer_id, ids, cid)}


def complete_transfer(task: CompleteTransferTask, ids: DeterministicIds) -> dict[str, Any]:
    a = adapters()
    complete = CompleteTransfer(a.transfers, a.events, a.recorder(ids))
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


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    task = TaskEnvelope.model_validate_json(json.dumps({"task": event})).task
    logger.set_correlation_id(task.correlation_id)
    logger.append_keys(task=task.task, execution=task.execution)
    ids = DeterministicIds(f"{task.execution}/{task.task}")
    if isinstance(task, EscalateTask):  # each escalation is its own step
        ids = ids.child(str(task.escalation))
    result = TASKS[type(task)](task, ids)
    logger.info("task done", extra={"result": result})
    return result
