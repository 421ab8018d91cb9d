"""The balance forward itemizes the ledger's entries since the previous statement, one line per
kind of entry (and direction), never inferring payments from how the balance moved."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from civiq.billing.domain.billing import BalanceForwardMismatch, balance_forward
from civiq.billing.domain.statements import Direction, ForwardLine, Statement
from civiq.ledger.domain.journal import (
    AccountLedger,
    EntriesSince,
    EntryKind,
    LedgerEntry,
    Source,
    append,
    statement_posting,
)
from tests.helpers.statement_builders import statement

ACCOUNT = "acc-0042"
AT = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
CREDIT, CHARGE = Direction.CREDIT, Direction.CHARGE
PAYMENT, PENALTY, FEE = EntryKind.PAYMENT, EntryKind.PENALTY, EntryKind.FEE
ADJUSTMENT, REFUND, REVERSAL = EntryKind.ADJUSTMENT, EntryKind.REFUND, EntryKind.REVERSAL


@dataclass
class Journal:
    """One account's journal, written as the services write it."""

    entries: list[LedgerEntry] = field(default_factory=list)

    def post(self, kind: EntryKind, amount: str, entry_id: str, at: datetime = AT) -> None:
        self.entries.append(
            append(
                self.entries[-1].head if self.entries else None,
                account_id=ACCOUNT,
                entry_id=entry_id,
                kind=kind,
                amount=D(amount),
                occurred_at=at,
                recorded_by="clerk-1",
                reason=f"{kind.value} {entry_id}",
                source=Source(kind.value, entry_id),
            )
        )

    @property
    def sequence(self) -> int:
        return self.entries[-1].sequence if self.entries else 0

    def issue(self, issued: Statement) -> Statement:
        """``issued`` with the head it was drafted at; its charges on the journal."""
        drafted = replace(issued, ledger_sequence=self.sequence)
        self.post(EntryKind.CHARGE, str(drafted.bill.total), drafted.statement_id)
        return drafted

    def rebill(self, cancelled: Statement, rebill: Statement) -> None:
        """The cancelled statement's charges reversed and the rebill's charged, as issued."""
        head = self.entries[-1].head if self.entries else None
        basis = AccountLedger(ACCOUNT, head, self.since(0).balance, D(0), ())
        self.entries += statement_posting(
            basis,
            rebill.statement_id,
            rebill.due_on,
            rebill.bill.total,
            AT,
            "billing",
            rebill.ledger_reason,
            replacing=(cancelled.statement_id, cancelled.bill.total),
        ).entries

    def since(self, after: int) -> EntriesSince:
        head = self.entries[-1].head if self.entries else None
        return EntriesSince(
            ACCOUNT,
            after,
            head,
            sum((e.amount for e in self.entries), D(0)),
            tuple(e for e in self.entries if e.sequence > after),
        )


def previous_statement(journal: Journal) -> Statement:
    """A statement of 269.90 in new charges whose balance forward was -10.00 (a credit)."""
    journal.post(ADJUSTMENT, "-10.00", "credit-before")
    issued = journal.issue(statement())
    assert issued.total_due == D("259.90")
    return issued


def forward_after(journal: Journal, previous: Statement) -> tuple[tuple[ForwardLine, ...], D]:
    forward = balance_forward(previous, journal.since(previous.ledger_sequence or 0))
    assert forward.previous_balance == previous.total_due
    assert forward.amount == forward.previous_balance + sum(
        (line.signed for line in forward.since), D(0)
    )
    assert forward.through == journal.sequence
    return forward.since, forward.amount


def test_a_payment_and_a_late_penalty_are_each_itemized_not_netted() -> None:
    journal = Journal()
    previous = previous_statement(journal)
    journal.post(PAYMENT, "-100.00", "P-1")
    journal.post(PENALTY, "1.25", "penalty-1")

    since, amount = forward_after(journal, previous)

    assert since == (
        ForwardLine(PAYMENT, CREDIT, D("100.00")),
        ForwardLine(PENALTY, CHARGE, D("1.25")),
    )
    assert amount == D("259.90") - D("100.00") + D("1.25")


def test_entries_of_one_kind_add_up_on_its_line() -> None:
    journal = Journal()
    previous = previous_statement(journal)
    journal.post(PAYMENT, "-60.00", "P-1")
    journal.post(PENALTY, "1.25", "penalty-1")
    journal.post(PAYMENT, "-40.00", "P-2")

    since, _ = forward_after(journal, previous)

    assert since == (
        ForwardLine(PAYMENT, CREDIT, D("100.00")),
        ForwardLine(PENALTY, CHARGE, D("1.25")),
    )


def test_a_payment_reversed_in_the_same_period_prints_the_payment_the_reversal_and_the_fee() -> (
    None
):
    journal = Journal()
    previous = previous_statement(journal)
    journal.post(PAYMENT, "-259.90", "P-1")
    journal.post(REVERSAL, "259.90", "P-1-reversed")  # the cheque came back
    journal.post(FEE, "25.00", "P-1-nsf-fee")

    since, amount = forward_after(journal, previous)

    assert since == (
        ForwardLine(PAYMENT, CREDIT, D("259.90")),
        ForwardLine(REVERSAL, CHARGE, D("259.90")),
        ForwardLine(FEE, CHARGE, D("25.00")),
    )
    assert amount == D("284.90")


