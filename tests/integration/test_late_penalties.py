"""The late-payment penalty job against the in-memory fakes and DynamoDB (moto) alike: statements
issued and paid through the real services; one penalty per past-due statement still owing,
whatever the reruns and concurrent runs; the scheduled function, and its stop for time."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from botocore.client import BaseClient

from civiq.accounts.adapters.memory import InMemoryBalances, InMemoryStore
from civiq.accounts.domain.accounts import Account
from civiq.billing.adapters.dynamodb import (
    DynamoStatements,
    StatementItem,
    post_to_statements,
    statement_sk,
)
from civiq.billing.adapters.memory import InMemoryStatements
from civiq.billing.domain.statements import Statement, StatementKind
from civiq.core.fakes import FixedClock, SequentialIds
from civiq.core.publishing import PublishEvents
from civiq.ledger.adapters.dynamodb_postings import DynamoLedger, DynamoPayments
from civiq.ledger.adapters.memory import InMemoryLedger
from civiq.ledger.domain.journal import EntryKind, LedgerEntry, verify_chain
from civiq.ledger.domain.payments import PaymentChannel, PaymentMethod
from civiq.ledger.services.posting import Announcer, PaymentLedger
from civiq.payments.adapters.dynamodb_past_due import DynamoPastDue
from civiq.payments.adapters.dynamodb_payment_troubles import DynamoPaymentTroubles
from civiq.payments.adapters.memory import InMemoryPastDue, InMemoryPaymentTroubles
from civiq.payments.domain.penalties import PenaltyPolicy
from civiq.payments.services.late_penalties import ApplyLatePenalties, PenaltyRun
from civiq.payments.services.payments import PostPayment, ReceivedPayment
from civiq.platform.dynamodb import keys
from infra.local import dynamodb_transactions
from infra.local.lambda_runtime import import_isolated
from tests.helpers.emulator import function_environment
from tests.helpers.files import REPO
from tests.helpers.statement_builders import (
    issue_with_ledger,
    issued_entry,
    owing_statement,
    reissue_with_ledger,
)
from tests.helpers.stores import CLERK, Published, Stores

TORONTO = ZoneInfo("America/Toronto")
RUN_AT = datetime(2026, 12, 24, 16, 0, tzinfo=UTC)  # December 24 in Toronto
MONTHLY = PenaltyPolicy.parse(kind="monthly-percent", percent="1.25")


@dataclass
class Town:
    stores: Stores
    clock: FixedClock
    ledger: Any
    statements: Any
    past_due: Any
    books: PaymentLedger
    published: Published
    troubles: Any

    def account(self, n: int) -> Account:
        return self.stores.open(f"Holder {n}", f"{n} Rue Laval")

    def issue(
        self, account: Account, due_on: date, total: str, after_due: str | None = None
    ) -> Statement:
        issued = owing_statement(
            account.account_id, account.account_number, due_on, total, after_due
        )
        assert issue_with_ledger(self.statements, issued, issued_entry(issued))
        return issued

    def pay(self, account: Account, payment_id: str, amount: str) -> None:
        PostPayment(self.books)(
            ReceivedPayment(
                payment_id,
                account.account_id,
                D(amount),
                PaymentMethod.CHEQUE,
                PaymentChannel.STAFF,
                self.books.today(),
            ),
            CLERK,
            "corr-pay",
        )

    def job(self, policy: PenaltyPolicy = MONTHLY) -> ApplyLatePenalties:
        return ApplyLatePenalties(self.books, self.past_due, policy, self.troubles, page_size=2)

    def owed(self, account: Account) -> dict[str, D]:
        basis = self.ledger.state(account.account_id)
        return {s.statement_id: s.owed for s in basis.open_statements}

    def journal(self, account: Account) -> list[LedgerEntry]:
        entries: list[LedgerEntry] = []
        after = 0
        while True:
            page = self.ledger.entries(account.account_id, after, 50)
            entries += page.items
            if page.next_cursor is None:
                return entries
            after = int(page.next_cursor)

    def penalties(self, account: Account) -> list[D]:
        return [e.amount for e in self.journal(account) if e.kind is EntryKind.PENALTY]

    def statement_owes(self, issued: Statement) -> D:
        """What the statement record says it still owes (DynamoDB keeps it on the item)."""
        if isinstance(self.ledger, InMemoryLedger):
            return self.owed_on(issued)
        item = StatementItem.get(
            keys.account_pk(issued.account_id), statement_sk(issued.statement_id)
        )
        return item.open_cents.amount

    def owed_on(self, issued: Statement) -> D:
        basis = self.ledger.state(issued.account_id)
        return basis.owed_on(issued.statement_id)

    def assert_sound(self, account: Account) -> None:
        basis = self.ledger.state(account.account_id)
        entries = self.journal(account)
        assert verify_chain(entries, basis.head) is None
        assert basis.balance == sum((e.amount for e in entries), D(0))
        assert basis.balance == sum(self.owed(account).values(), D(0)) - basis.credit


@pytest.fixture
def town(stores: Stores) -> Town:
    if isinstance(stores.accounts, InMemoryStore):
        ledger: Any = InMemoryLedger(stores.accounts)
        payments: Any = ledger
        statements: Any = InMemoryStatements(
            stores.accounts, InMemoryBalances(stores.accounts), ledger
        )
        past_due: Any = InMemoryPastDue(statements, ledger)
    else:
        dynamodb_transactions.install()  # moto's transactions, serialised as DynamoDB's are
        ledger, payments, statements = (
            DynamoLedger(post_to_statements),
            DynamoPayments(),
            DynamoStatements(),
        )
        past_due = DynamoPastDue()
    clock = FixedClock(RUN_AT)
    published = Published()
    books = PaymentLedger(
        ledger,
        payments,
        stores.accounts,
        Announcer(clock, SequentialIds("01L")),
        PublishEvents(stores.outbox, published),
        TORONTO,
    )
    troubles: Any = (
        InMemoryPaymentTroubles()
        if isinstance(stores.accounts, InMemoryStore)
        else DynamoPaymentTroubles()
    )
    return Town(stores, clock, ledger, statements, past_due, books, published, troubles)


def test_only_past_due_statements_still_owing_get_one_penalty(town: Town) -> None:
    late, partly, paid, current = (town.account(n) for n in range(1, 5))
    old = town.issue(late, date(2026, 10, 20), "80.00")
    overdue = town.issue(late, date(2026, 11, 20), "200.00")
    half = town.issue(partly, date(2026, 12, 23), "100.00")  # one day late
    town.pay(partly, "P-1", "50.00")
    town.issue(paid, date(2026, 11, 20), "70.00")
    town.pay(paid, "P-2", "70.00")
    town.issue(current, date(2026, 12, 24), "90.00")  # due today

    first = town.job()("corr-1")

    assert first == PenaltyRun(assessed=3, applied=3)
    assert town.penalties(late) == [D("1.00"), D("2.50")]
    assert town.penalties(partly) == [D("0.63")]  # 1.25% of the 50.00 left
    assert town.penalties(paid) == town.penalties(current) == []
    assert town.owed(late) == {old.statement_id: D("81.00"), overdue.statement_id: D("202.50")}
    assert town.ledger.state(late.account_id).balance == D("283.50")
    assert town.statement_owes(overdue) == D("202.50")
    assert town.statement_owes(half) == D("50.63")
    events = [e for e in town.published if e.event_type == "LatePenaltyApplied"]
    assert sorted(e.detail["statement_id"] for e in events) == sorted(
        [old.statement_id, overdue.statement_id, half.statement_id]
    )

    again = town.job()("corr-2")
    town.clock.advance(days=40)
    later = town.job()("corr-3")

    assert again == PenaltyRun(assessed=3, already_applied=3)
    # forty days on: no compounding, and the statement due on the 24th is late now
    assert later == PenaltyRun(assessed=4, applied=1, already_applied=3)
    assert town.penalties(late) == [D("1.00"), D("2.50")]
    assert town.penalties(current) == [D("1.13")]  # 1.125
    assert town.ledger.state(late.account_id).balance == D("283.50")
    for account in (late, partly, paid, current):
        town.assert_sound(account)


def test_two_runs_at_once_post_each_penalty_once(town: Town) -> None:
    accounts = [town.account(n) for n in range(1, 6)]
    for account in accounts:
        town.issue(account, date(2026, 11, 20), "100.00")
        town.pay(account, f"P-{account.account_number}", "20.00")
    job = town.job()

    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(job, ["corr-a", "corr-b"]))

    assert sum(r.applied for r in runs) == 5
    assert all(r.assessed == 5 and r.complete for r in runs)
    for account in accounts:
        assert town.penalties(account) == [D("1.00")]
        assert town.ledger.state(account.account_id).balance == D("81.00")
        town.assert_sound(account)


def test_a_payment_afterwards_pays_the_penalty(town: Town) -> None:
    late = town.account(1)
    overdue = town.issue(late, date(2026, 11, 20), "100.00")
    town.job()("corr-1")

    town.pay(late, "P-1", "101.25")

    basis = town.ledger.state(late.account_id)
    assert (basis.balance, basis.credit, town.owed(late)) == (D(0), D(0), {})
    assert town.statement_owes(overdue) == D(0)
    assert town.job()("corr-2") == PenaltyRun()  # nothing past due is owed any more
    town.assert_sound(late)


def test_a_rebill_of_a_penalized_statement_is_not_penalized_again(town: Town) -> None:
    late = town.account(1)
    original = town.issue(late, date(2026, 11, 20), "100.00")
    town.job()("corr-1")
    corrected = replace(original.bill, lines=(replace(original.bill.lines[0], amount=D("90.00")),))
    rebill = replace(
        original,
        statement_id=f"{original.statement_id}-R1",
        kind=StatementKind.REBILL,
        run_id=None,
        issued_on=date(2026, 11, 25),
        due_on=date(2026, 12, 10),
        bill=corrected,
        replaces=original.statement_id,
    )
    reissue_with_ledger(town.statements, original, rebill, [])
    assert town.owed(late) == {rebill.statement_id: D("91.25")}  # the penalty carried over

    run = town.job()("corr-2")

    assert run == PenaltyRun(assessed=1, already_applied=1)  # one penalty per period
    assert town.penalties(late) == [D("1.25")]
    assert town.statement_owes(rebill) == D("91.25")
    town.assert_sound(late)


@pytest.mark.parametrize(
    ("settings", "after_due", "penalty"),
    [
        ({"kind": "monthly-percent", "percent": "2"}, None, "1.61"),  # 1.606
        ({"kind": "flat-fee", "fee": "15.00"}, None, "15.00"),
        ({"kind": "after-due-rate"}, "88.33", "8.03"),
        ({"kind": "after-due-rate"}, None, None),  # the schedule has no after-due rate
    ],
    ids=["monthly-percent", "flat-fee", "after-due-rate", "no-after-due-rate"],
)
def test_each_policy_kind(
    town: Town, settings: dict[str, str], after_due: str | None, penalty: str | None
) -> None:
    late = town.account(1)
    overdue = town.issue(late, date(2026, 11, 20), "80.30", after_due)

    run = town.job(PenaltyPolicy.parse(**settings))("corr-1")

    assert run.applied == (1 if penalty else 0)
    assert town.penalties(late) == ([D(penalty)] if penalty else [])
    owes = D("80.30") + (D(penalty) if penalty else 0)
    assert town.owed_on(overdue) == town.statement_owes(overdue) == owes


# ---------------------------------------------------------------- DynamoDB only


@pytest.fixture
def dynamodb_requests(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    counted: Counter[str] = Counter()
    original = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private, untyped

    def make_api_call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name == "dynamodb":
            counted[operation] += 1
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", make_api_call)
    yield counted


@pytest.mark.parametrize("stores", ["dynamodb"], indirect=True)
def test_requests_per_penalty_and_a_rerun_reads_no_ledger(
    town: Town, dynamodb_requests: Counter[str]
) -> None:
    accounts = [town.account(n) for n in range(1, 7)]
    for account in accounts:
        town.issue(account, date(2026, 11, 20), "100.00")
    job = ApplyLatePenalties(town.books, town.past_due, MONTHLY, town.troubles, page_size=100)

    dynamodb_requests.clear()
    assert job("corr-1").applied == 6
    first = dict(dynamodb_requests)
    dynamodb_requests.clear()
    assert job("corr-2").already_applied == 6
    rerun = dict(dynamodb_requests)

    # per penalty: one read of the account's payment troubles (none: not shielded), one
    # consistent read of the account, one transaction, and the outbox item deleted once the
    # event is on the bus; the lists read in one Query each (8), the postings done in one
    # batch read per list that had statements
    assert first["GetItem"] == 2 * 6
    assert first["TransactWriteItems"] == first["DeleteItem"] == 6
    assert first["Query"] == 8
    assert first["BatchGetItem"] <= 6
    assert rerun.keys() == {"Query", "BatchGetItem"}
    assert rerun["Query"] == 8


class Context:
    function_name = "late-penalties"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:ca-central-1:123456789012:function:late-penalties"
    aws_request_id = "req-1"

    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.mark.parametrize("stores", ["dynamodb"], indirect=True)
def test_the_scheduled_function_applies_penalties_and_stops_when_out_of_time(
    town: Town, monkeypatch: pytest.MonkeyPatch
) -> None:
    function_environment(
        monkeypatch, PENALTY_KIND="flat-fee", PENALTY_FEE="12.50", PENALTY_GRACE_DAYS="5"
    )
    code = REPO / "functions" / "late_penalties"
    function = import_isolated(code, code / "handler.py", "_late_penalties_test")
    today = datetime.now(TORONTO).date()  # the function runs on the system clock
    late, graced = town.account(1), town.account(2)
    overdue = town.issue(late, today - timedelta(days=6), "100.00")
    town.issue(graced, today - timedelta(days=5), "100.00")
    scheduled = {"id": "sched-1", "detail-type": "Scheduled Event", "source": "aws.events"}

    out_of_time = function.handler(scheduled, Context(remaining_ms=59_000))
    done = function.handler(scheduled, Context(remaining_ms=900_000))
    again = function.handler(scheduled, Context(remaining_ms=900_000))

    assert out_of_time == {
        "assessed": 0,
        "applied": 0,
        "already_applied": 0,
        "not_owed": 0,
        "failed": 0,
        "complete": False,
        "shielded": 0,
    }
    assert (done["applied"], done["assessed"], done["complete"]) == (1, 1, True)
    assert (again["already_applied"], again["applied"]) == (1, 0)
    assert town.penalties(late) == [D("12.50")]
    assert town.penalties(graced) == []
    assert town.statement_owes(overdue) == D("112.50")
