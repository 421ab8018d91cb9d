"""A cycle bills from the account's latest statement, read with the account, instead of a query
of its statements: the balance forward, the consumption chart and an over-estimate's credit come
out as they do from the statements themselves; the ledger's entries are read only when something
was posted after that statement."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from civiq.billing.domain.billing import BillingRequest
from civiq.billing.domain.statements import Direction, ForwardLine, Statement, StatementKind
from civiq.billing.services.billing import Past
from civiq.ledger.domain.journal import AccountLedger, EntriesSince, EntryKind
from civiq.ledger.domain.payments import PaymentChannel, PaymentMethod
from civiq.ledger.ports import JournalReader
from civiq.payments.services.payments import PostPayment, ReceivedPayment
from tests.helpers.billing_world import SCHEDULE, BillingWorld
from tests.helpers.builders import SUPERVISOR
from tests.helpers.metering_world import CLERK

MONTHS = 16  # more than the chart shows, so its oldest point drops off
# in effect from before the first month billed (the world's clock is in December 2026)
SINCE_2025 = replace(
    SCHEDULE, versions=(replace(SCHEDULE.versions[0], effective_from=date(2025, 1, 1)),)
)


@pytest.fixture
def world() -> BillingWorld:
    return BillingWorld()


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def monthly(end: date) -> BillingRequest:
    return BillingRequest(
        kind=StatementKind.REGULAR,
        cycle_id="residential-a",
        run_id=f"run-{end:%Y-%m}",
        period_start=end.replace(day=1),
        period_end=end,
        read_until=end + timedelta(days=3),
        issued_on=end + timedelta(days=3),
        due_on=end + timedelta(days=24),
    )


def same(a: Past, b: Past) -> bool:
    return a.previous == b.previous and a.history == b.history


def test_the_latest_statement_gives_the_past_its_statements_give(world: BillingWorld) -> None:
    account = world.account(started=date(2025, 6, 1))
    meter = world.meter(world.properties.get(account.property_id))
    world.read(meter, "2025-06-01", "100")
    value = 100
    for n in range(MONTHS):
        end = month_end(2025 + (5 + n) // 12, (5 + n) % 12 + 1)
        if n % 5 != 3:  # every fifth month no read comes: the period is estimated
            value += 7 + n % 4
            world.read(meter, end.isoformat(), str(value))
        on_file = world.bill_batch.on_file.several([account.account_id])[account.account_id]
        if n > 0:
            assert on_file.latest is not None
            read_with_the_account = world.bill_account.past(account.account_id, on_file.latest)
            from_the_statements = world.bill_account.past(account.account_id)
            assert same(read_with_the_account, from_the_statements)
        outcome = world.bill_account(account.account_id, monthly(end), SINCE_2025, on_file)
        assert outcome.statement_id is not None

    latest = world.bill_batch.on_file.several([account.account_id])[account.account_id].latest
    assert latest is not None and len(latest.usage_history) == 12
    assert any(point.estimated for point in latest.usage_history)


def test_a_rebill_becomes_the_latest_statement(world: BillingWorld) -> None:
    account = world.account()
    meter = world.meter(world.properties.get(account.property_id))
    world.read(meter, "2026-09-30", "100")
    world.read(meter, "2026-11-30", "130")
    run = world.run()
    billed = world.bill_account(account.account_id, run.request(), SCHEDULE)

    rebill = world.rebill(account.account_id, billed.statement_id or "", "misread", SUPERVISOR, "c")

    latest = world.bill_batch.on_file.several([account.account_id])[account.account_id].latest
    assert latest == replace(rebill, document_key=latest.document_key if latest else None)
    assert world.bill_account.past(account.account_id, latest).previous == latest


@dataclass
class CountingJournal:
    """The ledger billing reads, counting the reads of entries."""

    ledger: JournalReader
    entry_reads: int = 0

    def state(self, account_id: str) -> AccountLedger:
        return self.ledger.state(account_id)

    def entries_since(self, account_id: str, after: int) -> EntriesSince:
        self.entry_reads += 1
        return self.ledger.entries_since(account_id, after)

    def entries_after(self, ledger: AccountLedger, after: int) -> EntriesSince:
        self.entry_reads += 1
        return self.ledger.entries_after(ledger, after)


def billed_twice(world: BillingWorld, paid: str | None) -> tuple[Statement, int]:
    """An account billed for two months through a cycle's read of it, paying ``paid`` between;
    the second statement, and how often billing read ledger entries for it."""
    account = world.account(started=date(2026, 8, 1))
    meter = world.meter(world.properties.get(account.property_id))
    for on, value in [("2026-08-01", "100"), ("2026-08-31", "110"), ("2026-09-30", "125")]:
        world.read(meter, on, value)
    journal = CountingJournal(world.ledger)
    bill = replace(world.bill_account, ledger=journal)
    for end in (date(2026, 8, 31), date(2026, 9, 30)):
        if end.month == 9 and paid is not None:
            received = ReceivedPayment(
                "P-1",
                account.account_id,
                D(paid),
                PaymentMethod.CHEQUE,
                PaymentChannel.STAFF,
                date(2026, 9, 15),
            )
            PostPayment(world.books)(received, CLERK, "c")
        journal.entry_reads = 0
        on_file = world.bill_batch.on_file.several([account.account_id])[account.account_id]
        outcome = bill(account.account_id, monthly(end), SINCE_2025, on_file)
    return world.statements.get(account.account_id, outcome.statement_id or ""), (
        journal.entry_reads
    )


def test_nothing_posted_since_the_latest_statement_reads_no_ledger_entries(
    world: BillingWorld,
) -> None:
    statement, entry_reads = billed_twice(world, paid=None)

    assert entry_reads == 0
    assert statement.since == ()
    assert statement.total_due == statement.previous_balance + statement.bill.total
    assert statement.total_due == world.ledger.state(statement.account_id).balance


def test_a_payment_since_the_latest_statement_is_read_and_itemized(world: BillingWorld) -> None:
    statement, entry_reads = billed_twice(world, paid="10.00")

    assert entry_reads == 1
    assert statement.since == (ForwardLine(EntryKind.PAYMENT, Direction.CREDIT, D("10.00")),)
    assert statement.total_due == world.ledger.state(statement.account_id).balance
