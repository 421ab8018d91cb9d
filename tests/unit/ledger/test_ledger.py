"""The ledger's journal: balances are sums of entries, reversals restore them exactly, the hash
chain catches any edited, deleted or reordered entry, and payments allocate exactly."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civiq.core.errors import InvalidInput
from civiq.ledger.domain.journal import (
    AllocationOrder,
    EntryKind,
    Head,
    LedgerEntry,
    OpenStatement,
    Source,
    allocate,
    append,
    balance,
    reversal,
    verify_chain,
)

AT = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
cents = st.integers(min_value=-(10**8), max_value=10**8).filter(bool).map(lambda c: D(c) / 100)


def head_of(entry: LedgerEntry) -> Head:
    return Head(entry.sequence, entry.hash)


def journal(amounts: list[D]) -> list[LedgerEntry]:
    entries: list[LedgerEntry] = []
    for n, amount in enumerate(amounts):
        entries.append(
            append(
                entries[-1].head if entries else None,
                account_id="A1",
                entry_id=f"E{n}",
                kind=EntryKind.CHARGE if amount > 0 else EntryKind.PAYMENT,
                amount=amount,
                occurred_at=AT + timedelta(minutes=n),
                recorded_by="clerk-1",
                reason="test",
                source=Source("statement", f"S{n}"),
            )
        )
    return entries


@given(st.lists(cents, min_size=1, max_size=30))
def test_the_balance_is_the_sum_and_a_reversal_restores_it_exactly(amounts: list[D]) -> None:
    entries = journal(amounts)
    assert balance(entries) == sum(amounts)
    undone = reversal(entries[-1].head, entries[0], "R1", AT, "super-1", "dishonoured cheque")
    assert balance([*entries, undone]) == sum(amounts) - amounts[0]
    assert verify_chain([*entries, undone], head_of(undone)) is None


@given(st.lists(cents, min_size=2, max_size=20), st.data())
def test_the_chain_catches_an_edit_a_deletion_and_a_reordering(
    amounts: list[D], data: st.DataObject
) -> None:
    entries = journal(amounts)
    head = head_of(entries[-1])
    assert verify_chain(entries, head) is None
    n = data.draw(st.integers(min_value=0, max_value=len(entries) - 1))
    edited = list(entries)
    edited[n] = replace(entries[n], amount=entries[n].amount + D("0.01") or D("0.02"))
    broken = verify_chain(edited, head)
    assert broken is not None and broken.sequence == n + 1
    assert verify_chain(entries[:n] + entries[n + 1 :], head) is not None
    swapped = list(entries)
    m = (n + 1) % len(entries)
    swapped[n], swapped[m] = swapped[m], swapped[n]
    assert verify_chain(swapped, head) is not None


def test_an_entry_forged_with_its_own_hash_still_breaks_the_chain_after_it() -> None:
    entries = journal([D("100.00"), D("-40.00"), D("-60.00")])
    forged = replace(entries[1], amount=D("-90.00")).sealed()  # re-hashed by the forger
    broken = verify_chain([entries[0], forged, entries[2]], head_of(entries[2]))
    assert broken is not None and broken.sequence == 3


open_amounts = st.lists(st.integers(min_value=1, max_value=10**6), min_size=0, max_size=8)


@given(st.integers(min_value=1, max_value=10**7), open_amounts, st.sampled_from(AllocationOrder))
def test_an_allocation_sums_to_the_payment_and_never_overpays_a_statement(
    paid: int, owed: list[int], order: AllocationOrder
) -> None:
    statements = [
        OpenStatement(f"S{i}", date(2026, 1, 1) + timedelta(days=30 * i), D(c) / 100)
        for i, c in enumerate(owed)
    ]
    amount = D(paid) / 100
    allocation = allocate(amount, statements, order)
    assert sum((a.amount for a in allocation.applied), D(0)) + allocation.credit == amount
    by_id = {s.statement_id: s.owed for s in statements}
    assert all(0 < a.amount <= by_id[a.statement_id] for a in allocation.applied)
    assert allocation.credit == max(amount - sum(by_id.values(), D(0)), D(0))


def test_the_oldest_statement_is_paid_first_and_the_rest_is_a_credit() -> None:
    statements = [
        OpenStatement("NEW", date(2026, 11, 30), D("80.00")),
        OpenStatement("OLD", date(2026, 9, 30), D("50.00")),
    ]
    partial = allocate(D("60.00"), statements, AllocationOrder.OLDEST_FIRST)
    assert [(a.statement_id, a.amount) for a in partial.applied] == [
        ("OLD", D("50.00")),
        ("NEW", D("10.00")),
    ]
    over = allocate(D("200.00"), statements, AllocationOrder.OLDEST_FIRST)
    assert over.credit == D("70.00")
    newest = allocate(D("60.00"), statements, AllocationOrder.NEWEST_FIRST)
    assert [(a.statement_id, a.amount) for a in newest.applied] == [("NEW", D("60.00"))]


@pytest.mark.parametrize("amount", [D("0"), D("-5.00"), D("1.005")])
def test_a_payment_is_a_positive_amount_in_cents(amount: D) -> None:
    with pytest.raises(InvalidInput) as error:
        allocate(amount, [], AllocationOrder.OLDEST_FIRST)
    assert error.value.field == "amount"


def test_a_reversal_is_not_reversed_and_entries_say_why() -> None:
    entries = journal([D("10.00")])
    undone = reversal(entries[0].head, entries[0], "R1", AT, "s", "wrong account")
    with pytest.raises(InvalidInput):
        reversal(undone.head, undone, "R2", AT, "s", "again")
    with pytest.raises(InvalidInput) as error:
        journal([D("0.001")])
    assert error.value.field == "amount"


def test_removing_the_last_entries_is_caught_by_the_accounts_head() -> None:
    entries = journal([D("100.00"), D("-40.00"), D("-60.00")])
    broken = verify_chain(entries[:2], head_of(entries[2]))
    assert broken is not None and "does not end" in broken.why
    assert verify_chain([], None) is None
    assert verify_chain([], head_of(entries[0])) is not None
