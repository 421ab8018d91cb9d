"""The write-off rules as data: who may write off how much, what can be written off, which
write-offs a payment reinstates, which balances are written off by themselves, and what a
write-off does to a collection case."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest

from civiq.collections.domain.dunning import (
    Anchor,
    CaseEnd,
    CaseStatus,
    CustomerClass,
    DunningPolicy,
    PastDue,
    open_case,
)
from civiq.collections.domain.write_offs import (
    Authority,
    WriteOff,
    WriteOffCategory,
    WriteOffPolicy,
    authority_of,
    case_after,
    outstanding,
    refusals,
    reinstating,
    small_balance,
)
from civiq.core.errors import InvalidInput
from civiq.ledger.domain.journal import AccountLedger, OpenStatement

POLICY = WriteOffPolicy()
TODAY = date(2027, 3, 1)


def ledger(*owed: tuple[str, date], credit: str = "0") -> AccountLedger:
    items = tuple(OpenStatement(f"S{n}", due, D(amount)) for n, (amount, due) in enumerate(owed))
    balance = sum((i.owed for i in items), D(0)) - D(credit)
    return AccountLedger("A1", None, balance, D(credit), items)


def write_off(write_off_id: str, amount: str, minute: int) -> WriteOff:
    return WriteOff(
        write_off_id,
        "A1",
        D(amount),
        WriteOffCategory.UNCOLLECTABLE,
        "gone",
        "clerk-1",
        Authority.CLERK,
        datetime(2027, 1, 1, 12, minute, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("role", "amount", "authority"),
    [
        ("clerk", "100.00", Authority.CLERK),
        ("supervisor", "100.01", Authority.SUPERVISOR),
        ("admin", "5000.00", Authority.SUPERVISOR),
    ],
)
def test_who_writes_off_how_much(role: str, amount: str, authority: Authority) -> None:
    assert authority_of(role, D(amount), POLICY) is authority


def test_a_clerk_above_the_limit_is_sent_to_a_supervisor() -> None:
    with pytest.raises(InvalidInput) as refused:
        authority_of("clerk", D("100.01"), POLICY)

    assert refused.value.field == "amount"
    assert refused.value.message == "a clerk writes off up to 100.00: a supervisor writes off more"


def test_at_most_what_the_account_owes_in_cents() -> None:
    owing = ledger(("40.00", date(2027, 1, 1)), ("30.00", date(2027, 3, 20)))

    assert refusals(D("70.00"), owing) == []
    assert [e.field for e in refusals(D("70.01"), owing)] == ["amount"]
    assert [e.field for e in refusals(D("0"), owing)] == ["amount"]
    assert [e.field for e in refusals(D("1.001"), owing)] == ["amount"]


def test_a_payment_reinstates_the_newest_write_off_first() -> None:
    older, newer = write_off("W1", "50.00", 1), write_off("W2", "30.00", 2)

    changed = reinstating([older, newer], D("45.00"), TODAY, "PAY-1")

    assert [(w.write_off_id, w.left) for w in changed] == [("W2", D(0)), ("W1", D("35.00"))]
    assert outstanding(changed) == D("35.00")
    assert reinstating(changed, D("10.00"), TODAY, "PAY-2")[0].left == D("25.00")


@pytest.mark.parametrize(
    ("owed", "due", "served", "expected"),
    [
        ("10.00", date(2026, 12, 1), False, D("10.00")),  # 90 days past due
        ("10.00", date(2026, 12, 2), False, None),  # 89 days
        ("10.01", date(2026, 12, 1), False, None),  # above the threshold
        ("10.00", date(2026, 12, 1), True, None),  # still served
    ],
)
def test_which_small_balances_are_written_off_by_themselves(
    owed: str, due: date, served: bool, expected: D | None
) -> None:
    assert small_balance(ledger((owed, due)), served, POLICY, TODAY) == expected


def test_an_account_in_credit_has_no_small_balance() -> None:
    assert small_balance(ledger(credit="5.00"), False, POLICY, TODAY) is None


def test_a_write_off_closes_the_case_when_nothing_worth_following_is_left() -> None:
    ladder = DunningPolicy().default_ladder(CustomerClass.RESIDENTIAL, "utility")
    anchor = Anchor("S0", date(2027, 1, 1), D("80.00"))
    case = open_case("C1", "A1", ladder, PastDue(anchor, D("80.00")), TODAY)
    assert case is not None

    closed = case_after(ladder, case, PastDue(None, D(0)), TODAY)
    below = case_after(ladder, case, PastDue(anchor, D("5.00")), TODAY)
    still = case_after(ladder, case, PastDue(anchor, D("60.00")), TODAY)

    assert (closed.status, closed.ended) == (CaseStatus.CLOSED, CaseEnd.WRITTEN_OFF)
    assert below.ended is CaseEnd.WRITTEN_OFF
    assert (still.status, still.past_due) == (CaseStatus.OPEN, D("60.00"))
