"""The processor's events through the real worker (functions/processor_events) against moto:
every order of a payment's events gives one final ledger, duplicates and concurrent deliveries
post once, a poison message fails alone (an unknown account is no poison: it waits for a clerk),
and injected DynamoDB faults (botocore Stubber) leave nothing half-written."""

from __future__ import annotations

import itertools
import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal as D
from types import ModuleType, SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from botocore.stub import Stubber
from pynamodb.exceptions import TransactWriteError

from civiq.billing.adapters.dynamodb import DynamoStatements, post_to_statements
from civiq.core.audit import AuditEntry
from civiq.ledger.adapters.dynamodb_postings import DynamoLedger, DynamoPayments
from civiq.ledger.domain.journal import verify_chain
from civiq.ledger.domain.payments import PaymentStatus
from civiq.payments.adapters.dynamodb_payment_troubles import DynamoPaymentTroubles
from civiq.payments.adapters.dynamodb_processor_exceptions import DynamoProcessorExceptions
from civiq.payments.domain.processor_exceptions import ExceptionReason
from civiq.payments.schemas.processor_events import read_delivery
from civiq.platform.dynamodb import transactions
from civiq.platform.dynamodb.audit import DynamoAuditLog
from infra.local import dynamodb_transactions
from tests.helpers.emulator import BUS, LEDGER_TABLE, TABLE
from tests.helpers.files import load_event
from tests.helpers.handlers import Context, load_handler, sqs_event
from tests.helpers.statement_builders import issue_with_ledger, statement
from tests.helpers.stores import NOW, Stores

KINDS = ("succeeded", "failed", "refunded", "disputed")


@pytest.fixture
def worker(aws: None, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    dynamodb_transactions.install()  # moto's transactions, serialised as DynamoDB's are
    monkeypatch.setenv("TABLE_NAME", TABLE)
    monkeypatch.setenv("LEDGER_TABLE_NAME", LEDGER_TABLE)
    monkeypatch.setenv("EVENT_BUS_NAME", BUS)
    return load_handler("processor_events")


@pytest.fixture
def account(stores: Stores, worker: ModuleType) -> Any:
    opened = stores.open("Chloé Côté", "5 Rue Laval")
    issued = statement(
        account_id=opened.account_id,
        account_number=opened.account_number,
        statement_id=f"{opened.account_number}-20261130",
    )
    issue_with_ledger(DynamoStatements(), issued, AuditEntry("E", "A", "S", "b", "s", NOW, "c", {}))
    return opened


def sample(kind: str, account_number: str, payment: str) -> dict[str, Any]:
    """The sample event of ``kind`` for ``payment`` of ``account_number``."""
    event = load_event(f"processor/payment_{kind}.json")
    event["id"] = f"evt_{payment}{kind}"
    event["data"]["payment_id"] = f"pay_{payment}"
    event["data"]["account_number"] = account_number
    event["created"] = int(time.time()) + KINDS.index(kind)  # now, in the payment's own order
    for detail, prefix in (("refund", "re"), ("dispute", "dp")):
        if detail in event["data"]:
            event["data"][detail]["id"] = f"{prefix}_{payment}"
    return event


def batch(*bodies: str) -> dict[str, Any]:
    return sqs_event(list(bodies))


def deliver(worker: ModuleType, *events: dict[str, Any]) -> dict[str, Any]:
    return dict(worker.handler(batch(*(json.dumps(e) for e in events)), Context()))


def sound(account_id: str) -> D:
    ledger = DynamoLedger(post_to_statements)
    entries, after = [], 0
    while True:
        page = ledger.entries(account_id, after, 100)
        entries += page.items
        if page.next_cursor is None:
            break
        after = int(page.next_cursor)
    state = ledger.state(account_id)
    assert verify_chain(entries, state.head) is None
    assert state.balance == sum((e.amount for e in entries), D(0))
    assert state.balance == sum((s.owed for s in state.open_statements), D(0)) - state.credit
    return D(state.balance)


@pytest.mark.parametrize("stores", ["dynamodb"], indirect=True)
def test_every_order_of_a_payments_events_gives_the_same_ledger(
    worker: ModuleType, account: Any
) -> None:
    owed = sound(account.account_id)
    finals = set()
    for n, order in enumerate(itertools.permutations(KINDS)):
        payment = f"perm{n}"
        for kind in order:
            assert deliver(worker, sample(kind, account.account_number, payment)) == {
                "batchItemFailures": []
            }
        posted = DynamoPayments().get(account.account_id, f"pay_{payment}")
        refunds = DynamoPayments().refunds(account.account_id, f"pay_{payment}")
        finals.add(
            (
                posted.amount,
                posted.refunded,
                posted.status,
                tuple(sorted(((r.amount, r.chargeback) for r in refunds), reverse=True)),
            )
        )
    # paid 187.42, refunded 40.00, the rest charged back: nothing left of it, whatever the order
    assert finals == {
        (
            D("187.42"),
            D("187.42"),
            PaymentStatus.CHARGED_BACK,
            ((D("147.42"), True), (D("40.00"), False)),
        )
    }
    assert sound(account.account_id) == owed  # 24 payments, each taken back in full


@pytest.mark.parametrize("stores", ["dynamodb"], indirect=True)
def test_the_same_event_three_times_and_ten_at_once_posts_one_payment(
    worker: ModuleType, account: Any
) -> None:
    owed = sound(account.account_id)
    succeeded = sample("succeeded", account.account_number, "dup")
    for _ in range(3):
        deliver(worker, succeeded)
    concurrent = sample("succeeded", account.account_number, "burst")
    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(lambda _: deliver(worker, concurrent), range(10)))
    assert all(r == {"batchItemFailures": []} for r in results)
    assert sound(account.account_id) == owed - 2 * D("187.42")
    assert len(DynamoPayments().of_account(account.account_id)) == 2


