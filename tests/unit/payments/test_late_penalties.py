"""The late-payment penalty job over the in-memory fakes: which statements are penalized, once,
on what they still owe when the job reaches them; stopping for time; its settings."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from civiq.accounts.adapters.memory import InMemoryBalances, InMemoryStore
from civiq.accounts.domain.accounts import Account, Service, ServiceType
from civiq.accounts.services.open_account import OpenAccount
from civiq.billing.adapters.memory import InMemoryStatements
from civiq.billing.domain.statements import Statement
from civiq.core.audit import AuditEntry
from civiq.core.fakes import FixedClock, RecordingPublisher, SequentialIds
from civiq.core.ports import Page
from civiq.core.publishing import PublishEvents
from civiq.ledger.adapters.memory import InMemoryLedger
from civiq.ledger.domain.journal import EntryKind, LedgerEntry, verify_chain
from civiq.ledger.domain.payments import PaymentChannel, PaymentMethod, PaymentStatus
from civiq.ledger.services.posting import Announcer, PaymentLedger
from civiq.payments.adapters.memory import InMemoryPastDue, InMemoryPaymentTroubles
from civiq.payments.config import PenaltySettings
from civiq.payments.domain.payment_troubles import PaymentTrouble, on_our_side
from civiq.payments.domain.penalties import PenaltyKind, PenaltyPolicy
from civiq.payments.ports import PastDueStatement
from civiq.payments.schemas.penalty_events import LatePenaltyAppliedV1
from civiq.payments.services.late_penalties import ApplyLatePenalties, PenaltyRun
from civiq.payments.services.payments import PostPayment, ReceivedPayment, ReversePayment
from tests.helpers.builders import CLERK, address, command, new_customer, new_property
from tests.helpers.files import load_event
from tests.helpers.statement_builders import (
    issue_with_ledger,
    issued_entry,
    owing_statement,
    rated_bill,
)

TORONTO = ZoneInfo("America/Toronto")
RUN_AT = datetime(2026, 12, 24, 16, 0, tzinfo=UTC)  # 11:00 in Toronto: today is December 24
TODAY = date(2026, 12, 24)
SERVED_SINCE = date(2026, 1, 1)
MONTHLY = PenaltyPolicy.parse(kind="monthly-percent", percent="1.25")


@dataclass
class World:
    store: InMemoryStore
    clock: FixedClock
    ledger: InMemoryLedger
    statements: InMemoryStatements
    past_due: InMemoryPastDue
    books: PaymentLedger
    published: RecordingPublisher
    opener: OpenAccount
    troubles: InMemoryPaymentTroubles

    def account(self, n: int) -> Account:
        """An account served since the start of the year: it takes payments from then."""
        opened = command(
            new_customer(f"Holder {n}"),
            new_property(address_=address(street=f"{n} Main St")),
            services=tuple(Service(kind, SERVED_SINCE) for kind in ServiceType),
        )
        return self.opener(opened, CLERK, f"corr-open-{n}")

    def issue(
        self,
        account: Account,
        due_on: date,
        total: str,
        after_due: str | None = None,
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

    def job(self, policy: PenaltyPolicy = MONTHLY, page_size: int = 2) -> ApplyLatePenalties:
        return ApplyLatePenalties(self.books, self.past_due, policy, self.troubles, page_size)

    def owed(self, account: Account) -> dict[str, D]:
        basis = self.ledger.state(account.account_id)
        return {s.statement_id: s.owed for s in basis.open_statements}

    def entries(self, account: Account) -> list[LedgerEntry]:
        return self.ledger.journal.get(account.account_id, [])

    def penalties(self, account: Account) -> list[LedgerEntry]:
        return [e for e in self.entries(account) if e.kind is EntryKind.PENALTY]

    def assert_sound(self, account: Account) -> None:
        basis = self.ledger.state(account.account_id)
        entries = self.entries(account)
        assert verify_chain(entries, basis.head) is None
        assert basis.balance == sum((e.amount for e in entries), D(0))
        assert basis.balance == sum(self.owed(account).values(), D(0)) - basis.credit


@pytest.fixture
def world(open_account: OpenAccount, store: InMemoryStore) -> World:
    clock = FixedClock(RUN_AT)
    ledger = InMemoryLedger(store)
    statements = InMemoryStatements(store, InMemoryBalances(store), ledger)
    published = RecordingPublisher()
    books = PaymentLedger(
        ledger,
        ledger,
        store,
        Announcer(clock, SequentialIds("01P")),
        PublishEvents(store, published),
        TORONTO,
    )
    return World(
        store,
        clock,
        ledger,
        statements,
        InMemoryPastDue(statements, ledger, shards=3),
        books,
        published,
        open_account,
        InMemoryPaymentTroubles(),
    )


def test_only_past_due_statements_still_owing_get_a_penalty(world: World) -> None:
    late, due_today, future, paid = (world.account(n) for n in range(1, 5))
    overdue = world.issue(late, date(2026, 11, 20), "200.00")
    world.issue(due_today, TODAY, "90.00")
    world.issue(future, date(2027, 1, 10), "90.00")
    settled = world.issue(paid, date(2026, 11, 20), "70.00")
    world.pay(paid, "P-1", "70.00")

    run = world.job()("corr-run")

    assert run == PenaltyRun(assessed=1, applied=1)
    assert world.owed(late) == {overdue.statement_id: D("202.50")}  # 1.25% of 200.00
    assert world.ledger.state(late.account_id).balance == D("202.50")
    (entry,) = world.penalties(late)
    assert (entry.amount, entry.entry_id) == (D("2.50"), f"{overdue.statement_id}-penalty")
    assert (entry.source.kind, entry.source.source_id) == ("statement", overdue.statement_id)
    assert entry.reason == (
        f"late payment penalty: 1.25% of 200.00 overdue on statement {overdue.statement_id}"
    )
    for account in (due_today, future, paid):
        assert world.penalties(account) == []
    assert settled.statement_id not in world.owed(paid)
    world.assert_sound(late)


def test_a_payment_attempt_that_failed_on_our_side_shields_the_account_for_a_while(
    world: World,
) -> None:
    """The processor failed two days ago: no penalty while the shield (5 days) lasts, then
    the statement is penalized as usual if it is still owed; the payer's own failures shield
    nothing."""
    late, declined = world.account(1), world.account(2)
    overdue = world.issue(late, date(2026, 11, 20), "200.00")
    world.issue(declined, date(2026, 11, 20), "100.00")
    two_days_ago = TODAY - timedelta(days=2)
    entry = AuditEntry(
        "E-T1", f"ACCOUNT#{late.account_id}", "PaymentAttemptFailed", "p", "system", RUN_AT, "c", {}
    )
    world.troubles.record(
        PaymentTrouble(late.account_id, two_days_ago, "processing_error", "pay_1"), entry
    )
    assert not on_our_side("card_declined")

    shielded = world.job()("corr-run")

    assert shielded == PenaltyRun(assessed=2, applied=1, shielded=1)
    assert world.penalties(late) == []
    world.clock.advance(seconds=4 * 86_400)  # the shield's last day was yesterday
    later = world.job()("corr-later")
    assert (later.applied, later.already_applied, later.shielded) == (1, 1, 0)
    assert world.owed(late) == {overdue.statement_id: D("202.50")}


def test_the_penalty_event_says_what_was_charged_and_matches_its_schema(world: World) -> None:
    late = world.account(1)
    overdue = world.issue(late, date(2026, 11, 20), "187.42")
    world.pay(late, "P-1", "0.01")  # 187.41 still owed

    world.job()("corr-run")

    (event,) = [e for e in world.published.published if e.event_type == "LatePenaltyApplied"]
    payload = LatePenaltyAppliedV1.model_validate(event.detail)
    assert payload.model_dump(mode="json") == {
        "statement_id": overdue.statement_id,
        "account_id": late.account_id,
        "account_number": late.account_number,
        "entry_id": f"{overdue.statement_id}-penalty",
        "kind": "monthly-percent",
        "due_on": "2026-11-20",
        "assessed_on": "2026-12-24",
        "overdue": "187.41",
        "penalty": "2.34",  # 2.342625
        "statement_owed": "189.75",
        "balance_after": "189.75",
    }
    assert (event.subject_id, event.actor.subject, event.correlation_id) == (
        f"ACCOUNT#{late.account_id}",
        "late-penalties",
        "corr-run",
    )
    assert world.store.history[event.event_id].action == "LatePenaltyApplied"  # its history


def test_the_sample_event_matches_its_schema() -> None:
    sample = load_event("eventbridge/late_penalty_applied.json")
    assert sample["detail-type"] == sample["detail"]["event_type"] == "LatePenaltyApplied"
    payload = LatePenaltyAppliedV1.model_validate(sample["detail"]["data"])
    assert D(payload.overdue) + D(payload.penalty) == D(payload.statement_owed)


def test_a_partly_paid_statement_is_penalized_on_what_it_still_owes(world: World) -> None:
    late = world.account(1)
    overdue = world.issue(late, date(2026, 11, 20), "100.00")
    world.pay(late, "P-1", "60.00")

    world.job()("corr-run")

    assert world.owed(late) == {overdue.statement_id: D("40.50")}
    world.assert_sound(late)


@pytest.mark.parametrize(
    ("due_on", "penalized"),
    [(date(2026, 12, 14), False), (date(2026, 12, 13), True)],
    ids=["ten-days-late", "eleven-days-late"],
)
def test_the_grace_days_go_unpenalized(world: World, due_on: date, penalized: bool) -> None:
    late = world.account(1)
    world.issue(late, due_on, "100.00")
    policy = PenaltyPolicy.parse(kind="flat-fee", fee="10.00", grace_days=10)

    run = world.job(policy)("corr-run")

    assert run.applied == run.assessed == int(penalized)
    assert len(world.penalties(late)) == int(penalized)


@pytest.mark.parametrize(
    ("policy", "total", "after_due", "penalty"),
    [
        (PenaltyPolicy.parse(kind="monthly-percent", percent="1.5"), "80.30", None, "1.20"),
        (PenaltyPolicy.parse(kind="flat-fee", fee="25.00"), "80.30", None, "25.00"),
        (PenaltyPolicy.parse(kind="after-due-rate"), "80.30", "88.33", "8.03"),
    ],
    ids=[kind.value for kind in PenaltyKind],
)
def test_each_kind_of_policy(
    world: World, policy: PenaltyPolicy, total: str, after_due: str | None, penalty: str
) -> None:
    late = world.account(1)
    overdue = world.issue(late, date(2026, 11, 20), total, after_due)

    world.job(policy)("corr-run")

    assert [e.amount for e in world.penalties(late)] == [D(penalty)]
    assert world.owed(late) == {overdue.statement_id: D(total) + D(penalty)}


def test_no_penalty_without_an_after_due_rate_or_at_most_the_minimum(world: World) -> None:
    no_rate, little = world.account(1), world.account(2)
    world.issue(no_rate, date(2026, 11, 20), "80.00")
    world.issue(little, date(2026, 11, 20), "80.00", "90.00")
    world.pay(little, "P-1", "79.00")  # 1.00 left: the minimum
    policy = PenaltyPolicy.parse(kind="after-due-rate", minimum="1.00")

    run = world.job(policy)("corr-run")

    assert run == PenaltyRun(assessed=2, not_owed=2)
    assert world.penalties(no_rate) == world.penalties(little) == []


def test_a_rerun_a_later_run_and_concurrent_runs_charge_nothing_more(world: World) -> None:
    accounts = [world.account(n) for n in range(1, 8)]
    for account in accounts:
        world.issue(account, date(2026, 10, 20), "100.00")
        world.issue(account, date(2026, 11, 20), "50.00")
    balances = {a.account_id: D("151.88") for a in accounts}  # 1.25 + 0.625 -> 0.63

    first = world.job()("corr-1")
    again = world.job()("corr-2")
    world.clock.advance(days=45)  # still unpaid a month and a half later: no compounding
    later = world.job()("corr-3")

    assert first == PenaltyRun(assessed=14, applied=14)
    assert again == later == PenaltyRun(assessed=14, already_applied=14)
    assert {a.account_id: world.ledger.state(a.account_id).balance for a in accounts} == balances
    for account in accounts:
        assert len(world.penalties(account)) == 2
        world.assert_sound(account)


def test_two_runs_at_once_post_each_penalty_once(world: World) -> None:
    accounts = [world.account(n) for n in range(1, 7)]
    for account in accounts:
        world.issue(account, date(2026, 11, 20), "100.00")
    job = world.job(page_size=1)

    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(job, ["corr-a", "corr-b"]))

    assert sum(r.applied for r in runs) == 6
    assert all(r.assessed == 6 and r.complete for r in runs)
    for account in accounts:
        assert [e.amount for e in world.penalties(account)] == [D("1.25")]
        world.assert_sound(account)


def test_a_payment_afterwards_pays_the_penalty_with_the_statement(world: World) -> None:
    late = world.account(1)
    world.issue(late, date(2026, 11, 20), "100.00")
    world.job()("corr-run")

    world.pay(late, "P-1", "101.25")

    basis = world.ledger.state(late.account_id)
    assert (basis.balance, basis.credit, world.owed(late)) == (D(0), D(0), {})
    world.assert_sound(late)


class PaidOnceListed:
    """The listing of ``listing``, after which ``pay`` runs: a payment posted between the
    job's read of the list and its posting."""

    def __init__(self, listing: InMemoryPastDue, pay: Any) -> None:
        self.listing = listing
        self.pay = pay

    def lists(self) -> int:
        return self.listing.lists()

    def past_due(
        self, shard: int, last_due: date, limit: int, cursor: str | None
    ) -> Page[PastDueStatement]:
        page = self.listing.past_due(shard, last_due, limit, cursor)
        for listed in page.items:
            self.pay(listed)
        return page

    def posted(self, guards: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        return self.listing.posted(guards)


def test_a_statement_paid_after_it_was_listed_gets_no_penalty(world: World) -> None:
    late = world.account(1)
    world.issue(late, date(2026, 11, 20), "100.00")
    listing = PaidOnceListed(world.past_due, lambda _: world.pay(late, "P-1", "100.00"))

    run = ApplyLatePenalties(world.books, listing, MONTHLY, world.troubles)("corr-run")

    assert run == PenaltyRun(assessed=1, not_owed=1)
    assert world.penalties(late) == []
    assert world.ledger.state(late.account_id).balance == D(0)


def test_an_amount_no_statement_carries_is_never_penalized(world: World) -> None:
    late = world.account(1)
    world.clock.current = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    overdue = world.issue(late, date(2026, 11, 20), "100.00")
    world.pay(late, "P-1", "100.00")
    ReversePayment(world.books, D("45.00"))(
        late.account_id, "P-1", PaymentStatus.DISHONOURED, "NSF", CLERK, "c"
    )
    world.clock.current = RUN_AT

    run = world.job()("corr-run")

    assert run == PenaltyRun(assessed=1, applied=1)
    assert world.owed(late) == {
        overdue.statement_id: D("101.25"),
        "unbilled:P-1-nsf-fee": D("45.00"),  # owed since November 2: no penalty on it
    }
    world.assert_sound(late)


def test_an_account_that_cannot_be_posted_to_is_counted_and_the_rest_go_on(
    world: World,
) -> None:
    late = world.account(1)
    world.issue(late, date(2026, 11, 20), "100.00")
    ghost = PastDueStatement(
        "no-such-account", "UB0", "UB0-20261120", date(2026, 11, 20), rated_bill()
    )

    class WithGhost(PaidOnceListed):
        def past_due(
            self, shard: int, last_due: date, limit: int, cursor: str | None
        ) -> Page[PastDueStatement]:
            page = self.listing.past_due(shard, last_due, limit, cursor)
            return Page([ghost, *page.items], page.next_cursor) if cursor is None else page

    listing = WithGhost(world.past_due, None)
    run = ApplyLatePenalties(world.books, listing, MONTHLY, world.troubles, page_size=10)(
        "corr-run"
    )

    # the ghost is listed once in each of the three lists
    assert run == PenaltyRun(assessed=4, applied=1, failed=3)
    assert len(world.penalties(late)) == 1


def test_a_run_out_of_time_stops_cleanly_and_the_next_run_carries_on(world: World) -> None:
    accounts = [world.account(n) for n in range(1, 10)]
    for account in accounts:
        world.issue(account, date(2026, 11, 20), "100.00")
    budget = iter([True] * 5)

    first = world.job()("corr-1", more_time=lambda: next(budget, False))
    second = world.job()("corr-2")

    assert not first.complete
    assert 0 < first.applied < 9
    assert second.complete
    assert first.applied + second.applied == 9
    assert second.already_applied == first.applied
    for account in accounts:
        assert len(world.penalties(account)) == 1


def test_the_settings_give_the_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "TABLE_NAME": "civiq",
        "LEDGER_TABLE_NAME": "civiq-ledger",
        "EVENT_BUS_NAME": "bus",
        "PENALTY_KIND": "monthly-percent",
        "PENALTY_PERCENT": "1.25",
        "PENALTY_GRACE_DAYS": "10",
        "PENALTY_MINIMUM": "2.00",
    }.items():
        monkeypatch.setenv(name, value)
    assert PenaltySettings().policy() == PenaltyPolicy(
        PenaltyKind.MONTHLY_PERCENT, D("1.25"), D(0), 10, D("2.00")
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PENALTY_KIND", "weekly"),
        ("PENALTY_PERCENT", "7"),
        ("PENALTY_PERCENT", "1.234567"),
        ("PENALTY_GRACE_DAYS", "2.5"),
        ("PENALTY_MINIMUM", "abc"),
    ],
)
def test_a_bad_setting_stops_the_cold_start_naming_it(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    for setting, good in {
        "TABLE_NAME": "civiq",
        "LEDGER_TABLE_NAME": "civiq-ledger",
        "EVENT_BUS_NAME": "bus",
        "PENALTY_KIND": "monthly-percent",
        "PENALTY_PERCENT": "1.25",
    }.items():
        monkeypatch.setenv(setting, good)
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=name):
        PenaltySettings()