def test_a_refund_of_an_overpayment_is_its_own_line() -> None:
    journal = Journal()
    previous = previous_statement(journal)
    journal.post(PAYMENT, "-300.00", "P-1")
    journal.post(REFUND, "40.10", "R-1")

    since, amount = forward_after(journal, previous)

    assert since == (
        ForwardLine(PAYMENT, CREDIT, D("300.00")),
        ForwardLine(REFUND, CHARGE, D("40.10")),
    )
    assert amount == D("0.00")


def test_adjustments_both_ways_print_a_credit_line_and_a_charge_line() -> None:
    journal = Journal()
    previous = previous_statement(journal)
    journal.post(ADJUSTMENT, "-20.00", "A-1")  # leak credit
    journal.post(ADJUSTMENT, "15.00", "A-2")  # hydrant permit
    journal.post(ADJUSTMENT, "-5.00", "A-3")

    since, amount = forward_after(journal, previous)

    assert since == (
        ForwardLine(ADJUSTMENT, CREDIT, D("25.00")),
        ForwardLine(ADJUSTMENT, CHARGE, D("15.00")),
    )
    assert amount == D("249.90")


def test_a_charge_taken_back_is_a_credit_line_of_reversals() -> None:
    journal = Journal()
    previous = previous_statement(journal)
    journal.post(PENALTY, "3.25", "penalty-1")
    journal.post(REVERSAL, "-3.25", "penalty-1-waived")

    since, amount = forward_after(journal, previous)

    assert since == (
        ForwardLine(PENALTY, CHARGE, D("3.25")),
        ForwardLine(REVERSAL, CREDIT, D("3.25")),
    )
    assert amount == D("259.90")


def test_nothing_since_the_previous_statement_forwards_its_total_with_no_lines() -> None:
    journal = Journal()
    previous = previous_statement(journal)

    since, amount = forward_after(journal, previous)

    assert since == ()
    assert amount == previous.total_due


def test_a_first_statement_itemizes_every_entry_from_the_start() -> None:
    journal = Journal()
    journal.post(ADJUSTMENT, "42.00", "opening-balance")
    journal.post(PAYMENT, "-12.00", "P-1")

    forward = balance_forward(None, journal.since(0))

    assert forward.previous_balance == D(0)
    assert forward.since == (
        ForwardLine(PAYMENT, CREDIT, D("12.00")),
        ForwardLine(ADJUSTMENT, CHARGE, D("42.00")),
    )
    assert forward.amount == D("30.00")


def test_a_rebill_leaves_out_the_charges_of_the_statement_it_replaces() -> None:
    """Rebilling the latest statement forwards from the one before it: the replaced statement's
    charges (and, rebilled twice, their cancellation and the first rebill's charges) are not
    lines; what was paid since the one before is."""
    journal = Journal()
    before = previous_statement(journal)
    journal.post(PAYMENT, "-259.90", "P-1")
    wrong = journal.issue(statement(statement_id="st-2026-12", previous_balance=D(0), since=()))
    journal.post(PAYMENT, "-50.00", "P-2")

    forward = balance_forward(before, journal.since(before.ledger_sequence or 0), replacing=wrong)

    assert forward.since == (ForwardLine(PAYMENT, CREDIT, D("309.90")),)
    assert forward.amount == D("-50.00")

    rebill = replace(wrong, statement_id="st-2026-12-R1", ledger_sequence=journal.sequence)
    journal.rebill(wrong, rebill)
    again = balance_forward(before, journal.since(before.ledger_sequence or 0), replacing=rebill)

    assert (again.since, again.amount) == (forward.since, forward.amount)


def test_the_statement_after_a_rebill_leaves_out_the_cancelled_charges() -> None:
    journal = Journal()
    previous = previous_statement(journal)
    smaller = replace(previous.bill, lines=previous.bill.lines[:1], taxes=())
    rebill = replace(
        previous, statement_id=f"{previous.statement_id}-R1", bill=smaller, ledger_sequence=2
    )
    journal.rebill(previous, rebill)
    journal.post(PAYMENT, "-5.00", "P-1")

    since, amount = forward_after(journal, rebill)

    assert since == (ForwardLine(PAYMENT, CREDIT, D("5.00")),)
    assert amount == rebill.total_due - D("5.00") == D("5.05")


def test_a_balance_the_lines_do_not_explain_is_refused() -> None:
    journal = Journal()
    previous = previous_statement(journal)
    journal.post(PAYMENT, "-100.00", "P-1")
    read = journal.since(previous.ledger_sequence or 0)
    off_by_a_cent = replace(read, balance=read.balance + D("0.01"))

    with pytest.raises(BalanceForwardMismatch) as refused:
        balance_forward(previous, off_by_a_cent)

    assert refused.value.code == "balance_forward_mismatch"


def test_a_statement_issued_before_statements_kept_their_ledger_point_forwards_from_its_issue() -> (
    None
):
    """Its point is then the last entry recorded by the time it was issued."""
    journal = Journal()
    journal.post(ADJUSTMENT, "-10.00", "credit-before", AT - timedelta(days=3))
    legacy = replace(statement(), ledger_sequence=None)
    journal.post(EntryKind.CHARGE, str(legacy.bill.total), legacy.statement_id, legacy.issued_at)
    journal.post(PAYMENT, "-100.00", "P-1", legacy.issued_at + timedelta(days=9))

    forward = balance_forward(legacy, journal.since(0))

    assert forward.since == (ForwardLine(PAYMENT, CREDIT, D("100.00")),)
    assert forward.amount == D("159.90")
