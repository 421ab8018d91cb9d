"""Payments on the ledger, against the in-memory fakes and DynamoDB alike: allocation, credit,
refunds, reversals, duplicates, concurrency, and a ledger that always adds up."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest

from civiq.core.errors import Conflict, InvalidInput
from civiq.core.events import Actor
from civiq.ledger.domain.journal import EntryKind, Head, LedgerMoved, Posting, Source, append
from civiq.ledger.domain.payments import PaymentMethod, PaymentStatus
from tests.helpers.stores import NSF_FEE, Books

CLERK = Actor("clerk-1", "clerk")
SUPERVISOR = Actor("super-1", "supervisor")


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


def test_a_posting_chained_to_another_hash_at_the_same_sequence_is_refused(books: Books) -> None:
    books.issue(date(2026, 11, 30), "500.00")
    basis = books.ledger.state(books.account.account_id)
    assert basis.head is not None
    stale = replace(basis, head=Head(basis.head.sequence, "0" * 64))
    entry = append(
        stale.head,
        account_id=books.account.account_id,
        entry_id="E-stale",
        kind=EntryKind.ADJUSTMENT,
        amount=D("-1.00"),
        occurred_at=datetime(2026, 12, 1, tzinfo=UTC),
        recorded_by="clerk-1",
        reason="computed from a head that never was",
        source=Source("adjustment", "E-stale"),
    )
    with pytest.raises(LedgerMoved):
        books.ledger.post(Posting(stale, "adjustment:E-stale", (entry,), (), stale.credit))
    books.assert_sound()


def test_the_same_payment_delivered_ten_times_at_once_is_posted_once(books: Books) -> None:
    books.issue(date(2026, 11, 30), "500.00")
    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(lambda _: books.pay("P-1", "99.99"), range(10)))
    assert sum(r.new for r in results) == 1
    assert books.ledger.state(books.account.account_id).balance == D("400.01")
    books.assert_sound()


def test_a_payment_received_before_the_account_opened_is_refused(books: Books) -> None:
    """The account opened on 2026-11-26 (its services start that day): money received the day
    before was not paid to it. Nothing is posted."""
    books.issue(date(2026, 11, 30), "95.50")
    with pytest.raises(InvalidInput, match="before the account opened on 2026-11-26") as error:
        books.pay("P-early", "40.00", received_on=date(2026, 11, 25))
    assert error.value.field == "received_on"
    assert books.payments.of_account(books.account.account_id) == []
    assert books.ledger.state(books.account.account_id).balance == D("95.50")


def test_a_payment_received_on_the_opening_day_or_today_is_posted(books: Books) -> None:
    books.issue(date(2026, 11, 30), "95.50")
    assert books.pay("P-first-day", "10.00", received_on=date(2026, 11, 26)).new
    assert books.pay("P-today", "10.00", received_on=date(2026, 12, 3)).new
    books.assert_sound()


def test_a_payment_received_after_today_is_refused(books: Books) -> None:
    books.issue(date(2026, 11, 30), "95.50")
    with pytest.raises(InvalidInput, match="in the future") as error:
        books.pay("P-late", "40.00", received_on=date(2026, 12, 4))
    assert error.value.field == "received_on"
    assert books.payments.of_account(books.account.account_id) == []
