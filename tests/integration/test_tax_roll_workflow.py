"""A transfer to the tax roll as deployed: the TaxRollTransfer ASL running for real on in-process
moto, its task the tax-roll function on DynamoDB and S3. The execution's wait for the deadline
moves the services' clock past it when the test lets it go (the wait is real: the execution
stays in it until then); a payment in full meanwhile cancels the transfer."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
    WaitFunction,
)

from civiq.accounts.domain.accounts import Service, ServiceType
from civiq.accounts.domain.properties import PropertyType
from civiq.accounts.services.open_account import OpenAccountCommand
from civiq.accounts.services.properties import NewProperty
from civiq.billing.adapters.dynamodb import DynamoStatements
from civiq.collections.adapters.dynamodb_tax_roll import DynamoTaxRoll
from civiq.collections.config import TaxRollSettings
from civiq.collections.domain.tax_roll import TransferStatus
from civiq.collections.wiring import casework, tax_roll_services
from civiq.core.addresses import Address
from civiq.core.audit import AuditEntry
from civiq.core.clock import SystemClock
from civiq.core.events import Actor
from civiq.ledger.adapters.dynamodb_fees import DynamoFeeCatalogues
from civiq.ledger.adapters.dynamodb_journal import DynamoJournal
from civiq.ledger.domain.fees import TRANSFER_TO_TAX, Fee, FeeCatalogue, FeeVersion
from civiq.ledger.domain.journal import EntryKind
from civiq.ledger.domain.payments import PaymentChannel, PaymentMethod
from civiq.payments.services.payments import PostPayment, ReceivedPayment
from civiq.payments.wiring import dynamo_payment_ledger
from civiq.platform.dynamodb.audit import DynamoAuditLog
from tests.helpers.emulator import BUCKET, COLLECTION_CASE_MACHINE, REGION
from tests.helpers.polling import wait_for
from tests.helpers.statement_builders import issue_with_ledger, issued_entry, owing_statement
from tests.helpers.workflows import Harness, executing_workflows, open_account, person

TORONTO = ZoneInfo("America/Toronto")
SUPERVISOR = Actor("supervisor-2", "supervisor")
TASK = "tax-roll-task"
ROLL = "0614-000-123-45678"


class MovingClock:
    """The services' clock, moved ahead by what the deadline's wait waited (once let go)."""

    def __init__(self) -> None:
        self.ahead = timedelta()
        self.released = threading.Event()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.ahead

    def wait(self, env: Any, wait_seconds: int) -> None:
        self.released.wait(60)
        self.ahead += timedelta(seconds=wait_seconds + 1)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> MovingClock:
    moving = MovingClock()
    monkeypatch.setattr(SystemClock, "now", lambda self: moving.now())
    monkeypatch.setattr(
        WaitFunction,
        "_wait_interval",
        lambda self, env, wait_seconds: moving.wait(env, wait_seconds),
    )
    return moving


@pytest.fixture
def harness(aws: None, clock: MovingClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    with executing_workflows(
        monkeypatch, {TASK: "tax_roll"}, COLLECTION_CASE_STATE_MACHINE_ARN=COLLECTION_CASE_MACHINE
    ) as harness:
        harness.deploy({"work-queue": "work_queue"})
        arn = harness.create_machine(
            "tax-roll",
            "tax_roll_transfer.asl.json",
            TaxRollTaskFunctionArn=harness.arns[TASK],
            WorkQueueFunctionArn=harness.arns["work-queue"],
        )
        monkeypatch.setenv("TAX_ROLL_STATE_MACHINE_ARN", arn)
        yield harness


def long_past_due(total: str = "300.00") -> str:
    """An owner's account on a property with a roll number, owing ``total`` on a bill due 61
    days ago; the transfer fee in the catalogue."""
    account = open_account(
        OpenAccountCommand(
            customer=person("Élise Tremblay"),
            property=NewProperty(
                Address("12 Rue Laurier", "Ottawa", "ON", "K1P 1J1"),
                PropertyType.SINGLE_FAMILY,
                roll_number=ROLL,
            ),
            services=(Service(ServiceType.WATER, date(2026, 9, 1)),),
        )
    )
    due_on = datetime.now(TORONTO).date() - timedelta(days=61)
    issued = owing_statement(account.account_id, account.account_number, due_on, total)
    assert issue_with_ledger(DynamoStatements(), issued, issued_entry(issued))
    fee = FeeVersion(date(2026, 1, 1), D("35.00"), "Tax roll fee", "Frais de rôle", "4100")
    entry = AuditEntry(
        "E-FEES", "FEES", "FeeCatalogueChanged", "s", "s", datetime.now(UTC), "c", {}
    )
    DynamoFeeCatalogues().save(
        FeeCatalogue({}), FeeCatalogue.of([Fee(TRANSFER_TO_TAX, (fee,))], 1), entry
    )
    return account.account_id


def execution_of(harness: Harness, name: str) -> str:
    machine = harness.machines["tax-roll"]
    return f"{machine.replace(':stateMachine:', ':execution:', 1)}:{name}"


def notice(account_id: str) -> Any:
    settings = TaxRollSettings()
    services = tax_roll_services(casework(settings), settings)
    return services.notice(account_id, None, SUPERVISOR, "corr-notice")


def test_the_execution_waits_for_the_deadline_then_transfers_the_arrears_and_fee(
    harness: Harness, clock: MovingClock
) -> None:
    account_id = long_past_due()
    transfer = notice(account_id)
    arn = execution_of(harness, transfer.execution)
    wait_for(lambda: "WaitForTheDeadline" in Harness.states(arn) or None, timeout=60)
    assert DynamoTaxRoll().get(transfer.transfer_id).status is TransferStatus.NOTICED

    clock.released.set()
    finished = Harness.finished(arn)

    assert finished["status"] == "SUCCEEDED", finished
    assert Harness.states(arn) == [
        "Transfer",
        "WaitOrEnd",
        "WaitForTheDeadline",
        "Transfer",
        "WaitOrEnd",
        "Done",
    ]
    done = DynamoTaxRoll().get(transfer.transfer_id)
    assert done.status is TransferStatus.TRANSFERRED
    assert (done.arrears, done.fee_charged) == (D("300.00"), D("35.00"))
    assert done.transferred_on == transfer.deadline + timedelta(days=1)
    ledger = DynamoJournal().state(account_id)
    assert (ledger.balance, ledger.open_statements) == (D("0.00"), ())
    journal = DynamoJournal().entries_since(account_id, 0).entries
    assert [(e.kind, e.amount) for e in journal[-2:]] == [
        (EntryKind.FEE, D("35.00")),
        (EntryKind.TAX_ROLL, D("-335.00")),
    ]
    s3 = boto3.client("s3", region_name=REGION)
    key = f"tax-roll/{done.transferred_on.isoformat()}.csv"
    text = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
    header, line = text.strip().split("\r\n")
    assert header.startswith("roll_number,account_number,owner_name,amount,fee,total")
    assert line.split(",") == [
        "0614000123456780000",
        done.account_number,
        "Élise Tremblay",
        "300.00",
        "35.00",
        "335.00",
        transfer.transfer_id,
        done.transferred_on.isoformat(),
        "transfer",
    ]
    history = DynamoAuditLog().entries_for(f"ACCOUNT#{account_id}", 100, None).items
    actions = {e.action for e in history}
    assert {"TaxRollTransferNoticed", "FeeCharged", "ArrearsTransferredToTaxRoll"} <= actions
    notices = [e.detail for e in history if e.action == "NotificationRequested"]
    assert {(n["kind"], n["recipient"]["channel"]) for n in notices} == {
        ("tax-roll-notice", "mail")  # no consent to email
    }


def test_a_payment_in_full_before_the_deadline_cancels_the_transfer(
    harness: Harness, clock: MovingClock
) -> None:
    account_id = long_past_due(total="80.00")
    transfer = notice(account_id)
    arn = execution_of(harness, transfer.execution)
    wait_for(lambda: "WaitForTheDeadline" in Harness.states(arn) or None, timeout=60)

    books = dynamo_payment_ledger(TaxRollSettings())
    received = ReceivedPayment(
        "P-1",
        account_id,
        D("80.00"),
        PaymentMethod.CHEQUE,
        PaymentChannel.STAFF,
        datetime.now(TORONTO).date(),
    )
    PostPayment(books)(received, SUPERVISOR, "corr-pay")
    clock.released.set()
    finished = Harness.finished(arn)

    assert finished["status"] == "SUCCEEDED", finished
    cancelled = DynamoTaxRoll().get(transfer.transfer_id)
    assert (cancelled.status, cancelled.reason) == (
        TransferStatus.CANCELLED,
        "paid before the deadline",
    )
    journal = DynamoJournal().entries_since(account_id, 0).entries
    assert not [e for e in journal if e.kind in (EntryKind.FEE, EntryKind.TAX_ROLL)]
    assert DynamoJournal().state(account_id).balance == D("0.00")
    assert DynamoTaxRoll().days(10, None).items == []