@pytest.mark.parametrize("stores", ["dynamodb"], indirect=True)
def test_a_poison_message_fails_alone_and_its_batch_is_handled(
    worker: ModuleType, account: Any
) -> None:
    owed = sound(account.account_id)
    good = json.dumps(sample("succeeded", account.account_number, "good"))
    unknown_account = json.dumps(sample("succeeded", "UB99999997", "lost"))
    result = worker.handler(batch(good, '{"id": "evt_truncated', unknown_account), Context())
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert sound(account.account_id) == owed - D("187.42")
    kept = DynamoProcessorExceptions().get("evt_lostsucceeded")
    assert kept.reason is ExceptionReason.UNKNOWN_ACCOUNT


@pytest.mark.parametrize("stores", ["dynamodb"], indirect=True)
@pytest.mark.parametrize(
    ("code", "times"),
    [
        ("ProvisionedThroughputExceededException", 1),  # throttled: the worker fails, SQS retries
        ("TransactionCanceledException", transactions.CONFLICT_ATTEMPTS),  # conflicts persist
    ],
)
def test_throttling_and_conflicts_leave_nothing_half_written(
    worker: ModuleType, account: Any, monkeypatch: pytest.MonkeyPatch, code: str, times: int
) -> None:
    owed = sound(account.account_id)
    monkeypatch.setattr(transactions, "time", SimpleNamespace(sleep=lambda seconds: None))
    apply_event = worker.apply_event()
    event = read_delivery(json.dumps(sample("succeeded", account.account_number, "fault")))
    conflict = {"CancellationReasons": [{"Code": "TransactionConflict"}]}
    with Stubber(apply_event.poster.books.ledger._client().client) as stubber:
        for _ in range(times):
            stubber.add_client_error(
                "transact_write_items",
                code,
                modeled_fields=conflict if code == "TransactionCanceledException" else None,
            )
        with pytest.raises(TransactWriteError):
            apply_event(event, "c")
        stubber.assert_no_pending_responses()
    # nothing of the payment was written: no entry, no payment record, the same balance
    assert sound(account.account_id) == owed
    assert DynamoPayments().find(account.account_id, "pay_fault") is None
    # SQS delivers it again: it is posted, once
    apply_event(event, "c")
    apply_event(event, "c")
    assert sound(account.account_id) == owed - D("187.42")


@pytest.mark.parametrize("stores", ["dynamodb"], indirect=True)
def test_a_failure_on_the_processors_side_shields_the_account_once(
    worker: ModuleType, account: Any
) -> None:
    declined = sample("failed", account.account_number, "declined")
    ours = sample("failed", account.account_number, "ours")
    ours["data"]["failure_reason"] = "processing_error"

    assert deliver(worker, declined) == {"batchItemFailures": []}
    assert DynamoPaymentTroubles().latest(account.account_id) is None  # the payer's doing
    for _ in range(2):  # a redelivery records nothing twice
        assert deliver(worker, ours) == {"batchItemFailures": []}

    today = datetime.now(ZoneInfo("America/Toronto")).date()
    assert DynamoPaymentTroubles().latest(account.account_id) == today
    history = DynamoAuditLog().entries_for(f"ACCOUNT#{account.account_id}", 50, None).items
    failed = [e for e in history if e.action == "PaymentAttemptFailed"]
    assert [e.detail["reason"] for e in failed] == ["processing_error"]
