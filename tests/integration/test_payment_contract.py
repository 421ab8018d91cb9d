"""Payments on the ledger, against the in-memory fakes and DynamoDB alike: allocation, credit,
refunds, reversals, duplicates, concurrency, and a ledger that always adds up."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from decimal import Decimal as D
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from civiq.accounts.adapters.memory import InMemoryBalances, InMemoryStore
from civiq.accounts.domain.accounts import Account
from civiq.billing.adapters.dynamodb import DynamoStatements
from civiq.billing.adapters.memory import InMemoryStatements
from civiq.billing.domain.statements import Statement
from civiq.core.errors import Conflict, InvalidInput
from civiq.core.events import Actor
from civiq.core.fakes import FixedClock, SequentialIds
from civiq.core.publishing import PublishEvents
from civiq.ledger.adapters.memory import InMemoryLedger
from civiq.ledger.domain.journal import LedgerEntry, verify_chain
from civiq.ledger.domain.payments import PaymentChannel, PaymentMethod, PaymentStatus
from civiq.ledger.services.posting import Announcer, PaymentLedger
from civiq.payments.adapters.dynamodb_payments import DynamoLedger, DynamoPayments
from civiq.payments.services.payments import (
    PostPayment,
    ReceivedPayment,
    RefundPayment,
    ReversePayment,
)
from infra.local import dynamodb_transactions
from tests.integration.test_billing_contract import NOW
from tests.integration.test_repository_contract import Stores, stores  # noqa: F401
from tests.statement_builders import issued_entry, owing_statement

CLERK = Actor("clerk-1", "clerk")
SUPERVISOR = Actor("super-1", "supervisor")
NSF_FEE = D("45.00")


@dataclass
class Books:
    account: Account
    ledger: Any
    payments: Any
    statements: Any
    post: PostPayment
    refund: RefundPayment
    reverse: ReversePayment

    def issue(self, period_end: date, total: str) -> Statement:
        issued = owing_statement(
            self.account.account_id,
            self.account.account_number,
            period_end.replace(day=20),
            total,
        )
        assert self.statements.issue(issued, issued_entry(issued))
        return issued

    def pay(
        self, payment_id: str, amount: str, method: PaymentMethod = PaymentMethod.CHEQUE
    ) -> Any:
        return self.post(
            ReceivedPayment(
                payment_id,
                self.account.account_id,
                D(amount),
                method,
                PaymentChannel.STAFF,
                date(2026, 12, 1),
                reference="cheque 1042",
            ),
            CLERK,
            "corr-p",
        )

    def owed(self) -> dict[str, D]:
        basis = self.ledger.state(self.account.account_id)
        return {s.statement_id: s.owed for s in basis.open_statements}

    def journal(self) -> list[LedgerEntry]:
        entries: list[LedgerEntry] = []
        after = 0
        while True:
            page = self.ledger.entries(self.account.account_id, after, 3)
            entries += page.items
            if page.next_cursor is None:
                return entries
            after = int(page.next_cursor)

    def assert_sound(self) -> None:
        basis = self.ledger.state(self.account.account_id)
        entries = self.journal()
        assert verify_chain(entries, basis.head) is None
        assert basis.balance == sum((e.amount for e in entries), D(0))
        assert basis.balance == sum(self.owed().values(), D(0)) - basis.credit


class Published(list[Any]):
    def publish(self, events: Any) -> None:
        self.extend(events)


published = Published()


@pytest.fixture
def books(stores: Stores) -> Books:  # noqa: F811 (the imported, parametrized fixture)
    account = stores.open("Chloé Côté", "5 Rue Laval")
    if isinstance(stores.accounts, InMemoryStore):
        ledger: Any = InMemoryLedger(stores.accounts)
        payments: Any = ledger
        statements: Any = InMemoryStatements(
            stores.accounts, InMemoryBalances(stores.accounts), ledger
        )
    else:
        dynamodb_transactions.install()  # moto's transactions, serialised as DynamoDB's are
        ledger, payments, statements = DynamoLedger(), DynamoPayments(), DynamoStatements()
    shared = PaymentLedger(
        ledger,
        payments,
        stores.accounts,
        Announcer(FixedClock(NOW), SequentialIds("01P")),
        PublishEvents(stores.outbox, published),
        ZoneInfo("America/Toronto"),
    )
    return Books(
        account,
        ledger,
        payments,
        statements,
        PostPayment(shared),
        RefundPayment(shared),
        ReversePayment(shared, NSF_FEE),
    )


def test_statements_are_charged_to_the_ledger(books: Books) -> None:
    first = books.issue(date(2026, 9, 30), "80.00")
    second = books.issue(date(2026, 11, 30), "95.50")
    basis = books.ledger.state(books.account.account_id)
    assert basis.balance == D("175.50")
    assert books.owed() == {first.statement_id: D("80.00"), second.statement_id: D("95.50")}
    assert [e.kind.value for e in books.journal()] == ["charge", "charge"]
    books.assert_sound()


def test_a_payment_pays_the_oldest_statement_first_and_part_of_the_next(books: Books) -> None:
    first = books.issue(date(2026, 9, 30), "80.00")
    second = books.issue(date(2026, 11, 30), "95.50")

    posted = books.pay("P-1", "100.00")

    assert posted.new
    applied = [(a.statement_id, a.amount) for a in posted.payment.allocation.applied]
    assert applied == [(first.statement_id, D("80.00")), (second.statement_id, D("20.00"))]
    assert books.owed() == {second.statement_id: D("75.50")}
    assert books.ledger.state(books.account.account_id).balance == D("75.50")
    assert books.payments.of_account(books.account.account_id)[0].payment_id == "P-1"
    books.assert_sound()


def test_the_same_payment_twice_is_posted_once(books: Books) -> None:
    books.issue(date(2026, 11, 30), "95.50")
    books.pay("P-1", "40.00")
    again = books.pay("P-1", "40.00")
    assert not again.new
    assert again.payment.amount == D("40.00")
    assert books.ledger.state(books.account.account_id).balance == D("55.50")
    assert len(books.journal()) == 2


def test_an_overpayment_is_a_credit_applied_to_the_next_statement(books: Books) -> None:
    first = books.issue(date(2026, 9, 30), "80.00")
    books.pay("P-1", "100.00")
    basis = books.ledger.state(books.account.account_id)
    assert (basis.credit, basis.balance, books.owed()) == (D("20.00"), D("-20.00"), {})

    second = books.issue(date(2026, 11, 30), "95.50")

    basis = books.ledger.state(books.account.account_id)
    assert basis.credit == D(0)
    assert books.owed() == {second.statement_id: D("75.50")}
    assert first.statement_id not in books.owed()
    books.assert_sound()


def test_a_refund_comes_out_of_the_credit_first(books: Books) -> None:
    books.issue(date(2026, 11, 30), "80.00")
    books.pay("P-1", "100.00")
    books.refund(books.account.account_id, "P-1", "R-1", D("30.00"), "overpaid", SUPERVISOR, "c")
    basis = books.ledger.state(books.account.account_id)
    # 20.00 of credit paid for part of it; the other 10.00 is owed again
    assert (basis.credit, basis.balance) == (D(0), D("10.00"))
    assert sum(books.owed().values()) == D("10.00")
    payment = books.payments.get(books.account.account_id, "P-1")
    assert (payment.refunded, payment.status) == (D("30.00"), PaymentStatus.POSTED)
    books.assert_sound()


def test_a_refund_is_at_most_what_is_left_of_the_payment(books: Books) -> None:
    books.pay("P-1", "50.00")
    books.refund(books.account.account_id, "P-1", "R-1", D("30.00"), "x", SUPERVISOR, "c")
    with pytest.raises(InvalidInput) as error:
        books.refund(books.account.account_id, "P-1", "R-2", D("20.01"), "x", SUPERVISOR, "c")
    assert error.value.field == "amount"
    # the same refund again changes nothing
    again = books.refund(books.account.account_id, "P-1", "R-1", D("30.00"), "x", SUPERVISOR, "c")
    assert again.refund_id == "R-1"
    assert books.ledger.state(books.account.account_id).balance == D("-20.00")


def test_a_dishonoured_cheque_is_reversed_exactly_with_the_nsf_fee(books: Books) -> None:
    first = books.issue(date(2026, 9, 30), "80.00")
    second = books.issue(date(2026, 11, 30), "95.50")
    before = books.owed()
    books.pay("P-1", "100.00")

    reversed_ = books.reverse(
        books.account.account_id, "P-1", PaymentStatus.DISHONOURED, "NSF", CLERK, "c"
    )

    assert reversed_.status is PaymentStatus.DISHONOURED
    owed = books.owed()
    assert {k: v for k, v in owed.items() if k in before} == before
    assert owed["unbilled:P-1-nsf-fee"] == NSF_FEE
    assert books.ledger.state(books.account.account_id).balance == D("175.50") + NSF_FEE
    assert [e.kind.value for e in books.journal()][-2:] == ["reversal", "fee"]
    with pytest.raises(Conflict):
        books.reverse(books.account.account_id, "P-1", PaymentStatus.DISHONOURED, "NSF", CLERK, "c")
    assert first.statement_id in owed and second.statement_id in owed
    books.assert_sound()


def test_reversing_a_payment_whose_credit_was_spent_owes_it_again(books: Books) -> None:
    books.issue(date(2026, 9, 30), "80.00")
    books.pay("P-1", "100.00")  # 20.00 credit
    books.issue(date(2026, 11, 30), "95.50")  # the credit paid 20.00 of it
    books.reverse(
        books.account.account_id, "P-1", PaymentStatus.CHARGED_BACK, "dispute", CLERK, "c"
    )
    basis = books.ledger.state(books.account.account_id)
    assert basis.balance == D("175.50")
    assert basis.credit == D(0)
    books.assert_sound()


def test_only_a_cheque_is_dishonoured(books: Books) -> None:
    books.pay("P-1", "10.00", PaymentMethod.CASH)
    with pytest.raises(Conflict):
        books.reverse(books.account.account_id, "P-1", PaymentStatus.DISHONOURED, "x", CLERK, "c")


def test_concurrent_payments_of_one_account_are_all_posted_exactly(books: Books) -> None:
    books.issue(date(2026, 11, 30), "500.00")
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda n: books.pay(f"P-{n}", "12.34"), range(16)))
    assert all(r.new for r in results)
    assert books.ledger.state(books.account.account_id).balance == D("500.00") - 16 * D("12.34")
    books.assert_sound()


def test_the_same_payment_delivered_ten_times_at_once_is_posted_once(books: Books) -> None:
    books.issue(date(2026, 11, 30), "500.00")
    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(lambda _: books.pay("P-1", "99.99"), range(10)))
    assert sum(r.new for r in results) == 1
    assert books.ledger.state(books.account.account_id).balance == D("400.01")
    books.assert_sound()
