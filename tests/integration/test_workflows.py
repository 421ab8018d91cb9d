"""The move and transfer state machines, their real ASL run by moto's Step Functions interpreter
in this process. Every Lambda task calls functions/workflow_tasks/handler.py against moto's
DynamoDB, EventBridge and Step Functions (the API's decision service answers task tokens).

What the HTTP e2e tests cannot do is done here: both tenant-arrears policies (a stack has one),
the ledger's balance written at settlement time, and every task reported failed after it did
its work (a lost response), so Step Functions retries it and the retry must change nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any
from unittest.mock import patch

import boto3
import pytest

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.adapters.dynamodb_changes import DynamoChanges
from civiq.accounts.adapters.dynamodb_customers import DynamoCustomerRepository
from civiq.accounts.adapters.dynamodb_properties import DynamoPropertyRepository
from civiq.accounts.adapters.dynamodb_workflows import DynamoBalances, DynamoTransfers
from civiq.accounts.domain.accounts import Account, AccountStatus, HolderRole, Service, ServiceType
from civiq.accounts.domain.properties import PropertyType
from civiq.accounts.domain.transfers import Decision, TransferStatus
from civiq.accounts.services.open_account import OpenAccountCommand
from civiq.accounts.services.properties import NewProperty
from civiq.accounts.services.recording import Recorder, Step
from civiq.accounts.services.transfers import DecideTransfer, workflow_input
from civiq.billing.adapters.dynamodb import DynamoCycles, DynamoStatements
from civiq.billing.domain.statements import StatementKind
from civiq.billing.services.requirements import CycleRequirements
from civiq.core.addresses import Address
from civiq.core.clock import SystemClock
from civiq.core.dates import MUNICIPAL_TIME_ZONE
from civiq.core.events import Actor
from civiq.core.ids import UlidGenerator
from civiq.core.money import Money
from civiq.ledger.adapters.dynamodb_fees import DynamoFeeCatalogues
from civiq.ledger.domain.fees import FINAL_READ, Fee, FeeCatalogue, FeeTax, FeeVersion
from civiq.ledger.services.fees import ConfigureFees
from civiq.metering.adapters.dynamodb import DynamoMetering
from civiq.platform.dynamodb import keys
from civiq.platform.dynamodb.audit import DynamoAuditLog
from civiq.platform.stepfunctions import StepFunctionsCallbacks, StepFunctionsWorkflow
from civiq.rates.adapters.dynamodb import DynamoRateSchedules
from tests.helpers.emulator import REGION, TABLE
from tests.helpers.polling import wait_for
from tests.helpers.workflows import (
    STORMWATER_ONLY,
    Harness,
    define_cycle,
    events,
    executing_workflows,
    open_account,
    person,
    recorder,
)

CLERK = {"subject": "clerk-7", "role": "clerk"}
SUPERVISOR = Actor("supervisor-3", "supervisor")
APPROVER = Actor("supervisor-4", "supervisor")  # four eyes: not the supervisor who submitted
APPROVAL_TIMEOUT_S = 2
ALL_SERVICES = tuple(Service(kind, date(2025, 1, 1)) for kind in ServiceType)


@pytest.fixture(params=["stay-with-tenant"])
def policy(request: pytest.FixtureRequest) -> str:
    return str(request.param)


TASK_FUNCTIONS = {
    "workflow-tasks": "workflow_tasks",
    "final-bill": "final_bill",
    "work-queue": "work_queue",
}


@pytest.fixture
def harness(aws: None, monkeypatch: pytest.MonkeyPatch, policy: str) -> Iterator[Harness]:
    with executing_workflows(monkeypatch, TASK_FUNCTIONS, TENANT_ARREARS_POLICY=policy) as harness:
        functions = {
            "WorkflowTasksFunctionArn": harness.arns["workflow-tasks"],
            "FinalBillFunctionArn": harness.arns["final-bill"],
            "WorkQueueFunctionArn": harness.arns["work-queue"],
        }
        harness.create_machine("move", "move.asl.json", **functions)
        timeout = str(APPROVAL_TIMEOUT_S)
        harness.create_machine(
            "transfer", "transfer.asl.json", ApprovalTimeoutSeconds=timeout, **functions
        )
        yield harness


# ------------------------------------------------------------------ data, through the services


def duplex() -> tuple[Account, Account]:
    """An owner in unit 1 and a tenant in unit 2, on a route a cycle bills (a flat stormwater
    charge: their final bills need no reads)."""
    define_cycle(STORMWATER_ONLY)
    owner = open_account(
        OpenAccountCommand(
            customer=person("Olivia Owner"),
            property=NewProperty(
                Address("12 Rue Principale", "Gatineau", "QC", "J8X 1A1"),
                PropertyType.MULTI_RESIDENTIAL,
                units=("1", "2"),
            ),
            unit="1",
            services=ALL_SERVICES,
        )
    )
    tenant = open_account(
        OpenAccountCommand(
            customer=person("Tom Tenant"),
            property=owner.property_id,
            holder_role=HolderRole.TENANT,
            unit="2",
            services=ALL_SERVICES,
        )
    )
    return owner, tenant


def ledger_balance(account_id: str, cents: int) -> None:
    """What the ledger will do: keep the balance on the account item."""
    boto3.client("dynamodb", region_name=REGION).update_item(
        TableName=TABLE,
        Key={"PK": {"S": keys.account_pk(account_id)}, "SK": {"S": keys.ACCOUNT_SK}},
        UpdateExpression="SET balance_cents = :b",
        ExpressionAttributeValues={":b": {"N": str(cents)}},
    )


def history(subject_id: str) -> list[str]:
    return [e.action for e in DynamoAuditLog().entries_for(subject_id, 100, None).items]


def account(account_id: str) -> Account:
    return DynamoAccountRepository().get(account_id)


def move_input(move_id: str, **parts: Any) -> dict[str, Any]:
    """As the API starts the workflow: both parts present, null when absent."""
    return {
        "move_id": move_id,
        "actor": CLERK,
        "correlation_id": f"cid-{move_id}",
        "move_out": None,
        "move_in": None,
        **parts,
    }


def move_out_part(account_id: str) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "move_out_date": "2026-11-20",
        "final_reading": {"value_m3": "321.5"},
    }


# ------------------------------------------------------------------ balances adapter


def test_balance_is_the_ledgers_integer_cents_on_the_account_item(aws: None) -> None:
    owner, _ = duplex()
    balances = DynamoBalances()
    assert balances.balance_of(owner.account_id) == Money.zero()  # absent: nothing owed
    ledger_balance(owner.account_id, 12345)
    assert str(balances.balance_of(owner.account_id)) == "123.45 CAD"
    with pytest.raises(Exception, match="no account"):
        balances.balance_of("NOPE")


def test_an_account_change_keeps_the_ledgers_balance(aws: None) -> None:
    _, tenant = duplex()
    ledger_balance(tenant.account_id, 2500)
    before = account(tenant.account_id)
    after = before.moved_out(date(2026, 11, 20))
    step = Step(after, "MoveOutCompleted", before)
    DynamoChanges().commit(Recorder(SystemClock(), UlidGenerator()).change([step], SUPERVISOR, "c"))
    assert DynamoBalances().balance_of(tenant.account_id).amount == 25


# ------------------------------------------------------------------ move workflow


@pytest.mark.parametrize(
    ("policy", "owed_cents", "status", "settlement", "arrears"),
    [
        ("stay-with-tenant", 0, "closed", "closed", False),
        ("stay-with-tenant", 2500, "final-billed", "awaiting-payment", False),
        ("roll-to-owner", 2500, "closed", "arrears-rolled-to-owner", True),
    ],
    indirect=["policy"],
    ids=["zero-balance", "stays-with-tenant", "rolls-to-owner"],
)
def test_move_out_settles_by_balance_and_policy(
    harness: Harness, owed_cents: int, status: str, settlement: str, arrears: bool
) -> None:
    owner, tenant = duplex()
    # the ledger posts the balance before the account settles
    harness.before["settle_account"] = lambda _: ledger_balance(tenant.account_id, owed_cents)
    arn = harness.run("move", "MV1", move_input("MV1", move_out=move_out_part(tenant.account_id)))
    done = harness.finished(arn)
    assert done["status"] == "SUCCEEDED", done.get("cause")
    output = json.loads(done["output"])
    assert output["settlement"] == {
        "status": status,
        "settlement": settlement,
        "balance": f"{owed_cents / 100:.2f}",
    }
    assert account(tenant.account_id).status.value == status
    actions = history(f"ACCOUNT#{tenant.account_id}")
    assert actions.count("FinalBillRequested") == actions.count("MoveOutCompleted") == 1
    assert ("AccountClosed" in actions) == (status == "closed")
    assert ("ArrearsTransferRequested" in actions) is arrears
    assert harness.states(arn) == [
        "HasMoveOut",
        "RecordMoveOut",
        "FinalBill",
        "SettleAccount",
        "HasMoveIn",
        "MoveDone",
    ]
    assert owner.account_id  # the owner's account is untouched
    assert account(owner.account_id).status is AccountStatus.ACTIVE


FORWARDING = {
    "street": "220 Bayfield St",
    "unit": "4",
    "city": "Barrie",
    "province": "ON",
    "postal_code": "L4M 3B9",
}


def assert_final_bill_forwarded(account_id: str) -> None:
    """The closing account keeps the forwarding address (its history shows it given) and its
    final bill is addressed to it."""
    forwarding = Address(**FORWARDING)
    assert account(account_id).forwarding_address == forwarding
    (statement,) = DynamoStatements().recent(account_id, 5)
    assert statement.kind is StatementKind.FINAL
    assert statement.recipient.mailing_address == forwarding
    entries = DynamoAuditLog().entries_for(f"ACCOUNT#{account_id}", 100, None).items
    (requested,) = [e for e in entries if e.action == "FinalBillRequested"]
    assert requested.detail["changes"]["forwarding_address.street"] == {
        "before": None,
        "after": "220 Bayfield St",
    }


def test_a_move_outs_final_bill_goes_to_its_forwarding_address(harness: Harness) -> None:
    _, tenant = duplex()
    part = {**move_out_part(tenant.account_id), "forwarding_address": FORWARDING}

    arn = harness.run("move", "MV3", move_input("MV3", move_out=part))

    done = harness.finished(arn)
    assert done["status"] == "SUCCEEDED", done.get("cause")
    assert_final_bill_forwarded(tenant.account_id)


def test_a_move_outs_final_bill_itemizes_the_final_read_fee_charged_once(harness: Harness) -> None:
    _, tenant = duplex()
    final_read = FeeVersion(
        date(2026, 1, 1),
        Decimal("30.00"),
        "Final meter reading fee",
        "Frais de relevé final",
        "4115-final-reads",
        FeeTax("HST", "TVH", Decimal("0.13")),
    )
    ConfigureFees(DynamoFeeCatalogues(), recorder())(
        FeeCatalogue.of([Fee(FINAL_READ, (final_read,))]), SUPERVISOR, "c-fees"
    )
    harness.lose_first.add("final-bill")  # it charged and billed, then is retried

    arn = harness.run("move", "MV4", move_input("MV4", move_out=move_out_part(tenant.account_id)))

    done = harness.finished(arn)
    assert done["status"] == "SUCCEEDED", done.get("cause")
    assert harness.calls.count("final-bill") == 2
    (statement,) = DynamoStatements().recent(tenant.account_id, 5)
    # 30.00 x 0.13 = 3.90, on the final statement (the tenant reads French)
    assert [(line.amount, line.text) for line in statement.since] == [
        (Decimal("30.00"), "Frais de relevé final"),
        (Decimal("3.90"), "TVH 13\u00a0% sur Frais de relevé final"),
    ]
    assert statement.total_due == statement.bill.total + Decimal("33.90")
    assert DynamoBalances().balance_of(tenant.account_id).amount == statement.total_due
    assert history(f"ACCOUNT#{tenant.account_id}").count("FeeCharged") == 1


def test_combined_move_with_every_response_lost_changes_nothing_twice(harness: Harness) -> None:
    owner, tenant = duplex()
    harness.lose_first_response = True
    move_in = {
        "property_id": owner.property_id,
        "unit": "2",
        "customer": {"name": "Nina Newcomer", "preferences": {"language": "en"}},
        "holder_role": "tenant",
        "move_in_date": "2026-11-21",
    }
    arn = harness.run(
        "move", "MV2", move_input("MV2", move_out=move_out_part(tenant.account_id), move_in=move_in)
    )
    done = harness.finished(arn)
    assert done["status"] == "SUCCEEDED", done.get("cause")
    assert harness.calls == [
        "move_out",
        "move_out",
        "final-bill",
        "final-bill",
        "settle_account",
        "settle_account",
        "move_in",
        "move_in",
    ]
    output = json.loads(done["output"])
    newcomer = account(output["move_in_result"]["account_id"])
    assert newcomer.holder.name == "Nina Newcomer"
    assert newcomer.owner_customer_id == owner.holder.customer_id
    assert [a.account_id for a in _accounts_of(owner.property_id)] == sorted(
        [owner.account_id, tenant.account_id, newcomer.account_id]
    )
    tenant_history = history(f"ACCOUNT#{tenant.account_id}")
    assert tenant_history.count("FinalBillRequested") == 1
    assert tenant_history.count("StatementIssued") == 1
    assert "AccountClosed" not in tenant_history  # it owes its final bill: it waits for payment
    assert_final_bill_owed(tenant.account_id)
    assert history(f"ACCOUNT#{newcomer.account_id}").count("AccountOpened") == 1
    assert history(f"ACCOUNT#{newcomer.account_id}").count("MoveInCompleted") == 1


def assert_final_bill_owed(account_id: str) -> None:
    """One final statement, issued (its PDF made), and the balance is what it bills."""
    (statement,) = DynamoStatements().recent(account_id, 5)
    assert statement.kind is StatementKind.FINAL and statement.document_key is not None
    assert statement.bill.total > 0
    assert DynamoBalances().balance_of(account_id).amount == statement.bill.total


def _accounts_of(property_id: str) -> list[Any]:
    summaries = DynamoAccountRepository().of_property(property_id)
    return sorted(summaries, key=lambda s: s.account_id)


# ------------------------------------------------------------------ transfer workflow


def submit(owner: Account, transfer_id: str = "TR1", **changes: Any) -> None:
    from civiq.accounts.services.transfers import SubmitTransfer, TransferCommand

    sfn = boto3.client("stepfunctions", region_name=REGION)
    machine = next(
        m["stateMachineArn"]
        for m in sfn.list_state_machines()["stateMachines"]
        if m["name"] == "transfer-workflow"
    )
    command = TransferCommand(
        transfer_id=transfer_id,
        property_id=owner.property_id,
        closing_date=changes.pop("closing_date", date(2026, 11, 25)),
        buyer=changes.pop("buyer", person("Bea Buyer")),
        forwarding_address=changes.pop("forwarding_address", None),
    )
    SubmitTransfer(
        DynamoAccountRepository(),
        DynamoPropertyRepository(),
        DynamoCustomerRepository(),
        DynamoTransfers(),
        StepFunctionsWorkflow(sfn, machine),
        SystemClock(),
        CycleRequirements(DynamoCycles(), DynamoRateSchedules(), DynamoMetering()),
    )(command, SUPERVISOR, "cid-transfer")


def decide(transfer_id: str, decision: Decision, reason: str | None = None) -> None:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    DecideTransfer(
        DynamoTransfers(),
        StepFunctionsCallbacks(sfn),
        events(),
        Recorder(SystemClock(), UlidGenerator()),
    )(transfer_id, decision, reason, APPROVER, "cid-decision")


def execution_of(harness: Harness, transfer_id: str) -> str:
    return StepFunctionsWorkflow(None, harness.machines["transfer"]).execution_arn(transfer_id)


def awaiting(transfer_id: str) -> bool:
    return DynamoTransfers().get(transfer_id).status is TransferStatus.AWAITING_APPROVAL


def waiting_on_token(harness: Harness, transfer_id: str) -> bool:
    """The workflow waits on a task token: RequestApproval returned, its write is done.

    A decision sent earlier could race that write, and moto's DynamoDB is not isolated: a
    failed TransactWriteItems restores the whole table as it was when it began, undoing a
    concurrent one (DynamoDB itself is serializable; see README "Moves and transfers").
    """
    sfn = boto3.client("stepfunctions", region_name=REGION)
    events = sfn.get_execution_history(executionArn=execution_of(harness, transfer_id))["events"]
    return bool(events) and events[-1]["type"] == "TaskSubmitted" and awaiting(transfer_id)


def test_transfer_escalates_after_the_approval_window_then_completes_when_approved(
    harness: Harness,
) -> None:
    owner, tenant = duplex()
    submit(owner)
    # escalated at all (how soon after the window is not asserted: the wait is a hang guard)
    wait_for(lambda: DynamoTransfers().get("TR1").escalations >= 1, timeout=60)
    assert history("TRANSFER#TR1") == ["TransferEscalated"]
    wait_for(lambda: harness.calls.count("request_approval") >= 2)
    wait_for(lambda: waiting_on_token(harness, "TR1"))
    decide("TR1", Decision.APPROVE)
    arn = execution_of(harness, "TR1")
    done = harness.finished(arn)
    assert done["status"] == "SUCCEEDED", done.get("cause")
    transfer = DynamoTransfers().get("TR1")
    assert transfer.status is TransferStatus.COMPLETED
    assert transfer.escalations >= 1 and transfer.escalated_at is not None
    states = harness.states(arn)
    assert states[:5] == [
        "PrepareApproval",
        "AwaitApproval",
        "CountEscalation",
        "Escalate",
        "AwaitApproval",
    ]
    assert states[-8:] == [
        "WaitForClosingDate",
        "FinalBillSeller",
        "FinalBillSellerAccounts",
        "SettleSellerAccounts",
        "RecordNewOwner",
        "OpenBuyerAccounts",
        "CompleteTransfer",
        "Transferred",
    ]
    (buyer_account_id,) = transfer.buyer_account_ids
    buyer_account = account(buyer_account_id)
    assert (buyer_account.holder.name, buyer_account.service_address.unit) == ("Bea Buyer", "1")
    # the seller settles on what the final bill left: it waits for payment, it is not closed
    assert account(owner.account_id).status is AccountStatus.FINAL_BILLED
    assert_final_bill_owed(owner.account_id)
    assert account(tenant.account_id).owner_customer_id == transfer.buyer_customer_id
    assert DynamoTransfers().open_transfer_of(owner.property_id) is None
    assert history("TRANSFER#TR1")[-2:] == ["TransferDecided", "OwnershipTransferred"]


def test_a_sellers_final_bill_goes_to_the_forwarding_address_the_sale_gave(
    harness: Harness,
) -> None:
    owner, _ = duplex()
    submit(owner, "TR5", forwarding_address=Address(**FORWARDING))
    wait_for(lambda: waiting_on_token(harness, "TR5"))

    decide("TR5", Decision.APPROVE)

    done = harness.finished(execution_of(harness, "TR5"))
    assert done["status"] == "SUCCEEDED", done.get("cause")
    assert_final_bill_forwarded(owner.account_id)


def test_rejected_transfer_ends_without_changing_the_property(harness: Harness) -> None:
    owner, _ = duplex()
    submit(owner)
    wait_for(lambda: waiting_on_token(harness, "TR1"))
    decide("TR1", Decision.REJECT, "the deed is not registered")
    done = harness.finished(execution_of(harness, "TR1"))
    assert done["status"] == "SUCCEEDED"
    assert harness.states(execution_of(harness, "TR1"))[-1] == "Rejected"
    assert DynamoTransfers().get("TR1").status is TransferStatus.REJECTED
    assert DynamoTransfers().open_transfer_of(owner.property_id) is None
    assert DynamoPropertyRepository().get(owner.property_id).owner_customer_id == (
        owner.holder.customer_id
    )
    assert account(owner.account_id).status is AccountStatus.ACTIVE


def test_a_decision_made_before_the_workflow_waits_is_delivered_by_the_workflow(
    harness: Harness,
) -> None:
    owner, _ = duplex()
    with patch.object(StepFunctionsWorkflow, "start", return_value=True):  # not started yet
        submit(owner)
    decide("TR1", Decision.APPROVE)
    transfer = DynamoTransfers().get("TR1")
    harness.run("transfer", "TR1", workflow_input(transfer, "cid-late", MUNICIPAL_TIME_ZONE))
    done = harness.finished(execution_of(harness, "TR1"))
    assert done["status"] == "SUCCEEDED", done.get("cause")
    assert DynamoTransfers().get("TR1").status is TransferStatus.COMPLETED


def test_transfer_with_every_response_lost_changes_nothing_twice(harness: Harness) -> None:
    owner, tenant = duplex()
    harness.lose_first_response = True
    submit(owner)
    # the first response is lost: decide once the retried task has stored its token (moto
    # reuses the token on a retry and reports the wait timed out at once: one escalation)
    wait_for(lambda: harness.calls.count("request_approval") >= 2)
    wait_for(lambda: waiting_on_token(harness, "TR1"))
    decide("TR1", Decision.APPROVE)
    done = harness.finished(execution_of(harness, "TR1"))
    assert done["status"] == "SUCCEEDED", done.get("cause")
    for task in (
        "final_bill_seller",
        "final-bill",
        "record_new_owner",
        "open_buyer_accounts",
        "complete_transfer",
    ):
        assert harness.calls.count(task) == 2, task
    transfer = DynamoTransfers().get("TR1")
    assert len(transfer.buyer_account_ids) == 1
    accounts = _accounts_of(owner.property_id)
    assert len(accounts) == 3  # seller, tenant, buyer
    assert history(f"ACCOUNT#{owner.account_id}").count("FinalBillRequested") == 1
    assert history(f"PROPERTY#{owner.property_id}").count("PropertyOwnerChanged") == 1
    assert history(f"ACCOUNT#{tenant.account_id}").count("OwnerOfRecordChanged") == 1
    assert history("TRANSFER#TR1").count("OwnershipTransferred") == 1
